import { randomBytes } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { commandMessage } from '../../shared/contract/message.ts';
import { type Deployment, deploy, PROCESS_TEST_SETTINGS } from '../harness/deployment.ts';
import { makeCommand, SAMPLE_HASH, uniqueEmail } from '../harness/environment.ts';
import { type ApiProcess, type ServiceProcess, startService } from '../harness/processes.ts';
import {
  type OtlpReceiver,
  type ReceivedSpan,
  SPAN_KIND,
  startOtlpReceiver,
} from '../support/otlp-receiver.ts';
import { recordSuiteLogLines } from '../support/secrecy.ts';

/**
 * Tracing across the queue, with the real API and worker processes exporting to an OTLP/HTTP
 * receiver: each command is one trace from its HTTP request to its DynamoDB transaction,
 * even when commands share a SendMessageBatch.
 */
const BURST = 12;
const PASSWORD = 'tracing password 1';
const NOBODY = 'nobody-traced@example.com';
let deployment: Deployment;
let receiver: OtlpReceiver;
let api: ApiProcess;
let worker: ServiceProcess;
const commands: { commandId: string; email: string }[] = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  deployment = await deploy({
    ...inject('emulatorEnv'),
    ...PROCESS_TEST_SETTINGS,
    HASH_THREADS: '2',
    // A wide window, so the burst's commands share batches.
    PUBLISH_BATCH_WINDOW_MS: '100',
  });
  const tracing = {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  const output = { onLines: recordSuiteLogLines };
  api = await startService('api', { ...deployment.env, ...tracing }, output);
  worker = await startService('worker', { ...deployment.env, ...tracing }, output);

  const accepted = await Promise.all(
    Array.from({ length: BURST }, async (_, index) => {
      const email = uniqueEmail(`traced-${index}`);
      const response = await fetch(`${api.url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          firstName: 'T',
          lastName: 'R',
          emailAddress: email,
          password: PASSWORD,
        }),
      });
      expect(response.status).toBe(202);
      const { commandId } = (await response.json()) as { commandId: string };
      return { commandId, email };
    }),
  );
  commands.push(...accepted);
  for (const { commandId } of commands) {
    const outcome = await fetch(`${api.url}/commands/${commandId}?waitSeconds=10`);
    expect(await outcome.json()).toMatchObject({ status: 'succeeded' });
  }
  // A read whose path holds an email: the trace keeps the path, masked.
  const read = await fetch(`${api.url}/users/${encodeURIComponent(commands[0]?.email ?? '')}`);
  expect(read.status).toBe(200);
  // And one that fails: the error's words reach the trace too.
  expect((await fetch(`${api.url}/users/${NOBODY}`)).status).toBe(404);
}, 60_000);

afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  deployment?.destroy();
  await receiver?.close();
});

/** The worker's spans of a command, once both have been exported. */
async function workerSpansOf(commandId: string) {
  return vi.waitFor(
    () => {
      const spans = receiver.spans();
      const process = only(spans, (s) => s.name.startsWith('process ') && idOf(s) === commandId);
      const write = only(
        spans,
        (s) =>
          s.parentSpanId === process.spanId && s.attributes['rpc.method'] === 'TransactWriteItems',
      );
      return { spans, process, write };
    },
    { timeout: 15_000, interval: 100 },
  );
}

/** The spans of a command's trace from the API on, once every one has been exported. */
async function spansOf(commandId: string) {
  const { spans, process, write } = await workerSpansOf(commandId);
  const create = only(spans, (s) => s.name.startsWith('create ') && idOf(s) === commandId);
  return { spans, create, process, write };
}

function idOf(span: ReceivedSpan): unknown {
  return span.attributes['user_service.command.id'];
}

function only(spans: ReceivedSpan[], test: (span: ReceivedSpan) => boolean): ReceivedSpan {
  const found = spans.filter(test);
  if (found.length !== 1) throw new Error(`expected one span, found ${found.length}`);
  return found[0] as ReceivedSpan;
}

/** From a span up to its trace's root, within what was exported. */
function ancestry(spans: ReceivedSpan[], span: ReceivedSpan): ReceivedSpan[] {
  const chain = [span];
  for (let at = span; at.parentSpanId !== undefined; ) {
    const parent = spans.find((s) => s.spanId === at.parentSpanId && s.traceId === at.traceId);
    if (!parent) throw new Error(`${at.name}: parent ${at.parentSpanId} was never exported`);
    chain.push(parent);
    at = parent;
  }
  return chain;
}

describe('a command’s trace, from the HTTP request to the DynamoDB write', () => {
  it('is one trace per command, with the right parent for every span', async () => {
    for (const { commandId } of commands) {
      const { spans, create, process, write } = await spansOf(commandId);

      // API: the request's server span, then (through Fastify's handler spans) the create span.
      const chain = ancestry(spans, create);
      const request = chain.at(-1) as ReceivedSpan;
      expect(request).toMatchObject({ service: 'user-service-api', kind: SPAN_KIND.server });
      expect(request.attributes).toMatchObject({
        'http.route': '/users',
        'http.request.method': 'POST',
      });
      expect(create).toMatchObject({ service: 'user-service-api', kind: SPAN_KIND.producer });
      // Worker: the process span is the create span's child, across the queue.
      expect(process).toMatchObject({
        service: 'user-service-worker',
        kind: SPAN_KIND.consumer,
        traceId: create.traceId,
        parentSpanId: create.spanId,
      });
      expect(process.attributes).toMatchObject({
        'user_service.command.type': 'user.create',
        'user_service.command.outcome': 'succeeded',
        'user_service.command.attempt': 1,
      });
      // The DynamoDB transaction: the process span's child, in the same trace.
      expect(write).toMatchObject({
        service: 'user-service-worker',
        kind: SPAN_KIND.client,
        traceId: create.traceId,
      });
      expect(chain.every((span) => span.traceId === create.traceId)).toBe(true);
    }
    const traces = new Set(
      await Promise.all(
        commands.map(async ({ commandId }) => (await spansOf(commandId)).create.traceId),
      ),
    );
    expect(traces.size).toBe(BURST);
  });

  it('keeps each command’s own context in a batch it shares, linked from the batch’s send span', async () => {
    const { spans } = await spansOf(commands[0]?.commandId ?? '');
    const sends = spans.filter(
      (s) => s.service === 'user-service-api' && s.name.startsWith('send '),
    );
    const creates = spans.filter((s) => s.name.startsWith('create '));

    // Fewer batches than commands: some were shared, and every command is linked from one.
    expect(sends.length).toBeLessThan(BURST);
    expect(sends.some((send) => send.links.length > 1)).toBe(true);
    const linked = sends.flatMap((send) => send.links.map((link) => link.spanId));
    expect(creates.map((create) => create.spanId).sort()).toEqual(linked.sort());
    // Each send span is the SQS call itself, a trace of its own: no second span from the SDK.
    for (const send of sends) {
      expect(send.parentSpanId).toBeUndefined();
      expect(send.attributes['rpc.method']).toBe('SendMessageBatch');
      expect(spans.filter((s) => s.parentSpanId === send.spanId)).toEqual([]);
    }
  });

  it('joins a direct publisher’s trace when its message carries a traceparent', async () => {
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    const command = makeCommand('user.create', {
      emailAddress: uniqueEmail('traced-direct'),
      firstName: 'D',
      lastName: 'P',
      passwordHash: SAMPLE_HASH,
    });
    await deployment.sqs.send(
      new SendMessageCommand({
        QueueUrl: deployment.queueUrl,
        ...commandMessage(command),
        MessageAttributes: {
          traceparent: { DataType: 'String', StringValue: `00-${traceId}-${spanId}-01` },
        },
      }),
    );

    const { process, write } = await workerSpansOf(command.commandId);

    expect(process).toMatchObject({ traceId, parentSpanId: spanId });
    expect(write.traceId).toBe(traceId);
  });

  it('puts the trace id on the log lines of both processes', async () => {
    const { commandId } = commands[0] ?? { commandId: '' };
    const { create, process } = await spansOf(commandId);

    const processed = worker
      .logs()
      .find((line) => line.commandId === commandId && line.msg === 'command processed');
    const accepted = api.logs().filter((line) => line.trace_id === create.traceId);

    expect(processed).toMatchObject({ trace_id: create.traceId, span_id: process.spanId });
    expect(accepted.map((line) => line.msg)).toContain('request completed');
  });

  it('exports no email and no password', () => {
    const exported = receiver.bodies().join('\n');

    expect(exported.length).toBeGreaterThan(0);
    for (const { email } of commands) expect(exported).not.toContain(email);
    expect(exported).toContain('/users/[email]');
    expect(exported).not.toContain(PASSWORD);
    expect(exported).not.toContain(NOBODY);
    expect(exported).not.toContain('%40');
  });
});
