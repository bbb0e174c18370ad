// The outbox: how the proxy publishes without ever losing a turn and without waiting on the bus.
//
// append() writes the record to an append-only spool file (one write(2), so a crash loses at most what the OS
// had not written) and, while the in-memory queue has room, keeps it in memory too. A single publisher loop
// sends batches in append order and advances a persisted cursor once the bus acknowledges them. When the bus
// is unreachable the loop backs off and retries; when the memory queue is full, records are read back from the
// spool file instead, so memory stays bounded however long the outage. On restart, whatever lies past the
// cursor is re-published first, in order. Delivery is at-least-once (a crash between the bus's ack and the
// cursor write re-sends a batch); every event carries its own id for idempotent consumers.
// A spool write that fails (disk full, I/O error) never throws at the caller, whose client is mid-answer: the
// record is kept in memory only (published if the bus takes it, lost on a crash) while the memory queue has
// room, else dropped; either way it is logged and counted (writeFailures).
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync, writeSync, appendFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { RecordRejectedError } from '../errors.js';
import { acquirePidLock, releasePidLock } from '../pid-lock.js';
import type { Logger } from '../log.js';
import { decodeLine, encodeLine } from './record-line.js';
import type { Bus, OutgoingRecord } from './types.js';

const CURSOR_WIDTH = 20;
const ROTATE_BYTES = 64 * 1024 * 1024;
const MAX_DISK_READ = 4 * 1024 * 1024;
const MAX_BACKOFF_MS = 5000;

export interface OutboxOptions {
  dir: string;
  bus: Bus;
  /** Records kept in memory; past this they are read back from the spool file. */
  queueLimit: number;
  batchSize: number;
  lingerMs: number;
  logger: Logger;
}

export interface OutboxStats {
  /** Records appended but not yet acknowledged by the bus. */
  pending: number;
  /** Bytes of the spool file not yet acknowledged. */
  pendingBytes: number;
  /** Records waiting in memory. */
  queued: number;
  /** True while records are being read back from the spool file (memory queue overflowed, or restart). */
  fromDisk: boolean;
  published: number;
  rejected: number;
  /** False after a failed publish, until one succeeds. */
  busHealthy: boolean;
  lastError: string | null;
  /** Spool writes that failed (disk full, I/O error): records kept in memory only, or dropped. */
  writeFailures: number;
  /** Of those, records dropped because the memory queue had no room either. */
  dropped: number;
}

/** Where an appended record went: the spool file (durable), memory only (spool write failed), or nowhere. */
export type AppendResult = 'spooled' | 'memory_only' | 'dropped';

export interface Outbox {
  /** Never throws for a failed spool write (see AppendResult). */
  append(record: OutgoingRecord): AppendResult;
  stats(): OutboxStats;
  /** Resolves true once everything appended so far is acknowledged, false on timeout. */
  drain(timeoutMs: number): Promise<boolean>;
  /** Stops publishing; what is unacknowledged stays in the spool for the next start. */
  close(): Promise<void>;
}

interface SpoolMeta extends Record<string, unknown> {
  t: string;
  k: string;
  h?: Record<string, string>;
  ts?: number;
}

function decodeSpoolLine(line: string): OutgoingRecord {
  const { meta, value } = decodeLine<SpoolMeta>(line);
  return { topic: meta.t, key: meta.k, value, headers: meta.h, timestamp: meta.ts };
}

interface Entry {
  record: OutgoingRecord;
  bytes: number;
}

