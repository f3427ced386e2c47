// A file record's ECS `file`, per D4C operation (renames give two, reads keep the policy's spelling).
import { describe, expect, it } from 'vitest';
import { d4cOperations, type FileEvent } from '../sensor/index.js';
import { fileChange } from './file-change.js';
import { readWatch } from './read-access.js';

function rec(over: Partial<FileEvent>): FileEvent {
  return {
    kind: 'file',
    op: 'open',
    path: '/etc/app.conf',
    pathFlags: 0,
    mode: 0o100644,
    modeSource: 'inode',
    ino: 77n,
    dev: 1,
    created: false,
    openFlags: 1,
    ...over,
  } as FileEvent;
}

const reads = readWatch(['/var/run/secrets']);
const changes = (e: FileEvent) => d4cOperations(e).map((c) => fileChange(e, c, reads));

describe('fileChange', () => {
  it('an open that created a file is a creation; one that did not is an open', () => {
    expect(changes(rec({ created: true }))).toEqual([
      { path: '/etc/app.conf', operation: 'createFile', action: 'creation', mode: 0o100644, inode: 77n },
    ]);
    expect(changes(rec({}))[0]).toMatchObject({ operation: 'modifyFile', action: 'open' });
  });

  it('a rename: the target carries the old name, mode and inode; the source only its path', () => {
    const out = changes(rec({ op: 'rename', path: '/bin/new', origPath: '/tmp/old' }));
    const target = out.find((f) => f.path === '/bin/new');
    const source = out.find((f) => f.path === '/tmp/old');
    expect(target).toMatchObject({ action: 'rename', originalPath: '/tmp/old', mode: 0o100644, inode: 77n });
    expect(source).toBeDefined();
    expect(source?.originalPath).toBeUndefined();
    expect(source?.mode).toBeUndefined();
    expect(source?.inode).toBeUndefined();
  });

  it('a deletion has no mode; an unknown inode is left out', () => {
    const [f] = changes(rec({ op: 'unlink', ino: 0n }));
    expect(f).toMatchObject({ action: 'deletion', operation: 'deleteFile' });
    expect(f?.mode).toBeUndefined();
    expect(f?.inode).toBeUndefined();
  });

  it('a read matched through the /run alias is reported under the prefix the policy wrote', () => {
    const slot = reads.kernel.indexOf('/run/secrets');
    expect(slot).toBeGreaterThanOrEqual(0);
    const [f] = changes(
      rec({ op: 'read', path: '/run/secrets/kubernetes.io/serviceaccount/token', readPrefix: slot }),
    );
    expect(f).toMatchObject({
      path: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      operation: 'readFile',
      action: 'read',
    });
  });
});
