import {
  createServer,
  request as forward,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';

/** What the proxy does with one AWS JSON-protocol request, chosen by its operation. */
export type FaultRule =
  | 'pass'
  /** Never answer (the client's request timeout decides). */
  | 'hang'
  /** Answer as the service would with this error. */
  | { status: number; type: string; message: string };

export interface FaultProxy {
  /** Point a client here instead of at the emulator. */
  endpoint: string;
  /** Decides per request; `operation` is the X-Amz-Target's last part (`TransactWriteItems`). */
  setRule(rule: (operation: string) => FaultRule): void;
  /** How many requests of each operation it saw. */
  counts(): Record<string, number>;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of an emulator that can make chosen operations fail the way the
 * real service does (a throttling error, a 500, no answer), and passes everything else
 * through. The SDK on the other side parses real service answers: nothing is mocked.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  let rule: (operation: string) => FaultRule = () => 'pass';
  const counts: Record<string, number> = {};
  const hanging = new Set<ServerResponse>();
  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const operation =
      String(incoming.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() ?? '';
    counts[operation] = (counts[operation] ?? 0) + 1;
    const decision = rule(operation);
    if (decision === 'hang') {
      incoming.resume();
      hanging.add(response);
      response.once('close', () => hanging.delete(response));
      return;
    }
    if (decision !== 'pass') {
      incoming.resume();
      response.writeHead(decision.status, { 'content-type': 'application/x-amz-json-1.0' }).end(
        JSON.stringify({
          __type: `com.amazonaws.dynamodb.v20120810#${decision.type}`,
          message: decision.message,
        }),
      );
      return;
    }
    const proxied = forward(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    proxied.on('error', () => response.destroy());
    incoming.pipe(proxied);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('fault proxy: no port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    setRule(next) {
      rule = next;
      // Requests held by an earlier 'hang' are let go (their connections drop).
      for (const response of hanging) response.destroy();
    },
    counts: () => ({ ...counts }),
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const THROTTLED: FaultRule = {
  status: 400,
  type: 'ThrottlingException',
  message: 'Rate of requests exceeds the allowed throughput.',
};
