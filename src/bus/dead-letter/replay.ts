// Reading insitu.dlq and replaying dead letters. The topic is read from the beginning with an ephemeral
// subscription (no committed offsets) until it stays quiet for a moment: the bus has no "end of topic" call,
// and a DLQ is small. A replay re-publishes the original key, value and headers to the original topic, with
// the header insitu-replayed-from naming the dead letter, and marks the dead letter replayed in state, so a
// second replay skips it unless forced. Every consumer is idempotent to a re-delivered record (deterministic
// ids, done markers), so a replayed record that another group had already handled changes nothing there.
import { randomBytes } from 'node:crypto';
import type { DeadLetter } from '../../events/dead-letter.js';
import { validateDeadLetter } from '../../events/validate.js';
import type { StateStore } from '../../state/types.js';
import { TOPICS } from '../../topics.js';
import type { Bus, OutgoingRecord } from '../types.js';

export const REPLAYED_FROM_HEADER = 'insitu-replayed-from';
const MARKER_TTL_MS = 90 * 24 * 3600_000;
const replayedKey = (id: string) => `insitu:dlq:replayed:${id}`;

export interface ReadDeadLettersOptions {
  /** Only dead letters of this consumer group. */
  group?: string;
  /** Only this dead letter. */
  id?: string;
  /** How long the topic must stay quiet before reading stops. Default 2000 ms (Kafka), 300 ms (embedded). */
  idleMs?: number;
  /** Longest the whole read may take. Default 60 s. */
  timeoutMs?: number;
}

/** The dead letters on insitu.dlq in the order read (per original key: in order), each id once. */
export async function readDeadLetters(bus: Bus, options: ReadDeadLettersOptions = {}): Promise<{ letters: DeadLetter[]; unreadable: number }> {
  const idleMs = options.idleMs ?? (bus.kind === 'kafka' ? 2000 : 300);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const letters = new Map<string, DeadLetter>();
  let unreadable = 0;
  let lastActivity = Date.now();
  const subscription = await bus.subscribe({
    group: `insitu-dlq-reader-${randomBytes(4).toString('hex')}`,
    topics: [TOPICS.dlq],
    fromBeginning: true,
    ephemeral: true,
    handler: async (records) => {
      lastActivity = Date.now();
      for (const r of records) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(r.value);
        } catch {
          unreadable++;
          continue;
        }
        const valid = validateDeadLetter(parsed);
        if (!valid.ok) {
          unreadable++;
          continue;
        }
        const letter = valid.value;
        if (options.group !== undefined && letter.group !== options.group) continue;
        if (options.id !== undefined && letter.dead_letter_id !== options.id) continue;
        if (!letters.has(letter.dead_letter_id)) letters.set(letter.dead_letter_id, letter);
      }
    },
  });
  try {
    const started = Date.now();
    lastActivity = Math.max(lastActivity, started);
    while (Date.now() - lastActivity < idleMs && Date.now() - started < timeoutMs) await new Promise((r) => setTimeout(r, 50));
  } finally {
    await subscription.close();
  }
  return { letters: [...letters.values()], unreadable };
}

export async function replayedAt(state: StateStore, id: string): Promise<string | null> {
  return state.get(replayedKey(id));
}

export interface ReplayOptions extends ReadDeadLettersOptions {
  /** Where replay markers are kept. */
  state: StateStore;
  /** At most this many dead letters are replayed (the oldest first). */
  limit?: number;
  /** Replay dead letters already replayed too. */
  force?: boolean;
}

export type ReplayOutcome =
  | { letter: DeadLetter; status: 'replayed' }
  | { letter: DeadLetter; status: 'already-replayed'; at: string }
  /** The stored value was cut (too large): re-publishing it would only fail again. */
  | { letter: DeadLetter; status: 'truncated' };

export function replayRecord(letter: DeadLetter): OutgoingRecord {
  const o = letter.original;
  return { topic: o.topic, key: o.key, value: o.value, headers: { ...o.headers, [REPLAYED_FROM_HEADER]: letter.dead_letter_id } };
}

/** Re-publishes the matching dead letters to their original topics (one publish, in order), then marks them. */
export async function replayDeadLetters(bus: Bus, options: ReplayOptions): Promise<ReplayOutcome[]> {
  const { letters } = await readDeadLetters(bus, options);
  const outcomes: ReplayOutcome[] = [];
  const chosen: DeadLetter[] = [];
  for (const letter of letters) {
    if (options.limit !== undefined && chosen.length >= options.limit) break;
    if (letter.original.value_truncated) {
      outcomes.push({ letter, status: 'truncated' });
      continue;
    }
    const at = options.force ? null : await replayedAt(options.state, letter.dead_letter_id);
    if (at) {
      outcomes.push({ letter, status: 'already-replayed', at });
      continue;
    }
    chosen.push(letter);
    outcomes.push({ letter, status: 'replayed' });
  }
  if (chosen.length === 0) return outcomes;
  await bus.publish(chosen.map(replayRecord));
  const now = new Date().toISOString();
  await Promise.all(chosen.map((l) => options.state.set(replayedKey(l.dead_letter_id), now, { ttlMs: MARKER_TTL_MS })));
  return outcomes;
}
