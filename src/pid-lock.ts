// One live process per data folder: a lock file holding the owner's pid. A lock left by a dead process (a
// crash) is taken over; one held by a live other process refuses with DataDirLockedError. The same process may
// take it again (re-opening its own spool or state).
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { DataDirLockedError } from './errors.js';

/** Takes the lock at `path`; `refusal(pid)` words the error when a live process `pid` holds it. */
export function acquirePidLock(path: string, refusal: (pid: number) => string): void {
  if (existsSync(path)) {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (pid && pid !== process.pid && isAlive(pid)) throw new DataDirLockedError(refusal(pid));
  }
  writeFileSync(path, String(process.pid));
}

/** Gives the lock up if this process still holds it. */
export function releasePidLock(path: string): void {
  try {
    if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
