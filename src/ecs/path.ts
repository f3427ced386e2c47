// file.name / file.directory / file.extension from file.path, as ECS and Elastic's sensors
// derive them: the extension is what follows the last dot of the name, without the dot, and a
// name that is only a leading dot (`.bashrc`) or ends in a dot has none.

export interface PathParts {
  name: string;
  directory: string;
  extension?: string;
}

export function pathParts(path: string): PathParts {
  // A trailing slash (a directory path) is not part of the name.
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === 47) end--;
  const trimmed = end === path.length ? path : path.slice(0, end);
  const slash = trimmed.lastIndexOf('/');
  const name = slash < 0 ? trimmed : trimmed.slice(slash + 1);
  const directory = slash < 0 ? '' : slash === 0 ? '/' : trimmed.slice(0, slash);
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return { name, directory };
  return { name, directory, extension: name.slice(dot + 1) };
}

/** Basename of a path (process.name from process.executable). */
export function baseName(path: string): string {
  return pathParts(path).name;
}

/** Permission bits (and setuid/setgid/sticky) as ECS's octal string, e.g. `0755`. */
export function octalMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** ECS file.type from the st_mode type bits; undefined for types ECS has no value for. */
export function fileType(mode: number): 'file' | 'dir' | 'symlink' | undefined {
  switch (mode & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    default:
      return undefined;
  }
}
