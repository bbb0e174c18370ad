// `insitu dlq list [--group G] [--limit N] [--json]`: the dead letters on insitu.dlq (oldest first), with why
// each was given up and whether it was replayed.
// `insitu dlq replay [--group G] [--id DEAD_LETTER_ID] [--limit N] [--force]`: re-publishes each dead letter's
// original record (key, value, headers + insitu-replayed-from) to its original topic, once the cause is fixed.
// A replayed dead letter is marked in the state store (Redis, or the embedded runtime's journalled state) and
// skipped by later replays unless --force.
import type { DeadLetter } from '../events/dead-letter.js';
import { readDeadLetters, replayDeadLetters, replayedAt } from '../bus/dead-letter/replay.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { join } from 'node:path';
import { createMemoryState } from '../state/memory.js';
import type { StateStore } from '../state/types.js';
import { flag, option, UsageError } from './args.js';

export interface DlqIo {
  config: Config;
  logger: Logger;
  /** stdout. */
  out?: (text: string) => void;
  /** stderr (notes). */
  err?: (text: string) => void;
  /** A runtime to use instead of opening one from the configuration (the caller closes it). */
  runtime?: Runtime;
  /** How long insitu.dlq must stay quiet before reading stops (default: readDeadLetters'). */
  idleMs?: number;
}

const USAGE = 'dlq list [--group G] [--limit N] [--json] | dlq replay [--group G] [--id DEAD_LETTER_ID] [--limit N] [--force]';

function positive(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} needs a positive integer, not '${raw}'`);
  return n;
}

const cell = (text: string) => text.replace(/[|\n\r]/g, ' ');
const where = (l: DeadLetter) => `${l.original.topic}/${l.original.partition}@${l.original.offset}`;

export function deadLettersTable(rows: { letter: DeadLetter; replayed: string | null }[]): string {
  const line = ({ letter: l, replayed }: { letter: DeadLetter; replayed: string | null }) =>
    `| ${l.dead_letter_id} | ${l.group} | ${where(l)} | ${cell(l.original.key)} | ${l.reason} | ${l.attempts} | ${cell(`${l.error.name}: ${l.error.message}`).slice(0, 160)} | ${l.created_at} | ${replayed ?? '-'} |`;
  return ['| dead letter | group | record | key | reason | attempts | error | at | replayed |', '|---|---|---|---|---|---|---|---|---|', ...rows.map(line)].join('\n');
}

const stdout = (t: string) => void process.stdout.write(t);
const stderr = (t: string) => void process.stderr.write(t);

/**
 * Where replay markers are kept: Redis when configured; on the embedded runtime a journalled store of the dlq's
 * own (INSITU_DATA_DIR/dlq/state), held only while this command runs, so `dlq` never takes the state that a
 * running or starting `insitu up` needs.
 */
function openMarkerState(config: Config): StateStore {
  return createMemoryState({ maxKeys: 100_000, dir: join(config.dataDir, 'dlq', 'state') });
}

export async function dlqCommand(argv: string[], io: DlqIo): Promise<void> {
  const args = [...argv];
  const sub = args.shift();
  if (sub !== 'list' && sub !== 'replay') throw new UsageError(`dlq needs list or replay (${USAGE})`);
  const group = option(args, '--group');
  const limit = positive('--limit', option(args, '--limit'));
  const json = sub === 'list' && flag(args, '--json');
  const id = sub === 'replay' ? option(args, '--id') : undefined;
  const force = sub === 'replay' && flag(args, '--force');
  if (args.length > 0) throw new UsageError(`unexpected argument '${args[0]}' (${USAGE})`);
  const out = io.out ?? stdout;
  const err = io.err ?? stderr;
  const runtime = io.runtime ?? (await openRuntime(io.config, io.logger));
  // A given runtime's state (tests) or Redis is shared; otherwise the markers are this command's own.
  const ownMarkers = !io.runtime && !io.config.redis;
  let markers: StateStore | undefined;
  const state = () => (markers ??= ownMarkers ? openMarkerState(io.config) : runtime.state);
  try {
    const read = { group, id, ...(io.idleMs !== undefined ? { idleMs: io.idleMs } : {}) };
    if (sub === 'list') {
      const { letters, unreadable } = await readDeadLetters(runtime.bus, read);
      const shown = limit === undefined ? letters : letters.slice(0, limit);
      if (json) out(JSON.stringify(shown, null, 2) + '\n');
      else out(deadLettersTable(await Promise.all(shown.map(async (letter) => ({ letter, replayed: await replayedAt(state(), letter.dead_letter_id) })))) + '\n');
      if (unreadable > 0) err(`${unreadable} record(s) on the dead-letter topic are not dead letters; left out\n`);
      return;
    }
    const outcomes = await replayDeadLetters(runtime.bus, { ...read, state: state(), limit, force });
    let replayed = 0;
    for (const o of outcomes) {
      const l = o.letter;
      if (o.status === 'replayed') {
        replayed++;
        out(`replayed ${l.dead_letter_id} (${l.group}, ${l.reason}) -> ${where(l)} key ${l.original.key}\n`);
      } else if (o.status === 'already-replayed') out(`skipped ${l.dead_letter_id}: already replayed at ${o.at} (--force replays it again)\n`);
      else out(`skipped ${l.dead_letter_id}: its value was cut at ${l.original.value.length} of ${l.original.value_bytes} bytes and cannot be replayed\n`);
    }
    out(`${replayed} dead letter(s) replayed, ${outcomes.length - replayed} skipped\n`);
    if (id !== undefined && outcomes.length === 0) throw new UsageError(`no dead letter '${id}'${group ? ` of group ${group}` : ''} on ${'insitu.dlq'}`);
  } finally {
    if (ownMarkers) await markers?.close();
    if (!io.runtime) await runtime.close();
  }
}
