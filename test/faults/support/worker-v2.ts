import { runWorker } from '../../../worker/run.ts';
import { CONTRACT_WITH_VERSION_2 } from '../../support/future-contract.ts';

/** The worker process after an upgrade that taught it schema version 2. */
await runWorker({ versions: CONTRACT_WITH_VERSION_2 });
