// In-memory state for the embedded runtime: TTLs honoured, size bounded (least recently written evicted).
import { StateError } from '../errors.js';
import type { SetOptions, StateStore } from './types.js';

interface Slot {
  value: string;
  expiresAt: number; // 0 = never
}

export function createMemoryState(options: { maxKeys: number; now?: () => number }): StateStore {
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
      write(key, { value, expiresAt: opts.ttlMs ? now() + opts.ttlMs : 0 });
      return true;
    },
    async del(key) {
      check();
      slots.delete(key);
    },
    async incr(key, opts = {}) {
      check();
      const current = live(key);
      const next = (current ? Number(current.value) || 0 : 0) + 1;
      write(key, { value: String(next), expiresAt: opts.ttlMs ? now() + opts.ttlMs : (current?.expiresAt ?? 0) });
      return next;
    },
    async setIfEquals(key, expected, value, opts = {}) {
      check();
      if (live(key)?.value !== expected) return false;
      write(key, { value, expiresAt: opts.ttlMs ? now() + opts.ttlMs : 0 });
      return true;
    },
    async deleteIfEquals(key, expected) {
      check();
      if (live(key)?.value !== expected) return false;
      slots.delete(key);
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
