// In-memory state for the embedded runtime: TTLs honoured, size bounded (least recently written evicted).
// With a journal file (createStateStore passes <INSITU_DATA_DIR>/state/memory.jsonl) every write is journalled
// and replayed on open, so jobs, leases, routes and records survive a restart; a pid lock keeps a second
// process off the same file, and opens of the same file within one process share one store (like two clients
// of one Redis).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { StateError } from '../errors.js';
import { acquirePidLock, releasePidLock } from '../pid-lock.js';
import { openJournal, type Journal, type JournalSlot } from './journal.js';
import type { SetOptions, StateStore } from './types.js';

type Slot = JournalSlot;

export interface MemoryStateOptions {
  maxKeys: number;
  now?: () => number;
  /** Folder for the journal and its lock (state survives restarts); unset: nothing is kept. */
  dir?: string;
  /** Keys under these prefixes are never written to the journal (they hold secrets' hashes: virtual API keys). */
  unjournalled?: readonly string[];
  /** When set, only keys under these prefixes are journalled: what must survive a restart, not hot-path caches. */
  durable?: readonly string[];
}

const JOURNAL_FILE = 'memory.jsonl';
const LOCK_FILE = 'memory.lock';

/** Journalled stores open in this process, by folder, with how many handles share each. */
const shared = new Map<string, { store: StateStore; handles: number }>();

export function createMemoryState(options: MemoryStateOptions): StateStore {
  if (options.dir === undefined) return openStore(options, undefined);
  const dir = options.dir;
  let entry = shared.get(dir);
  if (!entry) {
    const lock = join(dir, LOCK_FILE);
    const journal = openLockedJournal(dir, lock);
    const inner = openStore(options, journal);
    entry = { store: inner, handles: 0 };
    shared.set(dir, entry);
    const closeInner = inner.close.bind(inner);
    inner.close = async () => {
      shared.delete(dir);
      await closeInner();
      journal.close();
      releasePidLock(lock);
    };
  }
  entry.handles++;
  const held = entry;
  let closed = false;
  // Each caller gets its own handle: closing it closes the store only when it is the last one.
  return {
    ...held.store,
    kind: 'memory',
    async close() {
      if (closed) return;
      closed = true;
      if (--held.handles === 0) await held.store.close();
    },
  };
}

function openLockedJournal(dir: string, lock: string): Journal {
  mkdirSync(dir, { recursive: true });
  acquirePidLock(lock, (pid) => `the state in ${dir} is in use by process ${pid}: one process per INSITU_DATA_DIR on the embedded runtime (or set INSITU_REDIS_URL to share state)`);
  try {
    return openJournal(join(dir, JOURNAL_FILE));
  } catch (error) {
    releasePidLock(lock);
    throw error;
  }
}

function openStore(options: MemoryStateOptions, journal: Journal | undefined): StateStore {
  const now = options.now ?? Date.now;
  const slots = new Map<string, Slot>();
  let closed = false;

  const live = (key: string): Slot | undefined => {
    const slot = slots.get(key);
    if (slot && slot.expiresAt !== 0 && slot.expiresAt <= now()) {
      slots.delete(key);
      return undefined;
    }
    return slot;
  };
  const write = (key: string, slot: Slot) => {
    slots.delete(key); // re-insert so Map order is write order
    slots.set(key, slot);
    if (slots.size > options.maxKeys) {
      // Evict the oldest 1 % in one pass: one iterator per eviction round instead of one per write.
      let excess = slots.size - options.maxKeys + Math.ceil(options.maxKeys / 100);
      for (const k of slots.keys()) {
        if (excess-- <= 0) break;
        slots.delete(k);
      }
    }
  };
  const skipped = options.unjournalled ?? [];
  const durable = options.durable;
  const journalled = (key: string) =>
    journal !== undefined && !skipped.some((p) => key.startsWith(p)) && (durable === undefined || durable.some((p) => key.startsWith(p)));
  const remove = (key: string) => {
    slots.delete(key);
    if (journalled(key)) journal!.delete(key);
  };
  /** A write the journal records too (replay re-applies it, evictions included). */
  const store = (key: string, slot: Slot) => {
    write(key, slot);
    if (!journal || !journalled(key)) return;
    journal.set(key, slot);
    journal.maybeCompact(() => [...slots].filter(([k]) => journalled(k)));
  };
  if (journal) {
    const t = now();
    for (const [k, slot] of journal.loaded) if (slot.expiresAt === 0 || slot.expiresAt > t) write(k, slot);
  }
  const check = () => {
    if (closed) throw new StateError('memory state is closed');
  };
  // Expired keys are also dropped in the background so an idle process does not hold them.
  const sweeper = setInterval(() => {
    const t = now();
    for (const [k, s] of slots) if (s.expiresAt !== 0 && s.expiresAt <= t) slots.delete(k);
  }, 60_000);
  sweeper.unref();

  return {
    kind: 'memory',
    async get(key) {
      check();
      return live(key)?.value ?? null;
    },
    async set(key, value, opts: SetOptions = {}) {
      check();
      if (opts.onlyIfAbsent && live(key)) return false;
      store(key, { value, expiresAt: opts.ttlMs ? now() + opts.ttlMs : 0 });
      return true;
    },
    async del(key) {
      check();
      remove(key);
    },
    async incr(key, opts = {}) {
      check();
      const current = live(key);
      const next = (current ? Number(current.value) || 0 : 0) + 1;
      store(key, { value: String(next), expiresAt: opts.ttlMs ? now() + opts.ttlMs : (current?.expiresAt ?? 0) });
      return next;
    },
    async setIfEquals(key, expected, value, opts = {}) {
      check();
      if (live(key)?.value !== expected) return false;
      store(key, { value, expiresAt: opts.ttlMs ? now() + opts.ttlMs : 0 });
      return true;
    },
    async deleteIfEquals(key, expected) {
      check();
      if (live(key)?.value !== expected) return false;
      remove(key);
      return true;
    },
    async ping() {
      check();
    },
    async close() {
      closed = true;
      clearInterval(sweeper);
      slots.clear();
    },
  };
}
