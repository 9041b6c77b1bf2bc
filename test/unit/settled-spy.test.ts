import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SettledMessage } from '../../worker/handle-batch.ts';
import { createSettledSpy } from '../../worker/settled-spy.ts';

function settled(
  commandId: string,
  outcome: SettledMessage['outcome'],
  messageId = `message-of-${commandId}`,
): SettledMessage {
  return {
    messageId,
    commandId,
    type: 'user.create',
    outcome,
    action: outcome === 'transient' ? 'retry' : 'acknowledge',
    attempt: 1,
    reason: undefined,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the settled spy', () => {
  it('keeps everything settled, oldest first, as a copy', () => {
    // Prepare
    const spy = createSettledSpy();
    spy.record(settled('a', 'succeeded'));
    spy.record(settled('b', 'duplicate'));

    // Act
    const all = spy.all();
    all.pop();

    // Assess
    expect(spy.all().map((s) => s.commandId)).toEqual(['a', 'b']);
  });

  it('resolves at once for a command that already settled', async () => {
    // Prepare
    const spy = createSettledSpy();
    const entry = settled('a', 'succeeded');
    spy.record(settled('other', 'succeeded'));
    spy.record(entry);

    // Act
    const found = await spy.waitForCommand('a', { timeoutMs: 1 });

    // Assess
    expect(found).toBe(entry);
  });

  it('resolves when the command settles later, and only for that command', async () => {
    // Prepare
    const spy = createSettledSpy();
    const entry = settled('a', 'succeeded');
    const waiting = spy.waitForCommand('a');

    // Act
    spy.record(settled('b', 'succeeded'));
    spy.record(entry);

    // Assess
    await expect(waiting).resolves.toBe(entry);
  });

  it('waits for the outcome asked for, past the others', async () => {
    // Prepare
    const spy = createSettledSpy();
    spy.record(settled('a', 'transient', 'first'));
    const waiting = spy.waitForCommand('a', { outcome: 'succeeded' });

    // Act
    spy.record(settled('a', 'transient', 'second'));
    spy.record(settled('a', 'succeeded', 'third'));

    // Assess
    await expect(waiting).resolves.toMatchObject({ messageId: 'third', outcome: 'succeeded' });
  });

  it('finds a past settlement with the outcome asked for', async () => {
    // Prepare
    const spy = createSettledSpy();
    spy.record(settled('a', 'transient', 'first'));
    spy.record(settled('a', 'succeeded', 'second'));

    // Act
    const found = await spy.waitForCommand('a', { outcome: 'succeeded' });

    // Assess
    expect(found.messageId).toBe('second');
  });

  it('rejects after the timeout, saying what it saw of the command', async () => {
    // Prepare
    vi.useFakeTimers();
    const spy = createSettledSpy();
    spy.record(settled('a', 'transient'));
    spy.record(settled('b', 'invalid'));
    const waiting = spy.waitForCommand('a', { outcome: 'succeeded', timeoutMs: 500 });
    const assessed = expect(waiting).rejects.toThrow(
      'command a did not settle as succeeded within 500 ms (seen: transient, exhausted)',
    );
    spy.record(settled('a', 'exhausted'));

    // Act
    await vi.advanceTimersByTimeAsync(500);

    // Assess
    await assessed;
  });

  it('rejects after 15 s by default, saying it saw nothing', async () => {
    // Prepare
    vi.useFakeTimers();
    const spy = createSettledSpy();
    const waiting = spy.waitForCommand('a');
    const assessed = expect(waiting).rejects.toThrow(
      'command a did not settle within 15000 ms (seen: nothing)',
    );

    // Act
    await vi.advanceTimersByTimeAsync(14_999);
    const early = await Promise.race([
      waiting.then(
        () => 'settled',
        () => 'settled',
      ),
      'pending',
    ]);
    await vi.advanceTimersByTimeAsync(1);

    // Assess
    expect(early).toBe('pending');
    await assessed;
  });

  it('stops listening once a wait is over', async () => {
    // Prepare
    vi.useFakeTimers();
    const spy = createSettledSpy();
    const first = spy.waitForCommand('a');
    spy.record(settled('a', 'succeeded', 'first'));
    await first;
    const timedOut = spy.waitForCommand('b', { timeoutMs: 10 });
    const assessed = expect(timedOut).rejects.toThrow('command b did not settle');
    await vi.advanceTimersByTimeAsync(10);
    await assessed;

    // Act
    spy.record(settled('b', 'succeeded'));
    const later = await spy.waitForCommand('b', { timeoutMs: 10 });

    // Assess
    expect(later.outcome).toBe('succeeded');
    expect(vi.getTimerCount()).toBe(0);
  });
});
