// Starting a worker thread from a module next to the caller. From source (tsx, vitest) the
// worker registers tsx itself before importing the TypeScript entry (tsx's hooks are per thread);
// from compiled output the entry is plain JavaScript.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts `entry` (`'./worker.js'`, relative to `base`, the caller's import.meta.url; its `.ts`
 * when the caller runs from source). Spelled `.js` as in an import, so the layout test sees it.
 */
export function startThread(
  base: string,
  entry: `./${string}.js`,
  o: Omit<WorkerOptions, 'eval'> = {},
): Worker {
  if (!/\.ts$/.test(new URL(base).pathname)) return new Worker(new URL(entry, base), o);
  const source = new URL(entry.replace(/\.js$/, '.ts'), base).href;
  // tsx's ESM entry (its CommonJS one cannot register the ESM hooks), via its package exports.
  const pkg = createRequire(base).resolve('tsx/package.json');
  const api = (createRequire(base)(pkg) as { exports: Record<string, { import: { default: string } }> })
    .exports['./esm/api']?.import.default;
  const tsx = pathToFileURL(join(dirname(pkg), api ?? 'dist/esm/api/index.mjs')).href;
  const boot = `const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(source)});`;
  return new Worker(boot, { ...o, eval: true });
}
