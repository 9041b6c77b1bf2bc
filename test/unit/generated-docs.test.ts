import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ASYNCAPI_PATH, renderAsyncApiDocument } from '../../scripts/docs/asyncapi.ts';
import {
  COMMAND_SCHEMA_PATH,
  renderCommandJsonSchema,
  renderConfigTable,
  replaceSection,
} from '../../scripts/docs/render.ts';

describe('generated documents (run `npm run docs` when these fail)', () => {
  it('the committed JSON Schema of the queue message matches the zod contract', () => {
    expect(readFileSync(COMMAND_SCHEMA_PATH, 'utf8')).toBe(renderCommandJsonSchema());
  });

  it('the committed AsyncAPI document matches the contract, resources.json and the fixtures', () => {
    expect(readFileSync(ASYNCAPI_PATH, 'utf8')).toBe(renderAsyncApiDocument());
  });

  it('the README configuration table matches the config schema', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(replaceSection(readme, 'config', renderConfigTable())).toBe(readme);
  });
});
