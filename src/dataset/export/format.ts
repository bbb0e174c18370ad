// What every export format is: which store records it reads, the file it writes under --out, how it turns
// one record into one line (or says why it cannot), and a validator of its lines that `insitu export` runs on
// every line before writing it and the tests run on every line written.
import type { ChatMessage } from '../../events/chat.js';
import type { PreferencePair } from '../../events/preference.js';
import type { DatasetKind, RecordOf } from '../layout.js';

export type Conversion<L> = { ok: true; line: L } | { ok: false; reason: string };

export interface ExportFormat<K extends DatasetKind = DatasetKind, L = unknown> {
  name: string;
  /** The store records it reads. */
  source: K;
  /** Where its data goes, relative to --out. */
  file: string;
  /** jsonl: one JSON object per line; json-array: one JSON array (what LLaMA-Factory's .json files hold). */
  layout: 'jsonl' | 'json-array';
  describe: string;
  convert(record: RecordOf<K>): Conversion<L>;
  /** Problems with one line (empty: valid). */
  validate(line: unknown): string[];
  /** Writes files that go with the data (LLaMA-Factory's dataset_info.json); returns their paths. */
  finish?(outDir: string): Promise<string[]>;
}

/** Why a pair cannot be a training pair in any format; null when it can. */
export function unusablePair(pair: PreferencePair): string | null {
  if (pair.prompt[pair.prompt.length - 1]?.role !== 'user') return 'prompt does not end with a user message';
  if (pair.chosen.content === pair.rejected.content) return 'chosen equals rejected';
  return null;
}

/** A pair format's conversion: the unusable pairs skipped with their reason, the rest built into a line. */
export function convertPair<L>(pair: PreferencePair, build: (pair: PreferencePair) => L): Conversion<L> {
  const unusable = unusablePair(pair);
  return unusable ? { ok: false, reason: unusable } : { ok: true, line: build(pair) };
}

/** Messages as plain {role, content} objects in that key order (stored messages may carry nothing else). */
export const plainMessages = (messages: readonly ChatMessage[]): ChatMessage[] => messages.map((m) => ({ role: m.role, content: m.content }));
