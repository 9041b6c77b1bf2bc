import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { type ResourceNames, resourceDefinitions } from './resources.ts';

const { tables, queues } = resourceDefinitions;

const optionalUrl = z.url({ error: 'must be a URL such as http://127.0.0.1:4566' }).optional();
const boolean = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1');

/**
 * Every environment variable the service reads. The README's configuration table is
 * generated from these descriptions (`npm run docs`), and a test fails when it is stale.
 */
export const EnvVariables = z.object({
  PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(5000)
    .describe('Port the API listens on.'),
  HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('Interface the API (and the worker’s metrics) bind to. Use 0.0.0.0 in a container.'),
  AWS_REGION: z
    .string()
    .min(1)
    .default('us-east-1')
    .describe('AWS region for both SQS and DynamoDB.'),
  AWS_ENDPOINT_URL: optionalUrl.describe(
    'One endpoint for every AWS service (LocalStack, an emulator). Unset on real AWS.',
  ),
  AWS_ENDPOINT_URL_SQS: optionalUrl.describe('SQS endpoint; overrides AWS_ENDPOINT_URL for SQS.'),
  AWS_ENDPOINT_URL_DYNAMODB: optionalUrl.describe(
    'DynamoDB endpoint; overrides AWS_ENDPOINT_URL for DynamoDB.',
  ),
  USERS_TABLE: z.string().min(3).max(255).default(tables.users.name).describe('Users table name.'),
  COMMANDS_TABLE: z
    .string()
    .min(3)
    .max(255)
    .default(tables.commands.name)
    .describe('Table holding one record per processed command (the idempotency ledger).'),
  COMMAND_QUEUE: z
    .string()
    .regex(/\.fifo$/, { error: 'must be the name of a FIFO queue (ending in .fifo)' })
    .default(queues.command.name)
    .describe('Name (not URL) of the FIFO command queue; its URL is resolved at start.'),
  DEAD_LETTER_QUEUE: z
    .string()
    .regex(/\.fifo$/, { error: 'must be the name of a FIFO queue (ending in .fifo)' })
    .default(queues.commandDeadLetter.name)
    .describe('Name of the FIFO dead-letter queue.'),
  AWS_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(3000)
    .describe('Timeout of one AWS call made while serving an HTTP request.'),
  PUBLISH_BATCH_WINDOW_MS: z.coerce
    .number()
    .min(0)
    .max(100)
    .default(2)
    .describe('Commands arriving within this window go to SQS in one SendMessageBatch (up to 10).'),
  STARTUP_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .default(30)
    .describe('How long a process retries resolving queue URLs at start before giving up.'),
  BCRYPT_COST: z.coerce
    .number()
    .int()
    .min(4)
    .max(15)
    .default(10)
    .describe('bcrypt cost factor for password hashes (tests lower it for speed).'),
  API_PROCESSES: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(1)
    .describe(
      'API processes sharing PORT (node:cluster with SO_REUSEPORT, Linux): set it to the cores of a multi-core host. Rate limits and /ready are per process; /metrics adds up all of them.',
    ),
  HASH_THREADS: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .optional()
    .describe(
      'Worker threads hashing passwords in each API process; unset means the cores divided among API_PROCESSES (at least one).',
    ),
  HASH_QUEUE_MAX: z.coerce
    .number()
    .int()
    .min(0)
    .default(64)
    .describe(
      'Passwords that may wait for a hash thread in each API process; past it, commands with a password get 503 with Retry-After.',
    ),
  HASH_QUEUE_PER_CLIENT: z.coerce
    .number()
    .int()
    .min(0)
    .default(8)
    .describe(
      'Passwords one client may have hashing or waiting in each API process (they take turns with other clients); past it, 429. 0: no such limit.',
    ),
  COMMAND_WAITERS_MAX: z.coerce
    .number()
    .int()
    .min(0)
    .default(2000)
    .describe(
      'GET /commands/{id}?waitSeconds= requests waiting at once in each API process; past it, they are answered at once without waiting.',
    ),
  COMMAND_WAITERS_PER_CLIENT: z.coerce
    .number()
    .int()
    .min(0)
    .default(20)
    .describe(
      'Waiting GET /commands/{id} requests one client may have; past it, 429. 0: no such limit.',
    ),
  TRUST_PROXY: z
    .string()
    .optional()
    .describe(
      'Behind a load balancer or gateway: `true`, or its addresses/CIDRs (comma-separated), so the client address, which limits and queues count by, comes from X-Forwarded-For. Unset: the peer address.',
    ),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(16_384)
    .describe('Largest accepted HTTP request body; larger bodies get 413.'),
  COMMAND_WAIT_MAX_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(60)
    .default(20)
    .describe('Longest wait a client may ask for on GET /commands/{id}?waitSeconds=.'),
  API_TOKEN: z
    .string()
    .min(16, { error: 'must be at least 16 characters' })
    .regex(/^[A-Za-z0-9\-._~+/]+=*$/, {
      error: 'must be letters, digits and - . _ ~ + / (a bearer token, RFC 6750)',
    })
    .optional()
    .describe('When set, POST/PATCH/DELETE need `Authorization: Bearer <API_TOKEN>`.'),
  PROTECT_READS: boolean
    .default(false)
    .describe(
      'With API_TOKEN, also require it for GET /users, /commands, /operations and /metrics.',
    ),
  RATE_LIMIT_MAX: z.coerce
    .number()
    .int()
    .min(0)
    .default(600)
    .describe('Commands (POST/PATCH/DELETE) per client per window; 0 turns the limit off.'),
  READ_RATE_LIMIT_MAX: z.coerce
    .number()
    .int()
    .min(0)
    .default(3000)
    .describe(
      'Reads (GET /users, /commands, /operations, /metrics) per client per window; 0 turns the limit off.',
    ),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(60)
    .describe('The rate-limit window.'),
  HTTP_REQUEST_TIMEOUT_SECONDS: z.coerce
    .number()
    .min(1)
    .max(300)
    .default(10)
    .describe(
      'A request (headers and body) must have arrived within this; a slower client gets 408 and its connection is closed.',
    ),
  HTTP_HEADERS_TIMEOUT_SECONDS: z.coerce
    .number()
    .min(1)
    .max(300)
    .default(5)
    .describe(
      'The request headers must have arrived within this (at most HTTP_REQUEST_TIMEOUT_SECONDS).',
    ),
  HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: z.coerce
    .number()
    .min(1)
    .max(3600)
    .default(65)
    .describe(
      'How long an idle keep-alive connection stays open: longer than the load balancer’s idle timeout (60 s on AWS ALB), so it closes first.',
    ),
  HTTP_MAX_CONNECTIONS: z.coerce
    .number()
    .int()
    .min(1)
    .default(1000)
    .describe('Open connections per API process; past it, new connections are refused.'),
  CORS_ORIGINS: z
    .string()
    .optional()
    .describe(
      'Comma-separated origins allowed to call the API from other sites; unset keeps CORS off.',
    ),
  WORKER_HTTP_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .optional()
    .describe('Port of the worker’s GET /health, /ready and /metrics; unset means no HTTP server.'),
  WORKER_METRICS_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .optional()
    .describe('Former name of WORKER_HTTP_PORT, still read when that is unset.'),
  WORKER_STALL_SECONDS: z.coerce
    .number()
    .min(1)
    .default(300)
    .describe(
      'A poll loop that finishes neither a receive nor a batch for this long is wedged: the worker’s /health answers 503.',
    ),
  WORKER_POLLERS: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(4)
    .describe('Concurrent receive loops in one worker; FIFO keeps each user in order.'),
  WORKER_BATCH_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(10)
    .default(10)
    .describe('Messages per ReceiveMessage call.'),
  WORKER_WAIT_TIME_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(20)
    .default(20)
    .describe('Long-polling wait of each ReceiveMessage call.'),
  WORKER_VISIBILITY_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(5)
    .max(43_200)
    .default(60)
    .describe('Visibility timeout the worker sets and renews by heartbeat while it works.'),
  WORKER_RETRY_BASE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(900)
    .default(2)
    .describe('First retry delay after a transient failure; doubles per receive, capped at 5 min.'),
  COMMAND_RECORD_TTL_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .default(30)
    .describe('Days a command record is kept (longer than SQS retention, so redeliveries dedupe).'),
  SHUTDOWN_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(25)
    .describe(
      'On SIGTERM, how long in-flight work (and the worker’s open long poll) may take before the process exits anyway.',
    ),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level.'),
  LOG_PRETTY: boolean
    .optional()
    .describe('Human-readable logs; default: only when stdout is a terminal.'),
});

