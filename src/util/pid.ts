// Whether a process exists. Signal 0 tests for it without sending anything; EPERM means it exists
// but belongs to someone this process may not signal.
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
