import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * SQS's old query protocol (form-encoded `Action=SendMessage`, XML answers) in front of an SQS
 * that speaks only JSON, fauxqs. For the tools too old for JSON, such as Debian 12's awscli 2.9
 * and python3-boto3 1.26 (foreign-tools.ts has the versions), so the publishing examples run
 * with whatever CI installed. It translates SendMessage, the one action the examples use, and
 * refuses anything else, another action or a parameter it does not know, rather than drop
 * part of a request.
 */
export interface SqsQueryAdapter {
  endpoint: string;
  /** SendMessage requests translated and forwarded so far. */
  translated(): number;
  close(): Promise<void>;
}

const SEND_MESSAGE_PARAMETERS = new Set([
  'QueueUrl',
  'MessageBody',
  'MessageGroupId',
  'MessageDeduplicationId',
  'DelaySeconds',
]);
const NAMESPACE = 'http://queue.amazonaws.com/doc/2012-11-05/';

interface QueryAnswer {
  status: number;
  xml: string;
}

export async function startSqsQueryAdapter(sqsEndpoint: string): Promise<SqsQueryAdapter> {
  let translated = 0;
  const server = createServer((request, response) => {
    answer(request)
      .then((reply) => {
        if (reply.forwarded) translated += 1;
        send(response, reply);
      })
      .catch((error: Error) =>
        send(response, errorAnswer(500, 'Receiver', 'InternalError', error.message)),
      );
  });

  async function answer(request: IncomingMessage): Promise<QueryAnswer & { forwarded?: boolean }> {
    const body = await readBody(request);
    if (!(request.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
      return errorAnswer(
        400,
        'Sender',
        'InvalidRequest',
        'this adapter takes query-protocol requests only; a client that speaks JSON talks to the emulator directly',
      );
    }
    const form = new URLSearchParams(body);
    const action = form.get('Action');
    if (action !== 'SendMessage') {
      return errorAnswer(
        400,
        'Sender',
        'InvalidAction',
        `the adapter translates SendMessage only, not ${action}`,
      );
    }
    const unknown = [...form.keys()].filter(
      (key) => key !== 'Action' && key !== 'Version' && !SEND_MESSAGE_PARAMETERS.has(key),
    );
    if (unknown.length > 0) {
      return errorAnswer(
        400,
        'Sender',
        'InvalidParameterValue',
        `the adapter does not translate ${unknown.join(', ')}`,
      );
    }
    const input: Record<string, string | number> = {};
    for (const key of SEND_MESSAGE_PARAMETERS) {
      const value = form.get(key);
      if (value !== null) input[key] = key === 'DelaySeconds' ? Number(value) : value;
    }
    const forwarded = await fetch(sqsEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.SendMessage',
      },
      body: JSON.stringify(input),
    });
    const result = (await forwarded.json()) as Record<string, string | undefined>;
    if (!forwarded.ok) {
      // fauxqs names the query protocol's code and fault in this header, as SQS does.
      const [code, fault] = (forwarded.headers.get('x-amzn-query-error') ?? '').split(';');
      return errorAnswer(
        forwarded.status,
        fault || 'Sender',
        code || result.__type?.split('#')[1] || 'Unknown',
        result.message ?? '',
      );
    }
    const fields = ['MessageId', 'MD5OfMessageBody', 'MD5OfMessageAttributes', 'SequenceNumber']
      .filter((name) => result[name] !== undefined)
      .map((name) => leaf(name, result[name] ?? ''))
      .join('');
    return {
      status: 200,
      forwarded: true,
      xml: `<SendMessageResponse xmlns="${NAMESPACE}"><SendMessageResult>${fields}</SendMessageResult>${node('ResponseMetadata', leaf('RequestId', randomUUID()))}</SendMessageResponse>`,
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    translated: () => translated,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function errorAnswer(status: number, type: string, code: string, message: string): QueryAnswer {
  const error = leaf('Type', type) + leaf('Code', code) + leaf('Message', message);
  return {
    status,
    xml: `<ErrorResponse xmlns="${NAMESPACE}">${node('Error', error)}${leaf('RequestId', randomUUID())}</ErrorResponse>`,
  };
}

/** An element holding text. */
function leaf(name: string, text: string): string {
  return node(name, escapeXml(text));
}

/** An element holding markup. */
function node(name: string, markup: string): string {
  return `<${name}>${markup}</${name}>`;
}

function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
}

function send(response: ServerResponse, { status, xml }: QueryAnswer): void {
  response.writeHead(status, { 'content-type': 'text/xml' });
  response.end(`<?xml version="1.0"?>${xml}`);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
