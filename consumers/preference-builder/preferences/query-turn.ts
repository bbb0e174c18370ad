// A.2's query turn without a model: the user's first attempt at the request before any feedback. Start at the
// last user message (the query the rejected response answered) and step back while that message was itself
// feedback on, or a restatement after, the assistant answer before it (read by the local feedback detector).
import type { ChatMessage } from '../../../src/events/chat.js';
import { detectLocally } from '../../feedback-detector/local/index.js';

const MAX_STEPS = 6;

export function findQueryTurn(history: readonly ChatMessage[]): number | null {
  let query = lastIndex(history, history.length - 1, 'user');
  for (let step = 0; query > 0 && step < MAX_STEPS; step++) {
    const answer = lastIndex(history, query - 1, 'assistant');
    const earlier = lastIndex(history, answer - 1, 'user');
    if (answer < 0 || earlier < 0) break;
    const verdict = detectLocally({ history: history.slice(0, answer), response: history[answer]!.content, followUp: history[query]!.content });
    const feedback = verdict.polarity === 'DSAT' || verdict.polarity === 'MIXED' || verdict.state === 'REFINEMENT';
    if (!feedback) break;
    query = earlier;
  }
  return query < 0 ? null : query;
}

function lastIndex(history: readonly ChatMessage[], from: number, role: ChatMessage['role']): number {
  for (let i = from; i >= 0; i--) if (history[i]?.role === role) return i;
  return -1;
}
