import { describe, expect, it } from 'vitest';
import { ReceiveBackoff, receiveRetryDelayMs } from '../../worker/receive-backoff.ts';
import { captureLogs } from '../support/capture-logs.ts';

function backoff(signal = new AbortController().signal) {
  const captured = captureLogs('unit', 'debug');
  let receiveFailures = 0;
  let receiveAnswers = 0;
  const metrics = {
    receiveFailed: () => (receiveFailures += 1),
    receiveSucceeded: () => (receiveAnswers += 1),
  };
  return {
    backoff: new ReceiveBackoff(captured.log, signal, metrics),
    entries: captured.entries,
    receiveFailures: () => receiveFailures,
    receiveAnswers: () => receiveAnswers,
  };
}

async function elapsedMs(action: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

describe('the receive backoff', () => {
  it('spaces out receives while the queue is unreachable: 250 ms doubling, capped at 5 s', () => {
    expect([-1, 0, 1, 2, 3, 4, 5, 6, 50].map(receiveRetryDelayMs)).toEqual([
      0, 0, 250, 500, 1000, 2000, 4000, 5000, 5000,
    ]);
  });

  it('counts every failed receive in the metrics', () => {
    // Prepare
    const { backoff: receives, receiveFailures } = backoff();

    // Act
    receives.failed(new Error('down'));
    receives.failed(new Error('down'));

    // Assess
    expect(receiveFailures()).toBe(2);
  });

  it('tells the metrics of every receive that answered, the worker’s sign of polling', () => {
    // Prepare
    const { backoff: receives, receiveAnswers, receiveFailures } = backoff();

    // Act
    receives.succeeded();
    receives.failed(new Error('down'));
    receives.succeeded();

    // Assess
    expect(receiveAnswers()).toBe(2);
    expect(receiveFailures()).toBe(1);
  });

  it('logs the first failure of a streak as an error, then quietly, then every 20th as a warning', () => {
    // Prepare
    const { backoff: receives, entries } = backoff();

    // Act
    for (let i = 0; i < 20; i += 1) receives.failed(new Error('ECONNREFUSED'));

    // Assess
    const lines = entries();
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: 'cannot receive from the queue; backing off',
      failures: 1,
      retryInMs: 250,
      err: { message: 'ECONNREFUSED' },
    });
    expect(lines[1]).toMatchObject({
      level: 20,
      msg: 'receive failed again',
      failures: 2,
      retryInMs: 500,
    });
    expect(lines.slice(1, 19).map((line) => line.level)).toEqual(Array(18).fill(20));
    expect(lines[19]).toMatchObject({
      level: 40,
      msg: 'still cannot receive from the queue',
      failures: 20,
      retryInMs: 5000,
    });
  });

  it('logs the recovery once, and starts a new streak afterwards', () => {
    // Prepare
    const { backoff: receives, entries } = backoff();
    receives.failed(new Error('down'));
    receives.failed(new Error('down'));

    // Act
    receives.succeeded();
    receives.succeeded();
    receives.failed(new Error('down again'));

    // Assess
    expect(entries().slice(2)).toEqual([
      expect.objectContaining({ level: 30, msg: 'queue reachable again', failures: 2 }),
      expect.objectContaining({ level: 50, failures: 1, retryInMs: 250 }),
    ]);
  });

  it('does not wait while receives succeed', async () => {
    // Prepare
    const { backoff: receives } = backoff();

    // Act
    const waited = await elapsedMs(() => receives.wait());

    // Assess
    expect(waited).toBeLessThan(50);
  });

  it('waits the delay of the streak before the next receive', async () => {
    // Prepare
    const { backoff: receives } = backoff();
    receives.failed(new Error('down'));

    // Act
    const waited = await elapsedMs(() => receives.wait());

    // Assess
    expect(waited).toBeGreaterThanOrEqual(240);
    expect(waited).toBeLessThan(450);
  });

  it('does not wait once the worker is stopping', async () => {
    // Prepare
    const stopping = new AbortController();
    stopping.abort();
    const { backoff: receives } = backoff(stopping.signal);
    receives.failed(new Error('down'));

    // Act
    const waited = await elapsedMs(() => receives.wait());

    // Assess
    expect(waited).toBeLessThan(50);
  });

  it('stops waiting when the worker starts stopping', async () => {
    // Prepare
    const stopping = new AbortController();
    const { backoff: receives } = backoff(stopping.signal);
    for (let i = 0; i < 6; i += 1) receives.failed(new Error('down'));
    setTimeout(() => stopping.abort(), 20);

    // Act
    const waited = await elapsedMs(() => receives.wait());

    // Assess
    expect(waited).toBeLessThan(1000);
  });
});
