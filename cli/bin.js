#!/usr/bin/env node
// The `aar` operator command. A shim: it registers tsx in this process and runs the TypeScript
// entry point, so the CLI needs no build step (`npm link`, `npx aar` or `node cli/bin.js`).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`aar: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
