import type { CommandPublisher } from './command-publisher.ts';
import type { ApiMetrics } from './metrics.ts';
import type { PasswordHasher } from './password-hasher.ts';
import type { SecuritySettings } from './security.ts';
import type { UserReadRepository } from './user-read-repository.ts';

/** Everything the app needs, passed in: routes never read process.env or build clients. */
export interface AppDependencies {
  publisher: CommandPublisher;
  reads: UserReadRepository;
  hasher: PasswordHasher;
  metrics: ApiMetrics;
  /** Reachability probes for /ready, by dependency name. */
  readinessChecks: Record<string, () => Promise<void>>;
  settings: {
    bodyLimitBytes: number;
    commandWaitMaxSeconds: number;
  };
  security: SecuritySettings;
  /** Overridable in tests; defaults to a random UUID and the current time. */
  newCommandId?: () => string;
  now?: () => Date;
}
