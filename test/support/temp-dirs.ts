// Temporary folders for a test file, all removed when the file's tests are done.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/** Returns a factory of fresh folders (named insitu-<prefix><name>-*) that are deleted after the file's tests. */
export function tempDirs(prefix = ''): (name: string) => string {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return (name) => {
    const dir = mkdtempSync(join(tmpdir(), `insitu-${prefix}${name}-`));
    dirs.push(dir);
    return dir;
  };
}
