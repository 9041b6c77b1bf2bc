import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VISIBLE_RECORD_FIELDS } from '../../shared/command-outcome.ts';
import { type QueueKey, resourceDefinitions, type TableKey } from '../../shared/resources.ts';
import {
  grantedActions,
  grantedResources,
  iamActionsOf,
  isAllowed,
  operationsOf,
  type Policy,
  readPolicy,
} from './support/iam.ts';
import { readSourceGraph } from './support/source-graph.ts';

const root = join(import.meta.dirname, '../..');

/** The ARNs the policies name: the definitions' names, account and region as placeholders. */
const tableArn = (key: TableKey) =>
  `arn:aws:dynamodb:REGION:ACCOUNT_ID:table/${resourceDefinitions.tables[key].name}`;
const queueArn = (key: QueueKey) =>
  `arn:aws:sqs:REGION:ACCOUNT_ID:${resourceDefinitions.queues[key].name}`;
const tables = { users: tableArn('users'), commands: tableArn('commands') };
const byGroupIndex = `${tables.commands}/index/by-group`;
const deadLettersIndex = `${tables.commands}/index/dead-letters`;
const queues = { command: queueArn('command'), deadLetter: queueArn('commandDeadLetter') };

interface Process {
  entry: string;
  policy: Policy;
  /** Which resources it may touch at all. */
  resources: string[];
}

const processes: Record<'api' | 'worker' | 'provision' | 'publisher' | 'operator', Process> = {
  api: {
    entry: 'api/main.ts',
    policy: readPolicy(join(root, 'iam/api-policy.json')),
    // The dead-letter queue: only its counts, for /metrics and GET /operations; the
    // dead-letters index: GET /operations.
    resources: [queues.command, queues.deadLetter, tables.users, tables.commands, deadLettersIndex],
  },
  worker: {
    entry: 'worker/main.ts',
    policy: readPolicy(join(root, 'iam/worker-policy.json')),
    resources: [queues.command, queues.deadLetter, tables.users, tables.commands],
  },
  provision: {
    entry: 'scripts/provision.ts',
    policy: readPolicy(join(root, 'iam/provision-policy.json')),
    resources: [queues.command, queues.deadLetter, tables.users, tables.commands],
  },
  /** Direct publishers (other services, the client library) and `npm run command`. */
  publisher: {
    entry: 'scripts/command.ts',
    policy: readPolicy(join(root, 'iam/publisher-policy.json')),
    resources: [queues.command, tables.commands],
  },
  /** `npm run dlq`: list and redrive dead letters. */
  operator: {
    entry: 'scripts/dlq.ts',
    policy: readPolicy(join(root, 'iam/operator-policy.json')),
    resources: [queues.command, queues.deadLetter, byGroupIndex],
  },
};

/** The IAM actions behind every SDK command a process's code (and its libraries) sends. */
function requiredActions(process: Process): string[] {
  return iamActionsOf(operationsOf(readSourceGraph(root, process.entry).awsSdkImports));
}

const DYNAMODB_WRITES = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:CreateTable',
  'dynamodb:UpdateTable',
  'dynamodb:DeleteTable',
  'dynamodb:UpdateTimeToLive',
];
const DYNAMODB_READS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
];

describe.each(Object.entries(processes))('the %s policy', (_name, process) => {
  it('allows every SDK command the process sends, on a resource it uses', () => {
    const required = requiredActions(process);
    expect(required.length).toBeGreaterThan(0);
    for (const action of required) {
      const on = process.resources.filter((resource) =>
        isAllowed(process.policy, action, resource),
      );
      expect(on, action).not.toEqual([]);
    }
  });

  it('grants no action the process does not send', () => {
    expect([...new Set(grantedActions(process.policy))].sort()).toEqual(requiredActions(process));
  });

  it('names exact table and queue ARNs, never a wildcard', () => {
    expect(process.policy.Version).toBe('2012-10-17');
    for (const resource of grantedResources(process.policy)) {
      expect(process.resources).toContain(resource);
    }
    expect(JSON.stringify(process.policy)).not.toContain('*');
  });
});

