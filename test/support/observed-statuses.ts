import { appendFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';

/** One answer of an in-process API: its route as registered (`GET /users/:email`) and status. */
export interface ObservedResponse {
  method: string;
  route: string;
  status: number;
}

/** The part of an OpenAPI document the check reads. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
}

/**
 * Appends each (route, status) an API answers to the suite-wide file the global teardown
 * checks against the OpenAPI document; each pair once per API. Unmatched requests (the
 * not-found handler's 404) have no operation to hold them to.
 */
export function recordSuiteResponses(app: FastifyInstance): void {
  const file = inject('suiteResponseFile');
  if (!file) return;
  const seen = new Set<string>();
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    if (request.is404 || route === undefined) return;
    const observed: ObservedResponse = { method: request.method, route, status: reply.statusCode };
    const line = JSON.stringify(observed);
    if (seen.has(line)) return;
    seen.add(line);
    appendFileSync(file, `${line}\n`);
  });
}

/** `/users/:email` as OpenAPI writes it: `/users/{email}`. */
export function openApiPath(route: string): string {
  return route.replace(/:(\w+)/g, '{$1}');
}

function operationOf(document: OpenApiDocument, { method, route }: ObservedResponse) {
  return document.paths[openApiPath(route)]?.[method.toLowerCase()];
}

function declares(responses: Record<string, unknown>, status: number): boolean {
  const code = String(status);
  return [code, `${code[0]}XX`, 'default'].some((key) => key in responses);
}

/**
 * Holds what the suite saw to what the document says. `undeclared`: an answer whose status
 * its operation does not declare (the document lies). `undocumented`: routes the document
 * leaves out on purpose (hidden, HEAD), which it cannot be held to.
 */
export function compareWithDocument(
  document: OpenApiDocument,
  observed: ObservedResponse[],
): { undeclared: string[]; undocumented: string[] } {
  const undeclared = new Set<string>();
  const undocumented = new Set<string>();
  for (const answer of observed) {
    const operation = operationOf(document, answer);
    const name = `${answer.method} ${openApiPath(answer.route)}`;
    if (!operation) undocumented.add(name);
    else if (!declares(operation.responses ?? {}, answer.status)) {
      undeclared.add(`${name} answered ${answer.status}`);
    }
  }
  return { undeclared: [...undeclared].sort(), undocumented: [...undocumented].sort() };
}

/** Per operation, the statuses it declares that no answer of the suite had. */
export function unobservedStatuses(
  document: OpenApiDocument,
  observed: ObservedResponse[],
): string[] {
  const seen = new Set(
    observed.map((o) => `${o.method.toLowerCase()} ${openApiPath(o.route)} ${o.status}`),
  );
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).flatMap(([method, operation]) => {
      const missing = Object.keys(operation.responses ?? {}).filter(
        (status) => !seen.has(`${method} ${path} ${status}`),
      );
      return missing.length > 0 ? [`${method.toUpperCase()} ${path}: ${missing.join(', ')}`] : [];
    }),
  );
}
