// The embedded bus: Kafka's model (topics, keyed partitions, consumer groups with committed offsets) in one
// process, durable to files under <dataDir>/bus so a restart resumes where it left off.
//
// Layout: topics/<topic>/meta.json ({partitions}), topics/<topic>/<partition>.log (one line per record, see record-line.ts); groups/<group>.json ({"<topic>/<partition>": next offset}). An offset is the byte position
// of a record's line, so offsets increase within a partition and need no index. Appends are single write(2)
// calls on O_APPEND descriptors: a crash loses at most what the OS had not written, and another process
// (`insitu tap`) can follow the files; readers consume only complete lines.
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeFileSync, writeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { EventEmitter, setMaxListeners } from 'node:events';
import { BusError } from '../errors.js';
import type { Logger } from '../log.js';
import { partitionForKey } from './partitioner.js';
import { decodeLine, encodeLine } from './record-line.js';
import type { Bus, DeliveredRecord, OutgoingRecord, SubscribeOptions, Subscription, TopicSpec } from './types.js';

const NAME = /^[A-Za-z0-9._-]{1,200}$/;
const MAX_READ = 1024 * 1024;
const POLL_MS = 250;
const RETRY_MS = 500;

interface StoredMeta extends Record<string, unknown> {
  k: string;
  h?: Record<string, string>;
  ts: number;
}

interface Partition {
  fd: number;
  path: string;
}

interface Topic {
  partitions: Partition[];
}

export interface EmbeddedBusOptions {
  dataDir: string;
  defaultPartitions: number;
  logger: Logger;
  pollMs?: number;
  /** Partitions one member hands to its handler at once (INSITU_CONSUMER_CONCURRENCY, as kafkajs's
   * partitionsConsumedConcurrently); each partition stays sequential, so order per key is kept. Default 1. */
  concurrency?: number;
}

