import { readFileSync, writeFileSync } from 'node:fs';
import {
  COMMAND_SCHEMA_PATH,
  renderCommandJsonSchema,
  renderConfigTable,
  replaceSection,
} from './render.ts';

writeFileSync(COMMAND_SCHEMA_PATH, renderCommandJsonSchema());
const readme = readFileSync('README.md', 'utf8');
writeFileSync('README.md', replaceSection(readme, 'config', renderConfigTable()));
process.stdout.write(`wrote ${COMMAND_SCHEMA_PATH} and the README configuration table\n`);
