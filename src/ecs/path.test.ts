import { describe, expect, it } from 'vitest';
import { fileType, octalMode, pathParts } from './path.js';

describe('file name parts', () => {
  it.each([
    ['/etc/systemd/system/evil.service', 'evil.service', '/etc/systemd/system', 'service'],
    ['/root/.bashrc', '.bashrc', '/root', undefined],
    ['/root/.bash_history', '.bash_history', '/root', undefined],
    ['/tmp/archive.tar.gz', 'archive.tar.gz', '/tmp', 'gz'],
    ['/tmp/trailingdot.', 'trailingdot.', '/tmp', undefined],
    ['/etc/ld.so.preload', 'ld.so.preload', '/etc', 'preload'],
    ['/notify_on_release', 'notify_on_release', '/', undefined],
    ['/usr/bin/', 'bin', '/usr', undefined],
    ['/', '', '/', undefined],
    ['relative.txt', 'relative.txt', '', 'txt'],
    ['/tmp/with\nnewline.sh', 'with\nnewline.sh', '/tmp', 'sh'],
  ])('%j', (path, name, directory, extension) => {
    const p = pathParts(path);
    expect(p).toEqual(extension === undefined ? { name, directory } : { name, directory, extension });
  });

  it('renders modes as ECS octal strings and file types', () => {
    expect(octalMode(0o100755)).toBe('0755');
    expect(octalMode(0o104755)).toBe('4755');
    expect(octalMode(0o600)).toBe('0600');
    expect(fileType(0o100644)).toBe('file');
    expect(fileType(0o040755)).toBe('dir');
    expect(fileType(0o120777)).toBe('symlink');
    expect(fileType(0o020666)).toBeUndefined();
  });
});
