import type { ReadinessChecks } from '../shared/readiness.ts';
import type { CommandIntake } from './command-intake.ts';
import type { CommandLedger } from './command-ledger.ts';
import type { CommandWaiters } from './command-waiters.ts';
import type { ApiMetrics } from './metrics.ts';
import type { OperationsReader } from './operations.ts';
import type { SecuritySettings } from './security.ts';
import type { UserReadRepository } from './user-read-repository.ts';

/** Everything the app needs, passed in: routes never read process.env or build clients. */
export interface AppDependencies {
  /** Where POST, PATCH and DELETE go: hashing, the Idempotency-Key ledger, the queue. */
  commands: CommandIntake;
  /** Command outcomes, for GET /commands/{id}; waiting ones share batched reads. */
  ledger: Pick<CommandLedger, 'get'>;
  waiters: CommandWaiters;
  reads: UserReadRepository;
  /** The queues' backlog and the recorded dead letters, for GET /operations. */
  operations: OperationsReader;
  metrics: ApiMetrics;
  /** Reachability probes for /ready, by dependency name. */
  readinessChecks: ReadinessChecks;
  settings: {
    bodyLimitBytes: number;
    /** Bounds on how slowly a client may send (see the HTTP_* variables). */
    requestTimeoutSeconds: number;
    headersTimeoutSeconds: number;
    keepAliveTimeoutSeconds: number;
    maxConnections: number;
    /** Whom to believe about the client's address (TRUST_PROXY). */
    trustProxy: boolean | string[];
    commandWaitMaxSeconds: number;
  };
  security: SecuritySettings;
}
