// A test sample as evaluation sees it: a held-out preference pair split into the conversation before the
// user's current query, the query itself, and the user's preferences (the checklist of §3.3).
import type { ChatMessage } from '../../src/events/chat.js';
import type { PreferencePair } from '../../src/events/preference.js';

export interface TestSample {
  pair_id: string;
  /** Every message the models are asked to answer: the pair's prompt, up to and including the query. */
  prompt: ChatMessage[];
  /** The messages before the current query. */
  history: ChatMessage[];
  /** The newest user message of the prompt. */
  query: string;
  preferences: string[];
}

export function testSampleOf(pair: PreferencePair): TestSample {
  const last = pair.prompt.map((m) => m.role).lastIndexOf('user');
  return {
    pair_id: pair.pair_id,
    prompt: pair.prompt,
    history: last < 0 ? pair.prompt : pair.prompt.slice(0, last),
    query: last < 0 ? '' : pair.prompt[last]!.content,
    preferences: pair.preferences,
  };
}
