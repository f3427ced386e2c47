// The console's front end: one script and one stylesheet, bundled by esbuild. `npm run build`
// writes them to dist/console/ui and scripts/install.sh to build/console (scripts/build-console.ts);
// from the sources a bundle older than a source file is made again in memory at start, so an
// edit never serves a stale front end. Nothing is loaded from the internet.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Assets {
  js: string;
  css: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));
export const UI_ENTRY = join(HERE, 'ui', 'main.ts');
export const UI_CSS = join(HERE, 'ui', 'style.css');
/** xterm.js's own stylesheet, served in app.css before ours (CodeMirror's styles come from its script). */
const require = createRequire(import.meta.url);
const XTERM_CSS = (): string => require.resolve('@xterm/xterm/css/xterm.css');

export async function bundleUi(minify = false): Promise<Assets> {
  const { build } = await import('esbuild');
  const r = await build({
    entryPoints: [UI_ENTRY],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    minify,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = r.outputFiles[0]?.text ?? '';
  return { js, css: `${readFileSync(XTERM_CSS(), 'utf8')}\n${readFileSync(UI_CSS, 'utf8')}` };
}

let cached: Promise<Assets> | undefined;

/** Where install.sh builds the bundle for a checkout run from its sources. */
export const SOURCE_BUILD = join(HERE, '..', '..', 'build', 'console');

const newestSource = (): number =>
  Math.max(...readdirSync(join(HERE, 'ui')).map((f) => statSync(join(HERE, 'ui', f)).mtimeMs));

function read(dir: string, fresh: (mtime: number) => boolean): Assets | undefined {
  const js = join(dir, 'app.js');
  const css = join(dir, 'app.css');
  if (!existsSync(js) || !existsSync(css) || !fresh(Math.min(statSync(js).mtimeMs, statSync(css).mtimeMs)))
    return undefined;
  return { js: readFileSync(js, 'utf8'), css: readFileSync(css, 'utf8') };
}

/** The built assets (dist beside this module; build/console from sources, if fresh), else a bundle made now. */
export function loadAssets(): Promise<Assets> {
  cached ??= (async () => {
    if (!existsSync(UI_ENTRY)) {
      const built = read(join(HERE, 'ui'), () => true);
      if (built) return built;
      throw new Error(`the console's front end is not built in ${join(HERE, 'ui')} (npm run build)`);
    }
    return read(SOURCE_BUILD, (t) => t >= newestSource()) ?? bundleUi();
  })();
  return cached;
}
