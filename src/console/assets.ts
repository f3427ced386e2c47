// The console's front end: one script and one stylesheet, bundled by esbuild. `npm run build`
// writes them to dist/console/ui (scripts/build-console.ts); from the sources (tsx, tests) they
// are bundled in memory once at start. Nothing is loaded from the internet.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Assets {
  js: string;
  css: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));
export const UI_ENTRY = join(HERE, 'ui', 'main.ts');
export const UI_CSS = join(HERE, 'ui', 'style.css');

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
  return { js, css: readFileSync(UI_CSS, 'utf8') };
}

let cached: Promise<Assets> | undefined;

/** The built assets beside this module (dist), else a bundle made now (sources). */
export function loadAssets(): Promise<Assets> {
  cached ??= (async () => {
    const js = join(HERE, 'ui', 'app.js');
    const css = join(HERE, 'ui', 'app.css');
    if (existsSync(js) && existsSync(css))
      return { js: readFileSync(js, 'utf8'), css: readFileSync(css, 'utf8') };
    return bundleUi();
  })();
  return cached;
}
