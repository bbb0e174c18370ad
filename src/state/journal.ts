// The memory state's journal: what makes in-memory state (the embedded runtime) survive a restart, so the
// trainer's jobs and lease, the evaluator's records and the routes are there when the process comes back.
// Every write is one JSON line appended with one write(2) on an O_APPEND descriptor (a crash loses at most
// what the OS had not written; no fsync, as for the embedded bus); a delete is a line too. Replaying the lines
// in order rebuilds the map. When the file holds far more lines than live keys, it is rewritten as a snapshot
// (temporary file, then rename), so it stays proportional to the state.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface JournalSlot {
  value: string;
  /** Epoch ms; 0 = never. */
  expiresAt: number;
}

type Line = { k: string; v: string; e: number } | { k: string; d: 1 };

const MIN_COMPACT_LINES = 1000;

export interface Journal {
  /** The slots as last written, in write order (expired ones included: the store drops them). */
  readonly loaded: Map<string, JournalSlot>;
  set(key: string, slot: JournalSlot): void;
  delete(key: string): void;
  /**
   * Rewrites the file as `live` once it holds twice the lines it had after the last rewrite (or replay): its
   * size stays proportional to the journalled keys, whatever else the store holds. Cheap to call on every write.
   */
  maybeCompact(live: () => Iterable<[string, JournalSlot]>): void;
  close(): void;
}

function replay(path: string): { slots: Map<string, JournalSlot>; lines: number } {
  const slots = new Map<string, JournalSlot>();
  if (!existsSync(path)) return { slots, lines: 0 };
  let lines = 0;
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    if (text === '') continue;
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      continue; // a torn last line after a crash
    }
    lines++;
    slots.delete(line.k); // re-insert: Map order is write order, as in the store
    if (!('d' in line)) slots.set(line.k, { value: line.v, expiresAt: line.e });
  }
  return { slots, lines };
}

export function openJournal(path: string): Journal {
  mkdirSync(dirname(path), { recursive: true });
  const { slots, lines: replayed } = replay(path);
  let lines = replayed;
  // Lines a rewrite would keep, as of the last rewrite or replay: the baseline the file may double from.
  let baseline = slots.size;
  let fd = openSync(path, 'a');
  const append = (line: Line) => {
    writeSync(fd, JSON.stringify(line) + '\n');
    lines++;
  };
  return {
    loaded: slots,
    set: (key, slot) => append({ k: key, v: slot.value, e: slot.expiresAt }),
    delete: (key) => append({ k: key, d: 1 }),
    maybeCompact(live) {
      if (lines < Math.max(MIN_COMPACT_LINES, 2 * baseline)) return;
      const temporary = `${path}.tmp-${process.pid}`;
      const out: string[] = [];
      for (const [k, slot] of live()) out.push(JSON.stringify({ k, v: slot.value, e: slot.expiresAt } satisfies Line));
      writeFileSync(temporary, out.length ? out.join('\n') + '\n' : '');
      renameSync(temporary, path);
      closeSync(fd);
      fd = openSync(path, 'a');
      lines = out.length;
      baseline = out.length;
    },
    close: () => closeSync(fd),
  };
}