describe('least privilege per process', () => {
  const { api, worker, provision, operator } = processes;

  it('lets the API send only to the command queue, and write nothing but key reservations', () => {
    expect(isAllowed(api.policy, 'sqs:SendMessage', queues.command)).toBe(true);
    expect(isAllowed(api.policy, 'sqs:SendMessage', queues.deadLetter)).toBe(false);
    expect(isAllowed(api.policy, 'sqs:ReceiveMessage', queues.command)).toBe(false);
    // It counts the dead-letter queue's messages for /metrics, and can do nothing else there.
    expect(isAllowed(api.policy, 'sqs:GetQueueAttributes', queues.deadLetter)).toBe(true);
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:PurgeQueue']) {
      expect(isAllowed(api.policy, action, queues.deadLetter), action).toBe(false);
    }
    for (const table of Object.values(tables)) {
      expect(isAllowed(api.policy, 'dynamodb:GetItem', table)).toBe(true);
      for (const action of DYNAMODB_WRITES) {
        const reservation = table === tables.commands && action === 'dynamodb:PutItem';
        expect(isAllowed(api.policy, action, table), `${action} ${table}`).toBe(reservation);
      }
    }
  });

  it('lets the API list recorded dead letters from their index alone, never by receiving them', () => {
    for (const action of ['sqs:ChangeMessageVisibility', 'sqs:SendMessage']) {
      expect(isAllowed(api.policy, action, queues.deadLetter), action).toBe(false);
    }
    // A query of the sparse dead-letters index only: not of the tables, nor of other indexes.
    expect(isAllowed(api.policy, 'dynamodb:Query', deadLettersIndex)).toBe(true);
    for (const resource of [tables.commands, tables.users, byGroupIndex]) {
      expect(isAllowed(api.policy, 'dynamodb:Query', resource), resource).toBe(false);
    }
  });

  it('lets the worker consume only its queue and send only to its dead-letter queue', () => {
    for (const action of [
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
    ]) {
      expect(isAllowed(worker.policy, action, queues.command), action).toBe(true);
      expect(isAllowed(worker.policy, action, queues.deadLetter), action).toBe(false);
    }
    expect(isAllowed(worker.policy, 'sqs:SendMessage', queues.deadLetter)).toBe(true);
    expect(isAllowed(worker.policy, 'sqs:SendMessage', queues.command)).toBe(false);
  });

  it('lets the worker write both tables in one transaction, and read neither', () => {
    for (const table of Object.values(tables)) {
      for (const action of iamActionsOf(['dynamodb:TransactWriteItems'])) {
        expect(isAllowed(worker.policy, action, table), `${action} ${table}`).toBe(true);
      }
      for (const action of DYNAMODB_READS) {
        expect(isAllowed(worker.policy, action, table), `${action} ${table}`).toBe(false);
      }
    }
  });

  it('counts the calls sqs-consumer makes for the worker', () => {
    expect(requiredActions(worker)).toEqual(
      expect.arrayContaining([
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
      ]),
    );
  });

  it('lets operators move dead letters and query the by-group index, and touch nothing else', () => {
    expect(isAllowed(operator.policy, 'sqs:ReceiveMessage', queues.deadLetter)).toBe(true);
    expect(isAllowed(operator.policy, 'sqs:ReceiveMessage', queues.command)).toBe(false);
    expect(isAllowed(operator.policy, 'sqs:SendMessage', queues.command)).toBe(true);
    expect(isAllowed(operator.policy, 'dynamodb:Query', byGroupIndex)).toBe(true);
    for (const table of Object.values(tables)) {
      for (const action of [...DYNAMODB_READS, ...DYNAMODB_WRITES]) {
        expect(isAllowed(operator.policy, action, table), `${action} ${table}`).toBe(false);
      }
    }
  });

  it('lets publishers send commands and read only the visible fields of an outcome', () => {
    const { publisher } = processes;
    expect(isAllowed(publisher.policy, 'sqs:SendMessage', queues.command)).toBe(true);
    expect(isAllowed(publisher.policy, 'sqs:SendMessage', queues.deadLetter)).toBe(false);
    expect(isAllowed(publisher.policy, 'sqs:ReceiveMessage', queues.command)).toBe(false);
    for (const action of [...DYNAMODB_READS, ...DYNAMODB_WRITES]) {
      expect(isAllowed(publisher.policy, action, tables.users), action).toBe(false);
      const reading = action === 'dynamodb:GetItem';
      expect(isAllowed(publisher.policy, action, tables.commands), action).toBe(reading);
    }
    // Fine-grained access: the attributes GET /commands/{id} shows, never the fingerprints'
    // neighbours (the message hash) or anything a future record holds.
    const read = publisher.policy.Statement.find((s) => s.Action.includes('dynamodb:GetItem'));
    expect(read?.Condition).toEqual({
      'ForAllValues:StringEquals': {
        'dynamodb:Attributes': Object.values(VISIBLE_RECORD_FIELDS.ExpressionAttributeNames),
      },
      StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
    });
  });

  it('lets provisioning create and describe resources but touch no data', () => {
    expect(isAllowed(provision.policy, 'dynamodb:CreateTable', tables.commands)).toBe(true);
    expect(isAllowed(provision.policy, 'sqs:CreateQueue', queues.deadLetter)).toBe(true);
    for (const action of [...DYNAMODB_READS, 'dynamodb:PutItem', 'dynamodb:DeleteTable']) {
      expect(isAllowed(provision.policy, action, tables.users), action).toBe(false);
    }
    for (const action of [
      'sqs:SendMessage',
      'sqs:ReceiveMessage',
      'sqs:DeleteQueue',
      'sqs:PurgeQueue',
    ]) {
      expect(isAllowed(provision.policy, action, queues.command), action).toBe(false);
    }
  });
});
