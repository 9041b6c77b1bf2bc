import { Writable } from 'node:stream';
import { buildApp } from '../../api/app.ts';
import type { AppDependencies } from '../../api/app-dependencies.ts';
import { createLogger } from '../../shared/logger.ts';
import type { OpenApiDocument } from './observed-statuses.ts';

/**
 * The OpenAPI document GET /docs/json serves, from an app that is built but serves nothing,
 * so the global teardown needs no emulator. Only what building the app reads is given: the
 * document does not depend on the rest.
 */
export async function renderOpenApiDocument(): Promise<OpenApiDocument> {
  const unused = {} as never;
  const deps: AppDependencies = {
    commands: unused,
    ledger: unused,
    waiters: unused,
    reads: unused,
    operations: unused,
    metrics: unused,
    readinessChecks: {},
    settings: {
      bodyLimitBytes: 16_384,
      requestTimeoutSeconds: 10,
      headersTimeoutSeconds: 5,
      keepAliveTimeoutSeconds: 5,
      maxConnections: 100,
      trustProxy: false,
      commandWaitMaxSeconds: 20,
    },
    security: {
      apiToken: 'document-only',
      protectReads: true,
      rateLimitMax: 1,
      readRateLimitMax: 1,
      rateLimitWindowSeconds: 60,
      corsOrigins: [],
    },
  };
  const silent = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const app = await buildApp(
    deps,
    createLogger({ name: 'openapi', level: 'silent', destination: silent }),
  );
  try {
    await app.ready();
    return app.swagger() as unknown as OpenApiDocument;
  } finally {
    await app.close();
  }
}
