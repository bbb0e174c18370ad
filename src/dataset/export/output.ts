// Export files under --out, and never outside it: names are fixed per format, every path is checked to resolve
// inside the output folder, a symlinked sub-folder is refused, and each file is written to a fresh temporary
// name ('wx': never through an existing file or link) then renamed over the target, so an interrupted export
// leaves the previous file whole and a symlink at the target is replaced, not followed.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative as relativePath, resolve, sep } from 'node:path';
import { ExportError } from '../errors.js';

const FLUSH_BYTES = 1 << 20;

/** The absolute path of `file` under `outDir`; throws when it would resolve outside. */
export function outputPath(outDir: string, file: string): string {
  const root = resolve(outDir);
  const target = resolve(root, file);
  const rel = relativePath(root, target);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw new ExportError(`refusing to write ${file} outside ${root}`);
  return target;
}

/** Creates the folders between outDir and the file; a symlink among them (it could lead anywhere) is refused. */
async function prepareFolders(outDir: string, target: string): Promise<void> {
  const root = resolve(outDir);
  await mkdir(root, { recursive: true });
  let folder = root;
  for (const part of relativePath(root, dirname(target)).split(sep).filter(Boolean)) {
    folder = join(folder, part);
    const info = await lstat(folder).catch(() => null);
    if (info?.isSymbolicLink()) throw new ExportError(`refusing to write through the symlink ${folder}`);
    if (!info) await mkdir(folder);
    else if (!info.isDirectory()) throw new ExportError(`${folder} is not a folder`);
  }
}

export interface OutputFile {
  readonly path: string;
  /** Appends one JSON value (a line, or an element of the array). */
  add(value: unknown): Promise<void>;
  /** Finishes the file and moves it into place; returns its path. */
  commit(): Promise<string>;
  /** Removes the unfinished file. */
  abort(): Promise<void>;
}

async function openTemporary(outDir: string, file: string) {
  const path = outputPath(outDir, file);
  await prepareFolders(outDir, path);
  const temporary = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  return { path, temporary, handle: await open(temporary, 'wx') };
}

export async function createOutputFile(outDir: string, file: string, layout: 'jsonl' | 'json-array'): Promise<OutputFile> {
  const { path, temporary, handle } = await openTemporary(outDir, file);
  let buffer = '';
  let count = 0;
  const flush = async () => {
    if (buffer) await handle.writeFile(buffer); // writes all of it from the current position
    buffer = '';
  };
  return {
    path,
    async add(value) {
      const text = JSON.stringify(value);
      buffer += layout === 'jsonl' ? `${text}\n` : `${count === 0 ? '[\n' : ',\n'}${text}`;
      count++;
      if (buffer.length >= FLUSH_BYTES) await flush();
    },
    async commit() {
      if (layout === 'json-array') buffer += count === 0 ? '[]\n' : '\n]\n';
      await flush();
      await handle.close();
      await rename(temporary, path);
      return path;
    },
    async abort() {
      await handle.close().catch(() => undefined);
      await rm(temporary, { force: true });
    },
  };
}

/** Writes a whole small file (tmp + rename); returns its path. */
export async function writeOutputText(outDir: string, file: string, text: string): Promise<string> {
  const { path, temporary, handle } = await openTemporary(outDir, file);
  try {
    await handle.writeFile(text);
    await handle.close();
    await rename(temporary, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
  return path;
}