export function createEmbeddedBus(options: EmbeddedBusOptions): Bus {
  const root = join(options.dataDir, 'bus');
  const topicsDir = join(root, 'topics');
  const groupsDir = join(root, 'groups');
  mkdirSync(topicsDir, { recursive: true });
  mkdirSync(groupsDir, { recursive: true });
  const topics = new Map<string, Topic>();
  const appended = new EventEmitter();
  appended.setMaxListeners(0);
  const groups = new Map<string, GroupState>();
  const pollMs = options.pollMs ?? POLL_MS;
  let closed = false;

  const checkName = (kind: string, name: string) => {
    if (!NAME.test(name) || name === '.' || name === '..') throw new BusError(`invalid ${kind} name '${name}'`);
  };

  function openTopic(name: string, partitionsIfNew: number): Topic {
    const existing = topics.get(name);
    if (existing) return existing;
    checkName('topic', name);
    const dir = join(topicsDir, name);
    const metaPath = join(dir, 'meta.json');
    let partitions = partitionsIfNew;
    if (existsSync(metaPath)) {
      partitions = (JSON.parse(readFileSync(metaPath, 'utf8')) as { partitions: number }).partitions;
    } else {
      mkdirSync(dir, { recursive: true });
      writeFileSync(metaPath + '.tmp', JSON.stringify({ partitions }));
      renameSync(metaPath + '.tmp', metaPath);
    }
    const topic: Topic = { partitions: [] };
    for (let p = 0; p < partitions; p++) {
      const path = join(dir, `${p}.log`);
      topic.partitions.push({ fd: openSync(path, 'a+'), path });
    }
    topics.set(name, topic);
    return topic;
  }

  function readGroupOffsets(group: string): Record<string, number> {
    const path = join(groupsDir, `${group}.json`);
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>) : {};
  }

  function groupState(group: string): GroupState {
    let state = groups.get(group);
    if (!state) {
      checkName('group', group);
      state = { offsets: readGroupOffsets(group), members: [], ephemeral: false };
      groups.set(group, state);
    }
    return state;
  }

  function commit(group: string, state: GroupState) {
    if (state.ephemeral) return;
    const path = join(groupsDir, `${group}.json`);
    writeFileSync(path + '.tmp', JSON.stringify(state.offsets));
    renameSync(path + '.tmp', path);
  }

  /** Reads complete lines from `position`; returns the records and the position after the last one. */
  function readBatch(topic: string, partition: number, part: Partition, position: number): { records: DeliveredRecord[]; next: number } {
    const size = fstatSync(part.fd).size;
    if (position >= size) return { records: [], next: position };
    let length = Math.min(size - position, MAX_READ);
    let buffer = Buffer.allocUnsafe(length);
    let read = readSync(part.fd, buffer, 0, length, position);
    let end = buffer.lastIndexOf(10, read - 1);
    while (end < 0 && position + read < size) {
      // A line longer than MAX_READ: grow until it is complete.
      length = Math.min(size - position, length * 2);
      buffer = Buffer.allocUnsafe(length);
      read = readSync(part.fd, buffer, 0, length, position);
      end = buffer.lastIndexOf(10, read - 1);
    }
    if (end < 0) return { records: [], next: position }; // only a partial line so far
    const records: DeliveredRecord[] = [];
    let start = 0;
    while (start <= end) {
      const newline = buffer.indexOf(10, start);
      const { meta, value } = decodeLine<StoredMeta>(buffer.toString('utf8', start, newline));
      records.push({ topic, partition, offset: String(position + start), key: meta.k, value, headers: meta.h ?? {}, timestamp: meta.ts });
      start = newline + 1;
    }
    return { records, next: position + end + 1 };
  }

  function waitForAppend(topic: string, partition: number, stop: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const event = `${topic}/${partition}`;
      const done = () => {
        clearTimeout(timer);
        appended.off(event, done);
        stop.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, pollMs);
      appended.on(event, done);
      stop.addEventListener('abort', done);
    });
  }

  function startMember(member: Member, group: string, state: GroupState, subscription: SubscribeOptions) {
    const slots = createSlots(options.concurrency ?? 1);
    for (const { topic, partition } of member.assigned) {
      const part = openTopic(topic, options.defaultPartitions).partitions[partition]!;
      const key = `${topic}/${partition}`;
      if (state.offsets[key] === undefined) {
        state.offsets[key] = subscription.fromLast !== undefined ? startOfLast(part.fd, subscription.fromLast) : subscription.fromBeginning ? 0 : fstatSync(part.fd).size;
        commit(group, state);
      }
      const loop = (async () => {
        while (!member.stop.signal.aborted) {
          const position = state.offsets[key]!;
          const { records, next } = readBatch(topic, partition, part, position);
          if (records.length === 0) {
            await waitForAppend(topic, partition, member.stop.signal);
            continue;
          }
          try {
            // A member stopped while waiting for a slot hands nothing more to its handler.
            const handled = await slots.run(async () => (member.stop.signal.aborted ? false : (await subscription.handler(records), true)));
            if (!handled) break;
          } catch (error) {
            subscription.onError?.(error, records);
            if (!subscription.onError) options.logger.warn('handler failed; retrying batch', { group, topic, partition, error });
            await sleep(RETRY_MS, member.stop.signal);
            continue;
          }
          state.offsets[key] = next;
          commit(group, state);
        }
      })();
      member.loops.push(loop);
    }
  }

  /** Splits every partition of the group's topics among its members (round-robin), restarting loops. */
  async function rebalance(group: string, state: GroupState) {
    for (const member of state.members) {
      member.stop.abort();
      await Promise.allSettled(member.loops);
      member.loops = [];
      member.assigned = [];
      member.stop = stopController();
    }
    const active = state.members.filter((m) => !m.leaving);
    const all = new Set<string>();
    for (const m of active) for (const t of m.options.topics) all.add(t);
    const slots: { topic: string; partition: number }[] = [];
    for (const t of [...all].sort()) {
      const topic = openTopic(t, options.defaultPartitions);
      for (let p = 0; p < topic.partitions.length; p++) slots.push({ topic: t, partition: p });
    }
    let i = 0;
    for (const slot of slots) {
      const candidates = active.filter((m) => m.options.topics.includes(slot.topic));
      if (candidates.length === 0) continue;
      candidates[i++ % candidates.length]!.assigned.push(slot);
    }
    for (const m of active) startMember(m, group, state, m.options);
  }

  return {
    kind: 'embedded',
    async ensureTopics(specs: TopicSpec[]) {
      for (const spec of specs) openTopic(spec.name, spec.partitions);
    },
    async publish(records: OutgoingRecord[]) {
      if (closed) throw new BusError('embedded bus is closed');
      // Group per partition so each partition gets one write(2).
      const batches = new Map<Partition, { topic: string; partition: number; lines: string[] }>();
      for (const record of records) {
        const topic = openTopic(record.topic, options.defaultPartitions);
        const partition = partitionForKey(record.key, topic.partitions.length);
        const part = topic.partitions[partition]!;
        let batch = batches.get(part);
        if (!batch) batches.set(part, (batch = { topic: record.topic, partition, lines: [] }));
        const meta: StoredMeta = { k: record.key, ts: record.timestamp ?? Date.now() };
        if (record.headers) meta.h = record.headers;
        batch.lines.push(encodeLine(meta, record.value));
      }
      for (const [part, batch] of batches) {
        writeSync(part.fd, batch.lines.join(''));
        appended.emit(`${batch.topic}/${batch.partition}`);
      }
    },
    async subscribe(subscribeOptions: SubscribeOptions): Promise<Subscription> {
      if (closed) throw new BusError('embedded bus is closed');
      for (const t of subscribeOptions.topics) openTopic(t, options.defaultPartitions);
      const state = groupState(subscribeOptions.group);
      state.ephemeral = subscribeOptions.ephemeral === true;
      const member: Member = { options: subscribeOptions, assigned: [], loops: [], stop: stopController(), leaving: false };
      state.members.push(member);
      await rebalance(subscribeOptions.group, state);
      return {
        close: async () => {
          if (member.leaving) return;
          member.leaving = true;
          await rebalance(subscribeOptions.group, state);
          state.members = state.members.filter((m) => m !== member);
        },
      };
    },
    async endOffsets(topic) {
      if (closed) throw new BusError('embedded bus is closed');
      // An offset is a byte position, so the next record's is the log's size.
      return new Map(openTopic(topic, options.defaultPartitions).partitions.map((p, i) => [i, String(fstatSync(p.fd).size)] as const));
    },
    async ping() {
      if (closed) throw new BusError('embedded bus is closed');
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const state of groups.values()) {
        for (const m of state.members) m.stop.abort();
        await Promise.allSettled(state.members.flatMap((m) => m.loops));
      }
      for (const topic of topics.values()) for (const p of topic.partitions) closeSync(p.fd);
      topics.clear();
    },
  };
}

