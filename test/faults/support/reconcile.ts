import type { Message } from '@aws-sdk/client-sqs';
import bcrypt from 'bcryptjs';
import { expect, vi } from 'vitest';
import { messageGroupIdFor } from '../../../shared/contract/commands.ts';
import type { FaultSystem } from '../../harness/fault-system.ts';
import { drainQueue, scanAll } from '../../support/aws-reads.ts';
import { expectedState, type SubmittedCommand } from './model.ts';

export interface Expectation {
  /** Every command that must end applied (succeeded or rejected), in submission order per user. */
  commands: SubmittedCommand[];
  /** Exactly what the dead-letter queue must hold; `reason: 'none'` means SQS moved it. */
  deadLettered?: { commandId: string; reason: 'none' | string | RegExp }[];
  /**
   * Whether every effect must show in the workers' logs as applied. False when a write can
   * land without its worker hearing of it: the worker was killed after the commit, or the
   * connection to DynamoDB was cut after DynamoDB took the write. Each such command must
   * then be logged as a duplicate when its redelivery finds the record.
   */
  everyEffectLogged?: boolean;
}

export interface Reconciliation {
  commands: number;
  records: number;
  users: number;
  deadLetters: number;
  /**
   * From the workers' logs: outcomes that wrote (succeeded, rejected), duplicates, retries,
   * and effects only a redelivery saw (a duplicate and no applied line for that command).
   */
  logged: {
    applied: number;
    duplicates: number;
    retries: number;
    /** Attempts that failed on the last allowed receive: the worker dead-lettered them. */
    givenUp: number;
    seenOnRedelivery: number;
  };
}

/** Waits until every expected command has its record and both queues hold what they should. */
export async function settle(system: FaultSystem, expectation: Expectation, timeout = 90_000) {
  const wanted = new Set(expectation.commands.map((c) => c.commandId));
  const deadLetters = expectation.deadLettered?.length ?? 0;
  await vi.waitFor(
    async () => {
      const recorded = (await scan(system, 'commands')).filter((r) =>
        wanted.has(String(r.commandId)),
      );
      const main = await system.queueDepth('main');
      const dlq = await system.queueDepth('dead-letter');
      const state = { recorded: recorded.length, of: wanted.size, main, dlq: dlq.visible };
      if (
        recorded.length < wanted.size ||
        main.visible + main.inFlight > 0 ||
        dlq.visible < deadLetters
      ) {
        throw new Error(`not settled: ${JSON.stringify(state)}`);
      }
    },
    { timeout, interval: 500 },
  );
}

/**
 * Checks EVERY user item and command record against the state that applying each command
 * exactly once, in order per user, must leave; drains the dead-letter queue and checks it
 * holds exactly the expected messages; counts each command's logged effects (at most one).
 */
