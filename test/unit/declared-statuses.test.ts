import { describe, expect, it } from 'vitest';
import {
  compareWithDocument,
  type OpenApiDocument,
  openApiPath,
  unobservedStatuses,
} from '../support/observed-statuses.ts';

const document: OpenApiDocument = {
  paths: {
    '/users/{email}': {
      get: { responses: { 200: {}, 404: {} } },
      delete: { responses: { 202: {}, '5XX': {} } },
    },
    '/health': { get: { responses: { 200: {} } } },
  },
};

describe('the suite-wide check of declared statuses', () => {
  it('reports a status an operation does not declare, once, with its operation', () => {
    // Prepare
    const observed = [
      { method: 'GET', route: '/users/:email', status: 409 },
      { method: 'GET', route: '/users/:email', status: 409 },
    ];
    // Act
    const { undeclared } = compareWithDocument(document, observed);
    // Assess
    expect(undeclared).toEqual(['GET /users/{email} answered 409']);
  });

  it('passes statuses the operation declares, exactly or by range', () => {
    const { undeclared } = compareWithDocument(document, [
      { method: 'GET', route: '/users/:email', status: 404 },
      { method: 'DELETE', route: '/users/:email', status: 503 },
      { method: 'GET', route: '/health', status: 200 },
    ]);
    expect(undeclared).toEqual([]);
  });

  it('holds a status to its own operation, not to another method on the same path', () => {
    const { undeclared } = compareWithDocument(document, [
      { method: 'DELETE', route: '/users/:email', status: 404 },
    ]);
    expect(undeclared).toEqual(['DELETE /users/{email} answered 404']);
  });

  it('names routes the document leaves out instead of failing them', () => {
    const result = compareWithDocument(document, [
      { method: 'HEAD', route: '/health', status: 200 },
      { method: 'GET', route: '/metrics', status: 401 },
    ]);
    expect(result).toEqual({ undeclared: [], undocumented: ['GET /metrics', 'HEAD /health'] });
  });

  it('lists the declared statuses no answer had, per operation', () => {
    expect(
      unobservedStatuses(document, [
        { method: 'GET', route: '/users/:email', status: 200 },
        { method: 'GET', route: '/health', status: 200 },
      ]),
    ).toEqual(['GET /users/{email}: 404', 'DELETE /users/{email}: 202, 5XX']);
  });

  it('writes route parameters the OpenAPI way', () => {
    expect(openApiPath('/users/:email/commands/:commandId')).toBe(
      '/users/{email}/commands/{commandId}',
    );
  });
});