interface Member {
  options: SubscribeOptions;
  assigned: { topic: string; partition: number }[];
  loops: Promise<void>[];
  stop: AbortController;
  leaving: boolean;
}

interface GroupState {
  ephemeral: boolean;
  offsets: Record<string, number>;
  members: Member[];
}

/** At most `limit` runs at once; the others wait their turn in arrival order. */
function createSlots(limit: number) {
  let free = limit;
  const waiting: (() => void)[] = [];
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await fn();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else free++;
      }
    },
  };
}

/** The offset (byte position) of the first of the last `n` complete lines of a partition file. */
function startOfLast(fd: number, n: number): number {
  const size = fstatSync(fd).size;
  if (n <= 0) return size; // like a group starting with new records only
  const chunk = Buffer.allocUnsafe(64 * 1024);
  let newlines = 0;
  // Reading backwards, the (n+1)-th newline from the end closes the line before the first of the last n
  // lines; the newline that ends the last complete line is the first one met (a partial line has none).
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    const read = readSync(fd, chunk, 0, end - start, start);
    for (let i = read - 1; i >= 0; i--) {
      if (chunk[i] !== 10) continue;
      if (++newlines === n + 1) return start + i + 1;
    }
    end = start;
  }
  return 0;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal.addEventListener('abort', wake, { once: true });
  });
}

/** A member's stop signal: every partition loop of the member waits on it at once. */
function stopController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