export async function reconcile(
  system: FaultSystem,
  expectation: Expectation,
): Promise<Reconciliation> {
  const { users, records } = expectedState(expectation.commands);
  const submittedById = new Map(expectation.commands.map((c) => [c.commandId, c]));

  expect(await system.queueDepth('main')).toEqual({ visible: 0, inFlight: 0 });

  const actualRecords = await scan(system, 'commands');
  const byId = new Map(actualRecords.map((r) => [String(r.commandId), r]));
  expect(actualRecords.map((r) => r.commandId).sort()).toEqual(
    records.map((r) => r.commandId).sort(),
  );
  for (const record of records) {
    const actual = byId.get(record.commandId);
    const submitted = submittedById.get(record.commandId);
    const reservation = submitted?.viaApiWithKey
      ? {
          acceptedAt: expect.any(String),
          ...(submitted.password !== undefined ? { passwordHash: expect.any(String) } : {}),
        }
      : {};
    expect(actual, `record of ${record.commandId}`).toEqual({
      ...record,
      ...reservation,
      fingerprint: expect.any(String),
      messageHash: expect.any(String),
      attempts: expect.any(Number),
      groupId: messageGroupIdFor(submitted?.emailAddress ?? ''),
      sentAt: expect.any(Number),
      issuedAt: submitted?.issuedAt ?? expect.any(String),
      // The timeline: the attempts of the last delivery, ending where the record stands.
      firstReceivedAt: expect.any(String),
      lastReceivedAt: expect.any(String),
      attemptHistory: expect.arrayContaining([expect.objectContaining({ outcome: record.status })]),
      processedAt: expect.any(String),
      expiresAt: expect.any(Number),
    });
  }

  const actualUsers = await scan(system, 'users');
  expect(actualUsers.map((u) => u.emailAddress).sort()).toEqual([...users.keys()].sort());
  for (const user of actualUsers) {
    const wanted = users.get(String(user.emailAddress));
    if (!wanted) continue;
    expect(user, `user ${user.emailAddress}`).toEqual({
      emailAddress: wanted.emailAddress,
      firstName: wanted.firstName,
      lastName: wanted.lastName,
      passwordHash: wanted.passwordHash ?? expect.any(String),
      dateCreated: byId.get(wanted.createdBy)?.issuedAt,
      dateUpdated: byId.get(wanted.updatedBy)?.issuedAt,
    });
    if (wanted.password !== undefined) {
      expect(await bcrypt.compare(wanted.password, String(user.passwordHash))).toBe(true);
    }
  }

  const deadLetters = await drainDeadLetters(system);
  const expectedDead = expectation.deadLettered ?? [];
  expect(deadLetters.map(commandIdOf).sort()).toEqual(expectedDead.map((d) => d.commandId).sort());
  for (const dead of expectedDead) {
    const message = deadLetters.find((m) => commandIdOf(m) === dead.commandId);
    const reason = message?.MessageAttributes?.['error-reason']?.StringValue;
    if (dead.reason === 'none') expect(reason).toBeUndefined();
    else if (typeof dead.reason === 'string') expect(reason).toBe(dead.reason);
    else expect(reason).toMatch(dead.reason);
  }

  const logged = countLoggedOutcomes(system, new Set(submittedById.keys()));
  for (const [commandId, applied] of logged.appliedById) {
    expect(applied, `times ${commandId} was logged as applied`).toBeLessThanOrEqual(1);
  }
  const seenOnRedelivery = records.filter((r) => !logged.appliedById.has(r.commandId));
  for (const { commandId } of seenOnRedelivery) {
    expect(expectation.everyEffectLogged, `${commandId} has an effect no worker logged`).toBe(
      false,
    );
    expect(logged.duplicateIds.has(commandId), `${commandId}: effect seen by no worker`).toBe(true);
  }
  return {
    commands: expectation.commands.length,
    records: actualRecords.length,
    users: actualUsers.length,
    deadLetters: deadLetters.length,
    logged: {
      applied: logged.applied,
      duplicates: logged.duplicates,
      retries: logged.retries,
      givenUp: logged.givenUp,
      seenOnRedelivery: seenOnRedelivery.length,
    },
  };
}

function countLoggedOutcomes(system: FaultSystem, ids: Set<string>) {
  const appliedById = new Map<string, number>();
  const duplicateIds = new Set<string>();
  let applied = 0;
  let duplicates = 0;
  let retries = 0;
  let givenUp = 0;
  for (const service of system.services) {
    for (const entry of service.logs()) {
      const commandId = String(entry.commandId);
      if (!ids.has(commandId)) continue;
      if (entry.outcome === 'succeeded' || entry.outcome === 'rejected') {
        applied += 1;
        appliedById.set(commandId, (appliedById.get(commandId) ?? 0) + 1);
      } else if (entry.outcome === 'duplicate') {
        duplicates += 1;
        duplicateIds.add(commandId);
      } else if (entry.outcome === 'transient') retries += 1;
      else if (entry.outcome === 'exhausted') givenUp += 1;
    }
  }
  return { appliedById, duplicateIds, applied, duplicates, retries, givenUp };
}

function commandIdOf(message: Message): string {
  try {
    return String((JSON.parse(message.Body ?? '') as { commandId?: unknown }).commandId);
  } catch {
    return `(not JSON) ${message.Body}`;
  }
}

export function scan(system: FaultSystem, table: 'users' | 'commands') {
  return scanAll(system.dynamoDb, system.config.resources.tables[table]);
}

/** Reads and deletes everything in the dead-letter queue (deleting keeps FIFO groups moving). */
export function drainDeadLetters(system: FaultSystem): Promise<Message[]> {
  return drainQueue(system.sqs, system.deadLetterQueueUrl);
}
