// Starting a worker thread from this code base, run from source (tsx, vitest: the entry is
// TypeScript, so the thread registers tsx before importing it) or compiled (plain `.js`).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * The worker whose entry is `name` (without extension) beside the module `base` (its
 * `import.meta.url`).
 */
export function startWorker(base: string, name: string, options: WorkerOptions = {}): Worker {
  if (!/\.ts$/.test(new URL(base).pathname)) return new Worker(new URL(`./${name}.js`, base), options);
  const entry = new URL(`./${name}.ts`, base).href;
  // tsx's ESM entry (its CommonJS one cannot register the ESM hooks), via its package exports.
  const req = createRequire(base);
  const pkg = req.resolve('tsx/package.json');
  const api = (req(pkg) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']
    ?.import.default;
  const tsx = pathToFileURL(join(dirname(pkg), api ?? 'dist/esm/api/index.mjs')).href;
  const boot = `const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(entry)});`;
  return new Worker(boot, { ...options, eval: true });
}