export const EnvSchema = EnvVariables.refine((env) => env.API_PROCESSES === 1 || env.PORT !== 0, {
  path: ['PORT'],
  error: 'must be a fixed port when API_PROCESSES > 1 (each process would pick its own)',
})
  .refine(
    (env) =>
      env.WORKER_HTTP_PORT === undefined ||
      env.WORKER_METRICS_PORT === undefined ||
      env.WORKER_HTTP_PORT === env.WORKER_METRICS_PORT,
    {
      path: ['WORKER_METRICS_PORT'],
      error: 'differs from WORKER_HTTP_PORT, its new name: set only WORKER_HTTP_PORT',
    },
  )
  .refine((env) => env.HTTP_HEADERS_TIMEOUT_SECONDS <= env.HTTP_REQUEST_TIMEOUT_SECONDS, {
    path: ['HTTP_HEADERS_TIMEOUT_SECONDS'],
    error: 'must be at most HTTP_REQUEST_TIMEOUT_SECONDS',
  })
  .refine((env) => env.SHUTDOWN_TIMEOUT_SECONDS > env.WORKER_WAIT_TIME_SECONDS, {
    path: ['SHUTDOWN_TIMEOUT_SECONDS'],
    error:
      'must be longer than WORKER_WAIT_TIME_SECONDS: a stopping worker lets its open long poll end',
  })
  .transform(({ WORKER_METRICS_PORT, ...env }) => ({
    ...env,
    WORKER_HTTP_PORT: env.WORKER_HTTP_PORT ?? WORKER_METRICS_PORT,
  }));

export type Env = z.infer<typeof EnvSchema>;

export interface AwsConfig {
  region: string;
  sqsEndpoint: string | undefined;
  dynamoDbEndpoint: string | undefined;
}

export interface Config {
  env: Env;
  /** HASH_THREADS, or the cores shared out among the API processes. */
  hashThreads: number;
  aws: AwsConfig;
  resources: ResourceNames;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates the environment once, naming every bad variable in one message. Pure. */
export function loadConfig(source: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map(
      (issue) =>
        `  ${issue.path.join('.')}=${JSON.stringify(source[String(issue.path[0])])}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = result.data;
  return {
    env,
    hashThreads:
      env.HASH_THREADS ?? Math.max(1, Math.floor(availableParallelism() / env.API_PROCESSES)),
    aws: {
      region: env.AWS_REGION,
      sqsEndpoint: env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL,
      dynamoDbEndpoint: env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL,
    },
    resources: {
      tables: { users: env.USERS_TABLE, commands: env.COMMANDS_TABLE },
      queues: { command: env.COMMAND_QUEUE, commandDeadLetter: env.DEAD_LETTER_QUEUE },
    },
  };
}

/** For entry points: load the config or print why not and exit 1. */
export function loadConfigOrExit(source: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(source);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