export function openOutbox(options: OutboxOptions): Outbox {
  const { dir, bus, logger } = options;
  mkdirSync(dir, { recursive: true });
  const lockPath = join(dir, 'outbox.lock');
  // One live process per spool: a second one would interleave cursors and re-send each other's events.
  acquirePidLock(lockPath, (pid) => `the spool in ${dir} is in use by process ${pid}; give each proxy its own INSITU_DATA_DIR`);
  const logFd = openSync(join(dir, 'outbox.log'), 'a+');
  const cursorFd = openSync(join(dir, 'outbox.cursor'), existsSync(join(dir, 'outbox.cursor')) ? 'r+' : 'w+');
  const rejectedPath = join(dir, 'rejected.jsonl');

  let writePos = fstatSync(logFd).size;
  let ackPos = Math.min(readCursor(cursorFd), writePos);
  let pendingCount = 0; // records in [ackPos, writePos) — exact for this process, estimated from bytes after restart
  const memory: Entry[] = [];
  // Records past the memory queue exist only in the file: true after an overflow or a restart with a backlog.
  let overflow = ackPos < writePos;
  if (overflow) {
    pendingCount = countLines(logFd, ackPos, writePos);
    logger.info('re-publishing spooled events from a previous run', { events: pendingCount, bytes: writePos - ackPos });
  }

  const stats = { published: 0, rejected: 0, busHealthy: true, lastError: null as string | null, writeFailures: 0, dropped: 0 };
  let spoolWritable = true;
  // Every record appended is on its way to the bus, from the spool file or (after a failed write) from memory.
  const drained = () => ackPos >= writePos && memory.length === 0;
  let wake: (() => void) | undefined;
  let sleeping: 'idle' | 'linger' | 'backoff' | undefined;
  let closing = false;
  let splitRemaining = 0; // after a rejected batch, records go one by one to isolate the bad one
  const drainWaiters = new Set<() => void>();

  function persistCursor() {
    const text = String(ackPos).padStart(CURSOR_WIDTH, '0');
    writeSync(cursorFd, text, 0, 'ascii');
    if (drained()) for (const resolve of drainWaiters) resolve();
  }

  function maybeRotate() {
    if (ackPos === writePos && writePos > ROTATE_BYTES && memory.length === 0) {
      ftruncateSync(logFd, 0);
      ackPos = writePos = 0;
      persistCursor();
    }
  }

  function nextBatch(limit: number): { entries: Entry[]; fromMemory: boolean } {
    if (memory.length > 0) return { entries: memory.slice(0, limit), fromMemory: true };
    if (ackPos >= writePos) return { entries: [], fromMemory: false };
    const length = Math.min(writePos - ackPos, MAX_DISK_READ);
    const buffer = Buffer.allocUnsafe(length);
    const read = readSync(logFd, buffer, 0, length, ackPos);
    const entries: Entry[] = [];
    let start = 0;
    while (entries.length < limit) {
      const newline = buffer.indexOf(10, start);
      if (newline < 0 || newline >= read) break;
      entries.push({ record: decodeSpoolLine(buffer.toString('utf8', start, newline)), bytes: newline + 1 - start });
      start = newline + 1;
    }
    if (entries.length === 0 && read > 0) {
      // A single line larger than MAX_DISK_READ: read it whole.
      const whole = Buffer.allocUnsafe(writePos - ackPos);
      readSync(logFd, whole, 0, whole.length, ackPos);
      const newline = whole.indexOf(10);
      entries.push({ record: decodeSpoolLine(whole.toString('utf8', 0, newline)), bytes: newline + 1 });
    }
    return { entries, fromMemory: false };
  }

  function acknowledge(entries: Entry[], fromMemory: boolean) {
    if (fromMemory) memory.splice(0, entries.length);
    for (const e of entries) ackPos += e.bytes;
    pendingCount = Math.max(0, pendingCount - entries.length);
    persistCursor();
    if (memory.length === 0 && ackPos >= writePos) overflow = false;
    maybeRotate();
  }

  function reject(entry: Entry, error: unknown) {
    stats.rejected++;
    appendFileSync(rejectedPath, JSON.stringify({ at: new Date().toISOString(), reason: (error as Error).message, topic: entry.record.topic, key: entry.record.key, value: entry.record.value }) + '\n');
    logger.error('bus refused an event; kept in rejected.jsonl', { topic: entry.record.topic, key: entry.record.key, error });
  }

  const sleep = (ms: number, reason: 'idle' | 'linger' | 'backoff') =>
    new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        wake = undefined;
        sleeping = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      wake = finish;
      sleeping = reason;
    });

  const loop = (async () => {
    let failures = 0;
    while (!closing) {
      if (drained()) {
        await sleep(60_000, 'idle');
        continue;
      }
      // Linger briefly so a burst goes out as one batch.
      if (options.lingerMs > 0 && memory.length > 0 && memory.length < options.batchSize && failures === 0) await sleep(options.lingerMs, 'linger');
      const limit = splitRemaining > 0 ? 1 : options.batchSize;
      const { entries, fromMemory } = nextBatch(limit);
      if (entries.length === 0) continue;
      try {
        await bus.publish(entries.map((e) => e.record));
        if (!stats.busHealthy) logger.info('bus reachable again; publishing resumed', { pending: pendingCount });
        stats.busHealthy = true;
        stats.lastError = null;
        stats.published += entries.length;
        failures = 0;
        if (splitRemaining > 0) splitRemaining--;
        acknowledge(entries, fromMemory);
      } catch (error) {
        if (error instanceof RecordRejectedError) {
          if (entries.length > 1) {
            splitRemaining = entries.length;
          } else {
            reject(entries[0]!, error);
            if (splitRemaining > 0) splitRemaining--;
            acknowledge(entries, fromMemory);
          }
          continue;
        }
        failures++;
        if (stats.busHealthy) logger.warn('bus unreachable; events stay in the spool until it returns', { error, pending: pendingCount });
        stats.busHealthy = false;
        stats.lastError = (error as Error).message;
        if (closing) break;
        await sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(failures, 6)), 'backoff');
      }
    }
  })();

  return {
    append(record: OutgoingRecord): AppendResult {
      const meta: SpoolMeta = { t: record.topic, k: record.key, ts: record.timestamp ?? Date.now() };
      if (record.headers) meta.h = record.headers;
      const text = encodeLine(meta, record.value);
      const bytes = Buffer.byteLength(text);
      const failure = writeWhole(logFd, text, bytes, writePos);
      let result: AppendResult = 'spooled';
      if (failure) {
        stats.writeFailures++;
        // Memory only while the queue mirrors the file (no overflow): its order and byte accounting stay true.
        result = !overflow && memory.length < options.queueLimit ? 'memory_only' : 'dropped';
        if (result === 'dropped') stats.dropped++;
        if (spoolWritable) logger.error('spool write failed; events are kept in memory only (or dropped once it is full) until writes succeed', { code: failure.code ?? null, error: failure.message, topic: record.topic });
        spoolWritable = false;
        if (result === 'dropped') return result;
        memory.push({ record: { ...record, timestamp: meta.ts }, bytes: 0 });
      } else {
        if (!spoolWritable) logger.info('spool writable again', { writeFailures: stats.writeFailures, dropped: stats.dropped });
        spoolWritable = true;
        writePos += bytes;
        if (!overflow && memory.length < options.queueLimit) {
          memory.push({ record: { ...record, timestamp: meta.ts }, bytes });
        } else {
          if (!overflow) logger.warn('publish queue full; reading events back from the spool file', { queueLimit: options.queueLimit });
          overflow = true;
        }
      }
      pendingCount++;
      // Wake an idle loop at once, a lingering one when its batch is full; never cut a back-off short.
      if (sleeping === 'idle' || (sleeping === 'linger' && memory.length >= options.batchSize)) wake?.();
      return result;
    },
    stats() {
      return {
        pending: pendingCount,
        pendingBytes: writePos - ackPos,
        queued: memory.length,
        fromDisk: overflow,
        published: stats.published,
        rejected: stats.rejected,
        busHealthy: stats.busHealthy,
        lastError: stats.lastError,
        writeFailures: stats.writeFailures,
        dropped: stats.dropped,
      };
    },
    drain(timeoutMs: number) {
      if (drained()) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const done = (value: boolean) => {
          clearTimeout(timer);
          drainWaiters.delete(onDrained);
          resolve(value);
        };
        const onDrained = () => done(true);
        const timer = setTimeout(() => done(drained()), timeoutMs);
        drainWaiters.add(onDrained);
        wake?.();
      });
    },
    async close() {
      if (closing) return;
      closing = true;
      wake?.();
      await loop;
      persistCursor();
      closeSync(logFd);
      closeSync(cursorFd);
      releasePidLock(lockPath);
    },
  };
}

