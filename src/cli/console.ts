// `d4c console [--store DIR] [--listen HOST:PORT] [--open]`: the web console over the store.
// First stdout line: `d4c console: http://HOST:PORT/?token=TOKEN`.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CONSOLE_CODES,
  checkListen,
  DEFAULT_CONSOLE_HOST,
  DEFAULT_CONSOLE_PORT,
  startConsole,
} from '../console/index.js';
import { DEFAULT_STORE_DIR } from '../query/index.js';
import { EventStore } from '../store/index.js';
import { D4cError } from '../util/index.js';
import { parse, UsageError } from './args.js';

export function parseListen(v: string | undefined): { host: string; port: number } {
  if (v === undefined) return { host: DEFAULT_CONSOLE_HOST, port: DEFAULT_CONSOLE_PORT };
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(v);
  const port = Number(m?.[3]);
  if (!m || !(port >= 0 && port <= 65535))
    throw new UsageError('--listen takes HOST:PORT (e.g. 127.0.0.1:9465)');
  return { host: (m[1] ?? m[2]) as string, port };
}

/** The token never goes in argv: the browser opens a root-only file that forwards to the address. */
function openBrowser(url: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'd4c-console-'));
  const file = join(dir, 'open.html');
  writeFileSync(file, `<!doctype html><meta http-equiv="refresh" content="0;url=${url}">\n`, { mode: 0o600 });
  spawn('xdg-open', [file], { stdio: 'ignore', detached: true })
    .on('error', (e) => process.stderr.write(`d4c console: --open: ${e.message}\n`))
    .unref();
}

/** Resolves on the first SIGINT or SIGTERM. */
export const untilSignal = (): Promise<void> =>
  new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      store: { type: 'string' },
      listen: { type: 'string' },
      open: { type: 'boolean' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'insecure-listen': { type: 'boolean' },
    },
    false,
  );
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const { host, port } = parseListen(values.listen);
  const tls = {
    ...(values['tls-cert'] !== undefined ? { tlsCert: values['tls-cert'] } : {}),
    ...(values['tls-key'] !== undefined ? { tlsKey: values['tls-key'] } : {}),
    ...(values['insecure-listen'] ? { insecureListen: true } : {}),
  };
  checkListen({ host, ...tls });
  const dir = values.store ?? DEFAULT_STORE_DIR;
  if (!existsSync(join(dir, 'events.duckdb')))
    throw new D4cError(CONSOLE_CODES.noStore.code, `no event store in ${dir} (give --store DIR)`);
  const store = await EventStore.open({ dir, retentionIntervalMs: 0 }).catch((e: unknown) => {
    if (e instanceof D4cError && e.code === 'D4C-STORE-001')
      throw new D4cError(
        CONSOLE_CODES.storeHeld.code,
        `the event store in ${dir} is held by a running agent: serve the console from it with \`d4c agent --console HOST:PORT\``,
      );
    throw e;
  });
  if (values['insecure-listen'])
    process.stderr.write(
      `d4c console: warning: serving on ${host} without TLS (--insecure-listen): the token travels in clear\n`,
    );
  const server = await startConsole({
    store,
    host,
    port,
    ...tls,
  }).catch(async (e: unknown) => {
    await store.close();
    throw e;
  });
  process.stdout.write(`d4c console: ${server.url}\n`);
  if (values.open) openBrowser(server.url);
  await untilSignal();
  await server.close();
  await store.close();
  return 0;
}
