// The store holds every argument and path a container produced: root's alone. Directories the
// store creates are 0700 and its files 0600, whatever the umask; DuckDB creates its database and
// WAL under the process umask, so the agent also narrows that (src/cli/agent.ts).
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';

export const STORE_DIR_MODE = 0o700;
export const STORE_FILE_MODE = 0o600;

/** Creates `dir` (and missing parents) 0700; an existing directory keeps its mode. */
export function makeStoreDir(dir: string): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: STORE_DIR_MODE });
    chmodSync(dir, STORE_DIR_MODE); // mkdir's mode is masked by the umask
  }
}

/** Narrows the store's own files (database, WAL) to 0600 where they are wider. */
export function restrictStoreFiles(paths: readonly string[]): void {
  for (const p of paths) {
    try {
      if ((statSync(p).mode & 0o077) !== 0) chmodSync(p, STORE_FILE_MODE);
    } catch {
      // not created yet (the WAL comes with the first write, under the agent's umask)
    }
  }
}

/** A warning when an existing store directory is open to others, or undefined. */
export function storeDirWarning(dir: string): string | undefined {
  let mode: number;
  try {
    mode = statSync(dir).mode & 0o777;
  } catch {
    return undefined;
  }
  if ((mode & 0o077) === 0) return undefined;
  const m = mode.toString(8).padStart(4, '0');
  return `store directory ${dir} has mode ${m}: other users may read the stored events (chmod 700 ${dir})`;
}