/**
 * Appends one line with a single write(2); on failure (an error or a short write, as on a full disk) cuts off
 * any part written so the next line starts clean, and returns the error.
 */
function writeWhole(fd: number, text: string, bytes: number, at: number): NodeJS.ErrnoException | null {
  try {
    const written = writeSync(fd, text);
    if (written === bytes) return null;
    throw Object.assign(new Error(`short write: ${written} of ${bytes} bytes`), { code: 'ESHORTWRITE' });
  } catch (error) {
    try {
      ftruncateSync(fd, at);
    } catch {
      // not truncatable (a device): nothing was written there anyway
    }
    return error as NodeJS.ErrnoException;
  }
}

function readCursor(fd: number): number {
  const buffer = Buffer.alloc(CURSOR_WIDTH);
  const read = readSync(fd, buffer, 0, CURSOR_WIDTH, 0);
  const value = Number(buffer.toString('ascii', 0, read).trim() || '0');
  return Number.isFinite(value) && value >= 0 ? value : 0;
}

function countLines(fd: number, from: number, to: number): number {
  let count = 0;
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  for (let pos = from; pos < to; ) {
    const read = readSync(fd, buffer, 0, Math.min(buffer.length, to - pos), pos);
    if (read <= 0) break;
    for (let i = 0; i < read; i++) if (buffer[i] === 10) count++;
    pos += read;
  }
  return count;
}

