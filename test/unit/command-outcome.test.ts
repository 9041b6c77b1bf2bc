import { describe, expect, it } from 'vitest';
import { commandStatusOf, VISIBLE_RECORD_FIELDS } from '../../shared/command-outcome.ts';
import type { CommandRecord } from '../../shared/command-record.ts';

const SENT_AT = Date.parse('2026-02-01T00:00:00.020Z');

/** A record as the worker leaves it after a retry and a success, with everything it holds. */
const record: CommandRecord = {
  commandId: 'c-1',
  status: 'succeeded',
  type: 'user.create',
  attempts: 2,
  fingerprint: 'f'.repeat(64),
  messageHash: 'm'.repeat(64),
  groupId: 'g'.repeat(64),
  passwordHash: `$2b$10$${'a'.repeat(53)}`,
  sentAt: SENT_AT,
  issuedAt: '2026-02-01T00:00:00.000Z',
  acceptedAt: '2026-02-01T00:00:00.010Z',
  firstReceivedAt: '2026-02-01T00:00:00.050Z',
  lastReceivedAt: '2026-02-01T00:00:02.050Z',
  processedAt: '2026-02-01T00:00:02.070Z',
  expiresAt: 1_772_496_000,
  attemptHistory: [
    {
      recordedAt: '2026-02-01T00:00:00.090Z',
      failure: 'throttled',
      outcome: 'retrying',
      receivedAt: '2026-02-01T00:00:00.050Z',
      attempt: 1,
    },
    {
      attempt: 2,
      receivedAt: '2026-02-01T00:00:02.050Z',
      outcome: 'succeeded',
      recordedAt: '2026-02-01T00:00:02.070Z',
    },
  ],
};

describe('a command record as its publisher sees it', () => {
  it('gives the timeline: accepted, queued (the send time as ISO), each attempt, processed', () => {
    // Act
    const status = commandStatusOf('c-1', record);

    // Assess
    expect(status).toStrictEqual({
      commandId: 'c-1',
      status: 'succeeded',
      type: 'user.create',
      attempts: 2,
      issuedAt: '2026-02-01T00:00:00.000Z',
      acceptedAt: '2026-02-01T00:00:00.010Z',
      queuedAt: '2026-02-01T00:00:00.020Z',
      firstReceivedAt: '2026-02-01T00:00:00.050Z',
      lastReceivedAt: '2026-02-01T00:00:02.050Z',
      attemptHistory: [
        {
          attempt: 1,
          receivedAt: '2026-02-01T00:00:00.050Z',
          outcome: 'retrying',
          failure: 'throttled',
          recordedAt: '2026-02-01T00:00:00.090Z',
        },
        {
          attempt: 2,
          receivedAt: '2026-02-01T00:00:02.050Z',
          outcome: 'succeeded',
          recordedAt: '2026-02-01T00:00:02.070Z',
        },
      ],
      processedAt: '2026-02-01T00:00:02.070Z',
    });
    // Each attempt's fields in one order, whatever order the table kept.
    expect(Object.keys(status.attemptHistory?.[0] ?? {})).toEqual([
      'attempt',
      'receivedAt',
      'outcome',
      'failure',
      'recordedAt',
    ]);
  });

  it('never shows the hashes, the group or the dead-letters key a record holds', () => {
    const shown = JSON.stringify(
      commandStatusOf('c-1', { ...record, status: 'invalid', deadLetterOutcome: 'invalid' }),
    );
    for (const secret of ['fff', 'mmm', 'ggg', '$2b$', 'deadLetterOutcome', 'expiresAt']) {
      expect(shown).not.toContain(secret);
    }
  });

  it('leaves out the timeline fields a record does not have (the API’s reservation)', () => {
    expect(
      commandStatusOf('c-2', {
        commandId: 'c-2',
        status: 'accepted',
        fingerprint: 'f',
        acceptedAt: '2026-02-01T00:00:00.010Z',
        expiresAt: 1,
      }),
    ).toStrictEqual({
      commandId: 'c-2',
      status: 'pending',
      acceptedAt: '2026-02-01T00:00:00.010Z',
    });
  });

  it('reads the timeline fields from the table, and neither hash nor the password hash', () => {
    const fields = Object.values(VISIBLE_RECORD_FIELDS.ExpressionAttributeNames);
    expect(fields).toEqual(
      expect.arrayContaining(['sentAt', 'firstReceivedAt', 'lastReceivedAt', 'attemptHistory']),
    );
    for (const hidden of ['fingerprint', 'messageHash', 'passwordHash', 'groupId']) {
      expect(fields).not.toContain(hidden);
    }
    // Every placeholder named is projected, and only those.
    expect(VISIBLE_RECORD_FIELDS.ProjectionExpression.split(', ').sort()).toEqual(
      Object.keys(VISIBLE_RECORD_FIELDS.ExpressionAttributeNames).sort(),
    );
  });
});
