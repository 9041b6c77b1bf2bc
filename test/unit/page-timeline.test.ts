import { describe, expect, it } from 'vitest';

/** public/js/timeline.js, the page's own module (plain JavaScript, no types of its own). */
interface Step {
  label: string;
  at: string;
  detail?: string;
  tone: string;
  sincePreviousMs?: number;
}
const PAGE_MODULE = '../../public/js/timeline.js';
const { timelineSteps, totalMs } = (await import(PAGE_MODULE)) as {
  timelineSteps(command: object): Step[];
  totalMs(steps: Step[]): number | undefined;
};

const at = (ms: number) => new Date(Date.parse('2026-02-01T00:00:00.000Z') + ms).toISOString();

describe('the timeline the page shows for a command', () => {
  it('goes accepted → queued → received (attempt n) → its outcome, with the time between steps', () => {
    // Act
    const steps = timelineSteps({
      status: 'succeeded',
      attempts: 2,
      acceptedAt: at(0),
      queuedAt: at(12),
      firstReceivedAt: at(40),
      lastReceivedAt: at(2040),
      processedAt: at(2055),
      attemptHistory: [
        {
          attempt: 1,
          receivedAt: at(40),
          outcome: 'retrying',
          failure: 'throttled',
          recordedAt: at(90),
        },
        { attempt: 2, receivedAt: at(2040), outcome: 'succeeded', recordedAt: at(2055) },
      ],
    });

    // Assess
    expect(steps).toEqual([
      { label: 'Accepted', at: at(0), tone: 'info', detail: 'by the API' },
      {
        label: 'Queued',
        at: at(12),
        tone: 'info',
        detail: 'sent to the command queue',
        sincePreviousMs: 12,
      },
      { label: 'Received (attempt 1)', at: at(40), tone: 'info', sincePreviousMs: 28 },
      {
        label: 'Failed, to be retried',
        at: at(90),
        tone: 'warn',
        detail: 'throttled',
        sincePreviousMs: 50,
      },
      { label: 'Received (attempt 2)', at: at(2040), tone: 'info', sincePreviousMs: 1950 },
      { label: 'Applied', at: at(2055), tone: 'ok', sincePreviousMs: 15 },
    ]);
    expect(totalMs(steps)).toBe(2055);
  });

  it('ends a rejected or dead-lettered command with its reason', () => {
    const rejected = timelineSteps({
      status: 'rejected',
      reason: 'a user with this email already exists',
      attemptHistory: [{ attempt: 1, receivedAt: at(0), outcome: 'rejected', recordedAt: at(5) }],
    });
    expect(rejected.at(-1)).toMatchObject({
      label: 'Rejected',
      tone: 'bad',
      detail: 'a user with this email already exists',
    });

    const invalid = timelineSteps({
      status: 'invalid',
      reason: 'payload.emailAddress: must be a valid email address',
      attemptHistory: [{ attempt: 1, receivedAt: at(0), outcome: 'invalid', recordedAt: at(1) }],
    });
    expect(invalid.map((step) => step.label)).toEqual([
      'Received (attempt 1)',
      'Invalid, dead-lettered',
    ]);
    expect(invalid.at(-1)?.detail).toBe('payload.emailAddress: must be a valid email address');
  });

  it('shows where an earlier delivery began, when a redrive started the listed attempts again', () => {
    const steps = timelineSteps({
      status: 'succeeded',
      firstReceivedAt: at(0),
      attemptHistory: [
        { attempt: 1, receivedAt: at(60_000), outcome: 'succeeded', recordedAt: at(60_010) },
      ],
    });
    expect(steps.map((step) => [step.label, step.sincePreviousMs])).toEqual([
      ['First received', undefined],
      ['Received (attempt 1)', 60_000],
      ['Applied', 10],
    ]);
  });

  it('adds the latest attempt past the listed ones, and the outcome of a record with no list', () => {
    const past = timelineSteps({
      status: 'dead-lettered',
      attempts: 12,
      lastReceivedAt: at(500),
      processedAt: at(510),
      attemptHistory: [
        { attempt: 10, receivedAt: at(100), outcome: 'retrying', recordedAt: at(110) },
      ],
    });
    expect(past.slice(-2).map((step) => step.label)).toEqual([
      'Received (attempt 12)',
      'Given up, dead-lettered',
    ]);

    const older = timelineSteps({ status: 'succeeded', attempts: 1, processedAt: at(7) });
    expect(older).toEqual([{ label: 'Applied', at: at(7), tone: 'ok' }]);
  });

  it('never shows a negative gap between clocks that differ a little, nor a step without a time', () => {
    const steps = timelineSteps({ status: 'pending', acceptedAt: at(20), queuedAt: at(15) });
    expect(steps.map((step) => step.sincePreviousMs)).toEqual([undefined, 0]);
    expect(timelineSteps({ status: 'pending' })).toEqual([]);
    expect(totalMs([])).toBeUndefined();
  });
});
