import { readFileSync, writeFileSync } from 'node:fs';
import { ASYNCAPI_PATH, renderAsyncApiDocument } from './asyncapi.ts';
import {
  COMMAND_SCHEMA_PATH,
  renderCommandJsonSchema,
  renderConfigTable,
  replaceSection,
} from './render.ts';

writeFileSync(COMMAND_SCHEMA_PATH, renderCommandJsonSchema());
writeFileSync(ASYNCAPI_PATH, renderAsyncApiDocument());
const readme = readFileSync('README.md', 'utf8');
writeFileSync('README.md', replaceSection(readme, 'config', renderConfigTable()));
process.stdout.write(
  `wrote ${COMMAND_SCHEMA_PATH}, ${ASYNCAPI_PATH} and the README configuration table\n`,
);
