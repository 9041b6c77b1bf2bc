import type { ReadinessChecks } from '../shared/readiness.ts';
import type { CommandIntake } from './command-intake.ts';
import type { CommandLedger } from './command-ledger.ts';
import type { ApiMetrics } from './metrics.ts';
import type { SecuritySettings } from './security.ts';
import type { UserReadRepository } from './user-read-repository.ts';

/** Everything the app needs, passed in: routes never read process.env or build clients. */
export interface AppDependencies {
  /** Where POST, PATCH and DELETE go: hashing, the Idempotency-Key ledger, the queue. */
  commands: CommandIntake;
  /** Command outcomes, for GET /commands/{id}. */
  ledger: Pick<CommandLedger, 'get'>;
  reads: UserReadRepository;
  metrics: ApiMetrics;
  /** Reachability probes for /ready, by dependency name. */
  readinessChecks: ReadinessChecks;
  settings: {
    bodyLimitBytes: number;
    commandWaitMaxSeconds: number;
  };
  security: SecuritySettings;
}
