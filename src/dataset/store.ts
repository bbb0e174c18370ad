// The dataset store's writer: accepted pairs and examples appended as JSON lines to their tenant's day file
// (layout.ts). Append-only; nothing is rewritten.
//
// Line atomicity: a batch's lines for one file go out in ONE write(2) on an O_APPEND descriptor, so lines of
// concurrent writers (several store consumers on one volume) never interleave. A crash in the middle of a
// write can leave a torn last line; the next append first ends it with '\n', so it stays one unreadable line
// the reader counts and skips instead of spoiling the next record.
//
// fsync policy: every file written is fdatasync'ed, and every folder that gained an entry (a new day file, a
// new tenant or kind folder) is fsync'ed, before append() resolves. The consumer commits its offsets only
// after that, so a committed offset never covers a record that is not on disk. A crash between the fsync and
// the commit re-delivers the batch and appends a second copy: the reader drops copies by pair_id/example_id.
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DatasetError } from './errors.js';
import { dayOf, kindOf, partitionFile, recordId, type DatasetRecord } from './layout.js';

export interface AppendResult {
  /** Lines written. */
  written: number;
  /** Records with accepted=false: counted, never stored. */
  notAccepted: number;
  /** A record already in this batch (same kind and id): written once. */
  repeated: number;
  /** Ids of records whose created_at is not a timestamp, so no day file can hold them: skipped. */
  undated: string[];
}

export interface DatasetStore {
  readonly dataDir: string;
  /** Resolves once every line is on disk (see the fsync policy above); throws DatasetError otherwise. */
  append(records: readonly DatasetRecord[]): Promise<AppendResult>;
}

export function createDatasetStore(options: { dataDir: string }): DatasetStore {
  const { dataDir } = options;
  return {
    dataDir,
    async append(records) {
      const files = new Map<string, string[]>();
      const seen = new Set<string>();
      const result: AppendResult = { written: 0, notAccepted: 0, repeated: 0, undated: [] };
      for (const record of records) {
        if (!record.accepted) {
          result.notAccepted++;
          continue;
        }
        const day = dayOf(record.created_at);
        if (!day) {
          result.undated.push(recordId(record));
          continue;
        }
        const kind = kindOf(record);
        const key = `${kind}/${recordId(record)}`;
        if (seen.has(key)) {
          result.repeated++;
          continue;
        }
        seen.add(key);
        const path = partitionFile(dataDir, kind, record.tenant, day);
        let lines = files.get(path);
        if (!lines) files.set(path, (lines = []));
        lines.push(JSON.stringify(record) + '\n');
        result.written++;
      }
      await Promise.all([...files].map(([path, lines]) => appendLines(path, lines.join(''))));
      return result;
    },
  };
}

async function appendLines(path: string, text: string): Promise<void> {
  try {
    const folder = dirname(path);
    const firstCreated = await mkdir(folder, { recursive: true });
    let handle: FileHandle;
    let created = true;
    try {
      handle = await open(path, 'ax+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      handle = await open(path, 'a+');
      created = false;
    }
    try {
      const data = Buffer.from((created ? '' : await tornTail(handle)) + text, 'utf8');
      // One write for the whole batch; a regular file takes it whole unless the disk is full, so the loop only
      // finishes a short write instead of dropping its tail.
      for (let offset = 0; offset < data.length; ) offset += (await handle.write(data, offset)).bytesWritten;
      await handle.datasync();
    } finally {
      await handle.close();
    }
    // New entries must survive a power loss too: the file's folder, and the parent of each folder mkdir made.
    const folders = new Set<string>(created ? [folder] : []);
    if (firstCreated) for (let f = folder; f.length >= firstCreated.length; f = dirname(f)) folders.add(dirname(f));
    for (const f of folders) await syncFolder(f);
  } catch (error) {
    throw new DatasetError(`cannot append to ${path}: ${(error as Error).message}`, { retriable: true, cause: error });
  }
}

/** '\n' when the file ends in a torn line (a crash mid-write), so that line ends before ours start. */
async function tornTail(handle: FileHandle): Promise<string> {
  const { size } = await handle.stat();
  if (size === 0) return '';
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  return last[0] === 0x0a ? '' : '\n';
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
