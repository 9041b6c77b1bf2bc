import type { CommandRecord, FailureKind } from '../shared/command-record.ts';
import type { QueueDepth } from '../shared/queues.ts';
import { resourceDefinitions } from '../shared/resources.ts';
import type { CommandLedger } from './command-ledger.ts';
import { UnavailableError } from './errors.ts';

/**
 * What GET /operations shows: how much waits in the command queue and the dead-letter queue
 * (SQS's own counts), and the dead letters the worker recorded, with their reasons, read
 * from the commands table's dead-letters index. Never a ReceiveMessage: a look would hide
 * messages and count as a receive. Read at most once per cache period, however many pages
 * ask, so open pages cannot multiply calls to SQS and DynamoDB.
 */
export interface OperationsSnapshot {
  takenAt: string;
  commandQueue: QueueDepth;
  deadLetterQueue: QueueDepth;
  deadLetters: {
    /** Start of the window: the dead-letter queue keeps a message this long. */
    since: string;
    items: DeadLetterEntry[];
    /** More than `items` were recorded in the window. */
    more: boolean;
  };
}

export interface DeadLetterEntry {
  commandId: string;
  type?: string;
  status: 'invalid' | 'dead-lettered';
  reason?: string;
  failure?: FailureKind;
  attempts?: number;
  /** When the worker recorded it dead-lettered. */
  at: string;
}

export interface OperationsReader {
  read(): Promise<OperationsSnapshot>;
}

/** What the snapshot is read from; apart so the caching can be tested without AWS. */
export interface OperationsSources {
  queueDepth(queue: 'command' | 'deadLetter'): Promise<QueueDepth>;
  deadLetters(since: Date, limit: number): Promise<{ records: CommandRecord[]; more: boolean }>;
}

export interface OperationsOptions {
  /** How long one reading serves every request. */
  cacheMs?: number;
  /** Dead letters listed at most. */
  limit?: number;
  /** How far back dead letters are listed (the dead-letter queue's retention). */
  windowSeconds?: number;
  now?: () => number;
}

export class QueuesUnavailableError extends UnavailableError {
  constructor(cause: unknown) {
    super('QUEUES_UNAVAILABLE', 503, 'SQS cannot report the queues right now. Retry later.', {
      cause,
    });
  }
}

const DLQ_RETENTION_SECONDS = Number(
  resourceDefinitions.queues.commandDeadLetter.attributes.MessageRetentionPeriod ?? 1_209_600,
);

/** The snapshot, read from its sources once per `cacheMs`; a failure is kept as long. */
export function cachedOperations(
  sources: OperationsSources,
  {
    cacheMs = 2000,
    limit = 20,
    windowSeconds = DLQ_RETENTION_SECONDS,
    now = Date.now,
  }: OperationsOptions = {},
): OperationsReader {
  let cached: { at: number; snapshot: Promise<OperationsSnapshot> } | undefined;

  async function take(at: number): Promise<OperationsSnapshot> {
    const since = new Date(at - windowSeconds * 1000);
    const depth = (queue: 'command' | 'deadLetter') =>
      sources.queueDepth(queue).catch((error: unknown) => {
        throw new QueuesUnavailableError(error);
      });
    const [commandQueue, deadLetterQueue, recorded] = await Promise.all([
      depth('command'),
      depth('deadLetter'),
      sources.deadLetters(since, limit),
    ]);
    return {
      takenAt: new Date(at).toISOString(),
      commandQueue,
      deadLetterQueue,
      deadLetters: {
        since: since.toISOString(),
        items: recorded.records.flatMap(deadLetterOf),
        more: recorded.more,
      },
    };
  }

  return {
    read() {
      const at = now();
      if (!cached || at - cached.at >= cacheMs) {
        const snapshot = take(at);
        // Whoever asks gets the failure; none left unhandled while it waits in the cache.
        snapshot.catch(() => undefined);
        cached = { at, snapshot };
      }
      return cached.snapshot;
    },
  };
}

/** Only what a record shows to anyone who may read (no fingerprint, hash or email). */
function deadLetterOf(record: CommandRecord): DeadLetterEntry[] {
  if (record.status !== 'invalid' && record.status !== 'dead-lettered') return [];
  const entry: DeadLetterEntry = {
    commandId: record.commandId,
    type: record.type,
    status: record.status,
    reason: record.reason,
    failure: record.failure,
    attempts: record.attempts,
    at: record.processedAt ?? '',
  };
  return [
    Object.fromEntries(
      Object.entries(entry).filter(([, value]) => value !== undefined),
    ) as unknown as DeadLetterEntry,
  ];
}

/**
 * The real sources: SQS's counts of both queues (GetQueueAttributes, through readers that
 * look a queue's URL up on first use, so the API starts without the dead-letter queue) and
 * the ledger's dead letters.
 */
export function createOperationsReader(
  deps: {
    queues: Record<'command' | 'deadLetter', () => Promise<QueueDepth>>;
    ledger: Pick<CommandLedger, 'deadLetters'>;
  },
  options?: OperationsOptions,
): OperationsReader {
  return cachedOperations(
    {
      queueDepth: (queue) => deps.queues[queue](),
      deadLetters: (since, limit) => deps.ledger.deadLetters(since, limit),
    },
    options,
  );
}
