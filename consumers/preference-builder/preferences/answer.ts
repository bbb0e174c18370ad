// Reading the summariser's answer strictly: the first JSON value in the text (code fences and chatter
// tolerated), either one {"query", "preferences"} object or A.2's list of them. Preferences must be a non-empty
// list of non-empty strings; anything dropped or fixed on the way is a repair. A query that is not a user
// turn of the history becomes null (a repair). No usable preference at all: PreferenceAnswerError, retried.
import type { ChatMessage } from '../../../src/events/chat.js';
import { readFirstJson, UnreadableAnswerError, type LlmReading } from '../../../src/llm/index.js';
import { scrubSecrets } from './sentence.js';

export class PreferenceAnswerError extends UnreadableAnswerError {}

export const MAX_MODEL_PREFERENCES = 10;
const MAX_PREFERENCE_CHARS = 400;

export interface ModelPreferences {
  preferences: string[];
  queryTurn: number | null;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function readPreferenceAnswer(text: string, history: readonly ChatMessage[]): LlmReading<ModelPreferences> {
  const json = readFirstJson(text);
  if (json === undefined) throw new PreferenceAnswerError('the summariser answered without JSON');
  const repairs: string[] = [];
  let entry: Record<string, unknown>;
  if (Array.isArray(json)) {
    const usable = json.filter((e): e is Record<string, unknown> => isObject(e) && Array.isArray(e.preferences));
    if (usable.length === 0) throw new PreferenceAnswerError('the summariser answered with a list holding no {"preferences": [...]} object');
    // A.2 may list several queries; the last one is the request the feedback at the end is about.
    entry = usable[usable.length - 1]!;
    if (json.length > 1) repairs.push(`${json.length - 1} other list entr${json.length === 2 ? 'y' : 'ies'} ignored`);
  } else if (isObject(json)) {
    entry = json;
  } else {
    throw new PreferenceAnswerError('the summariser answered with JSON that is neither an object nor a list');
  }

  if (!Array.isArray(entry.preferences)) throw new PreferenceAnswerError('"preferences" is not a list');
  const preferences: string[] = [];
  const seen = new Set<string>();
  for (const item of entry.preferences as unknown[]) {
    if (typeof item !== 'string') {
      repairs.push('a non-string preference dropped');
      continue;
    }
    let p = scrubSecrets(item.replace(/\s+/g, ' ').trim());
    if (!p) {
      repairs.push('an empty preference dropped');
      continue;
    }
    if (p.length > MAX_PREFERENCE_CHARS) {
      p = `${p.slice(0, MAX_PREFERENCE_CHARS - 1).replace(/\s+\S*$/, '')}.`;
      repairs.push('an over-long preference shortened');
    }
    if (seen.has(p.toLowerCase())) {
      repairs.push('a duplicate preference dropped');
      continue;
    }
    seen.add(p.toLowerCase());
    preferences.push(p);
  }
  if (preferences.length === 0) throw new PreferenceAnswerError('the summariser gave no usable preference');
  if (preferences.length > MAX_MODEL_PREFERENCES) {
    repairs.push(`${preferences.length - MAX_MODEL_PREFERENCES} preference(s) beyond ${MAX_MODEL_PREFERENCES} dropped`);
    preferences.length = MAX_MODEL_PREFERENCES;
  }
  return { value: { preferences, queryTurn: readQueryTurn(entry.query, history, repairs) }, repairs };
}

/** A turn id ("2", 2, "turn 2") that names a user message of the history, else null and a repair. */
function readQueryTurn(raw: unknown, history: readonly ChatMessage[], repairs: string[]): number | null {
  const match = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? /^\s*(?:turn\s*)?(\d+)\s*$/i.exec(raw)?.[1] : undefined;
  const turn = match === undefined ? NaN : Number(match);
  if (Number.isInteger(turn) && history[turn]?.role === 'user') return turn;
  repairs.push(`query ${JSON.stringify(raw) ?? 'missing'} is not a user turn of the history`);
  return null;
}
