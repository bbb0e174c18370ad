// `insitu ingest`: replays historical conversations through insitu.turns as if they were live (original
// timestamps on the events and on the bus records), so the same consumers detect feedback and build pairs
// from the past. Resumable: after each published batch a checkpoint under INSITU_DATA_DIR/ingest records the
// input's identity and the last line done; a rerun skips what is done. Ids are deterministic, so the lines
// published between the last checkpoint and a crash are recognised downstream as re-deliveries.
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { Bus, OutgoingRecord } from '../bus/types.js';
import type { TurnEvent } from '../events/turn.js';
import { digest } from '../ids.js';
import type { Redactor } from '../redact/index.js';
import { TOPICS } from '../topics.js';
import { readHistoricalConversation } from './read.js';
import { historicalTurns } from './turns.js';

export interface IngestCheckpoint {
  input: string;
  size: number;
  mtime_ms: number;
  tenant: string;
  /** Input lines fully published. */
  line: number;
  conversations: number;
  turns: number;
  skipped: number;
}

export interface IngestProgress {
  bytes: number;
  totalBytes: number;
  /** Bytes an earlier run had done (skipped on resume): rate and ETA count only this run's work. */
  startBytes: number;
  /** Seconds since this run started publishing (after skipping what an earlier run did). */
  seconds: number;
  conversations: number;
  turns: number;
  /** Turns published by this run. */
  turnsThisRun: number;
}

export interface IngestResult extends IngestCheckpoint {
  /** Lines skipped because an earlier run had done them. */
  resumedFrom: number;
  seconds: number;
  checkpointFile: string;
}

export function checkpointFile(dataDir: string, input: string, tenant: string): string {
  return join(dataDir, 'ingest', `${digest(`${resolve(input)}>${tenant}`)}.json`);
}

function readCheckpoint(file: string, identity: Pick<IngestCheckpoint, 'input' | 'size' | 'mtime_ms' | 'tenant'>): IngestCheckpoint | null {
  if (!existsSync(file)) return null;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as IngestCheckpoint;
    // A changed input (edited, replaced) starts over rather than skipping lines that are not the same lines.
    return saved.input === identity.input && saved.size === identity.size && saved.mtime_ms === identity.mtime_ms && saved.tenant === identity.tenant ? saved : null;
  } catch {
    return null;
  }
}

function writeCheckpoint(file: string, checkpoint: IngestCheckpoint): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(checkpoint));
  renameSync(`${file}.tmp`, file); // atomic: a crash leaves the old checkpoint or the new one
}

const record = (turn: TurnEvent): OutgoingRecord => ({
  topic: TOPICS.turns,
  key: turn.conversation_id,
  value: JSON.stringify(turn),
  headers: { 'insitu-schema': 'insitu.turn', 'insitu-version': String(turn.version), 'insitu-event-id': turn.turn_id, 'insitu-ingested': '1' },
  timestamp: Date.parse(turn.created_at),
});

export async function ingestCorpus(options: {
  input: string;
  bus: Bus;
  dataDir: string;
  tenant: string;
  /** Turns per publish call. */
  batchSize?: number;
  /** Ignore a checkpoint and start from the first line. */
  restart?: boolean;
  progress?: (p: IngestProgress) => void;
  /** When undated conversations happened (default: the input file's modification time). */
  fallbackAt?: number;
  /** PII redaction (INSITU_REDACT) of each historical turn before it is published. */
  redactor?: Redactor;
}): Promise<IngestResult> {
  const started = performance.now();
  const input = resolve(options.input);
  const stat = statSync(input);
  const identity = { input, size: stat.size, mtime_ms: Math.floor(stat.mtimeMs), tenant: options.tenant };
  const file = checkpointFile(options.dataDir, input, options.tenant);
  const previous = options.restart ? null : readCheckpoint(file, identity);
  const state: IngestCheckpoint = previous ? { ...previous } : { ...identity, line: 0, conversations: 0, turns: 0, skipped: 0 };
  const resumedFrom = state.line;
  const batchSize = options.batchSize ?? 500;

  let pending: OutgoingRecord[] = [];
  let pendingLine = state.line;
  let pendingCounts = { conversations: 0, turns: 0, skipped: 0 };
  const flush = async () => {
    if (pending.length > 0) await options.bus.publish(pending);
    state.line = pendingLine;
    state.conversations += pendingCounts.conversations;
    state.turns += pendingCounts.turns;
    state.skipped += pendingCounts.skipped;
    writeCheckpoint(file, state);
    pending = [];
    pendingCounts = { conversations: 0, turns: 0, skipped: 0 };
  };

  const stream = createReadStream(input);
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNumber = 0;
  let lastProgress = 0;
  let resumedAt: { bytes: number; t: number; turns: number } | undefined;
  for await (const line of lines) {
    lineNumber++;
    if (lineNumber <= resumedFrom) continue;
    resumedAt ??= { bytes: stream.bytesRead, t: performance.now(), turns: state.turns };
    pendingLine = lineNumber;
    if (line.trim() === '') continue;
    const conversation = readHistoricalConversation(line, lineNumber);
    if (!conversation) {
      pendingCounts.skipped++;
      continue;
    }
    // Undated conversations take the input file's modification time: stable across reruns (so are their ids).
    const turns = historicalTurns(conversation, { tenant: options.tenant, fallbackAt: options.fallbackAt ?? identity.mtime_ms, redactor: options.redactor });
    pendingCounts.conversations++;
    pendingCounts.turns += turns.length;
    pending.push(...turns.map(record));
    if (pending.length >= batchSize) await flush();
    const t = performance.now();
    if (options.progress && t - lastProgress > 250) {
      lastProgress = t;
      const turns = state.turns + pendingCounts.turns;
      options.progress({
        bytes: stream.bytesRead, totalBytes: stat.size, startBytes: resumedFrom > 0 ? resumedAt.bytes : 0, seconds: (t - resumedAt.t) / 1000,
        conversations: state.conversations + pendingCounts.conversations, turns, turnsThisRun: turns - resumedAt.turns,
      });
    }
  }
  await flush();
  return { ...state, resumedFrom, seconds: (performance.now() - started) / 1000, checkpointFile: file };
}
