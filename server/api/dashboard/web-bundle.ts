import { join } from 'node:path';
import { REPO_ROOT } from '../../../runtime/config.js';

/** The dashboard's sources: `index.html`, `style.css` and the TypeScript under `src/`. */
export const WEB_ROOT = join(REPO_ROOT, 'web');

let bundle: Promise<string> | undefined;

/**
 * The dashboard's script: `web/src/main.ts` bundled by esbuild into one ES module, in memory, once
 * per process (no build step, nothing written to disk). A failed build is retried on the next call.
 */
export function dashboardScript(): Promise<string> {
  bundle ??= (async () => {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [join(WEB_ROOT, 'src', 'main.ts')],
      tsconfig: join(WEB_ROOT, 'tsconfig.json'),
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      legalComments: 'none',
      logLevel: 'silent',
    });
    const file = result.outputFiles[0];
    if (file === undefined) throw new Error('esbuild produced no output for the dashboard');
    return file.text;
  })();
  bundle.catch(() => {
    bundle = undefined;
  });
  return bundle;
}
