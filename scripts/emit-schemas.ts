/**
 * Writes the JSON Schemas that other languages validate against (the Python trainer reads
 * `core/schemas/*.schema.json`). `--check` fails when the committed files are stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EMITTED_SCHEMAS } from '../core/schemas/index.js';

const check = process.argv.includes('--check');
let stale = 0;
for (const [file, schema] of Object.entries(EMITTED_SCHEMAS)) {
  const path = fileURLToPath(new URL(`../core/schemas/${file}`, import.meta.url));
  const text = `${JSON.stringify(schema, null, 2)}\n`;
  const current = (() => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  })();
  if (current === text) continue;
  if (check) {
    console.error(`core/schemas/${file} is stale: run \`npm run emit-schemas\` and commit it`);
    stale += 1;
  } else {
    writeFileSync(path, text);
    console.log(`wrote core/schemas/${file}`);
  }
}
process.exit(stale > 0 ? 1 : 0);
