import { readFileSync } from 'node:fs';
import type { NamedImport } from './source-graph.ts';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
}

export interface Policy {
  Version: string;
  Statement: PolicyStatement[];
}

export function readPolicy(path: string): Policy {
  return JSON.parse(readFileSync(path, 'utf8')) as Policy;
}

const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

/** IAM's wildcard match: `*` any run of characters, `?` any one. */
function matches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

function applies(statement: PolicyStatement, action: string, resource: string): boolean {
  return (
    list(statement.Action).some((pattern) => matches(pattern, action, true)) &&
    list(statement.Resource).some((pattern) => matches(pattern, resource, false))
  );
}

/** Identity-policy evaluation without conditions: an Allow applies and no Deny does. */
export function isAllowed(policy: Policy, action: string, resource: string): boolean {
  const relevant = policy.Statement.filter((statement) => applies(statement, action, resource));
  return (
    relevant.some((statement) => statement.Effect === 'Allow') &&
    !relevant.some((statement) => statement.Effect === 'Deny')
  );
}

export function grantedActions(policy: Policy): string[] {
  return policy.Statement.filter((statement) => statement.Effect === 'Allow').flatMap((statement) =>
    list(statement.Action),
  );
}

export function grantedResources(policy: Policy): string[] {
  return policy.Statement.flatMap((statement) => list(statement.Resource));
}

const SERVICE_OF_PACKAGE: Record<string, string> = {
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/lib-dynamodb': 'dynamodb',
};

/** lib-dynamodb's document commands are the client operations under shorter names. */
const DOCUMENT_CLIENT_OPERATIONS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

/** Waiters poll an operation. */
const WAITER_OPERATIONS: Record<string, string> = {
  waitUntilTableExists: 'DescribeTable',
  waitUntilTableNotExists: 'DescribeTable',
};

/** Operations IAM authorizes under other actions (batches, transactions). */
const IAM_ACTIONS_OF_OPERATION: Record<string, string[]> = {
  'sqs:SendMessageBatch': ['sqs:SendMessage'],
  'sqs:DeleteMessageBatch': ['sqs:DeleteMessage'],
  'sqs:ChangeMessageVisibilityBatch': ['sqs:ChangeMessageVisibility'],
  'dynamodb:TransactWriteItems': [
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:ConditionCheckItem',
  ],
  'dynamodb:TransactGetItems': ['dynamodb:GetItem'],
};

/** `service:Operation` of each SDK command or waiter imported, e.g. sqs:SendMessageBatch. */
export function operationsOf(imports: NamedImport[]): string[] {
  const operations = new Set<string>();
  for (const { from, names } of imports) {
    const service = SERVICE_OF_PACKAGE[from];
    for (const name of names) {
      const command = name.match(/^(\w+)Command$/)?.[1];
      const waited = WAITER_OPERATIONS[name];
      if (!command && !name.startsWith('waitUntil')) continue;
      if (!service) throw new Error(`no IAM service known for ${from} (imports ${name})`);
      if (name.startsWith('waitUntil') && !waited) throw new Error(`unknown waiter ${name}`);
      const operation =
        waited ??
        (from === '@aws-sdk/lib-dynamodb' ? DOCUMENT_CLIENT_OPERATIONS[command ?? ''] : command);
      if (!operation) throw new Error(`no DynamoDB operation known for ${from} ${name}`);
      operations.add(`${service}:${operation}`);
    }
  }
  return [...operations].sort();
}

export function iamActionsOf(operations: string[]): string[] {
  return [
    ...new Set(
      operations.flatMap((operation) => IAM_ACTIONS_OF_OPERATION[operation] ?? [operation]),
    ),
  ].sort();
}
