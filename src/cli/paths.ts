// File and folder paths given on the command line, checked the same way by every command before any work:
// an empty path, a NUL byte (Node would throw a raw ERR_INVALID_ARG_VALUE), a folder where a file is expected
// (and the reverse), a missing input, an output that is the input itself (opening it for writing would
// truncate the input before it is read). Each is a UsageError: one `insitu: ...` line, exit code 2.
import { existsSync, openSync, statSync } from 'node:fs';
import { UsageError } from './args.js';

/** Rejects what no file system path can be. */
function checkPath(path: string, name: string): string {
  if (path === '') throw new UsageError(`${name}: empty path`);
  if (path.includes('\0')) throw new UsageError(`${name}: the path holds a NUL byte`);
  return path;
}

/** An existing regular file to read. */
export function inputFilePath(path: string, name: string): string {
  checkPath(path, name);
  if (!existsSync(path)) throw new UsageError(`${name}: no such file '${path}'`);
  if (!statSync(path).isFile()) throw new UsageError(`${name}: '${path}' is ${statSync(path).isDirectory() ? 'a folder' : 'not a regular file'}, expected a file`);
  return path;
}

/** Same file on disk (hard links and symlinks included), not merely the same spelling. */
function sameFile(a: string, b: string): boolean {
  try {
    const [x, y] = [statSync(a), statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false; // one of them does not exist yet
  }
}

/** A file opened for writing (created or truncated), never one of `inputs`. */
export function openOutputFile(path: string, name: string, inputs: { path: string; name: string }[] = []): number {
  checkPath(path, name);
  for (const input of inputs) if (sameFile(path, input.path)) throw new UsageError(`${name} ${path}: the same file as ${input.name}; writing would destroy the input`);
  try {
    return openSync(path, 'w');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EISDIR' ? 'is a folder' : code === 'ENOENT' ? 'its folder does not exist' : code === 'EACCES' ? 'permission denied' : code ?? String(error);
    throw new UsageError(`${name} ${path}: cannot write there (${why})`);
  }
}

/** A folder (existing or to be created): must not name an existing file. */
export function folderPath(path: string, name: string): string {
  checkPath(path, name);
  if (existsSync(path) && !statSync(path).isDirectory()) throw new UsageError(`${name} ${path}: not a folder`);
  return path;
}
