// Reading held-out pairs: test-pairs.jsonl as the trainer writes it (one PreferencePair per line). Lines that
// are not valid pairs are counted and skipped, so one bad line does not void an evaluation.
import { readFile } from 'node:fs/promises';
import type { PreferencePair } from '../../src/events/preference.js';
import { validatePreferencePair } from '../../src/events/validate.js';

export interface PairsFile {
  pairs: PreferencePair[];
  /** 1-based line numbers of lines that were not valid PreferencePairs. */
  invalidLines: number[];
}

export function parsePairsJsonl(text: string): PairsFile {
  const pairs: PreferencePair[] = [];
  const invalidLines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      invalidLines.push(i + 1);
      return;
    }
    const valid = validatePreferencePair(parsed);
    if (valid.ok) pairs.push(valid.value);
    else invalidLines.push(i + 1);
  });
  return { pairs, invalidLines };
}

/** Throws the fs error (ENOENT...) when the file cannot be read. */
export async function readPairsFile(path: string): Promise<PairsFile> {
  return parsePairsJsonl(await readFile(path, 'utf8'));
}
