// Reading the pairwise judge's verdict strictly: the first JSON value in the answer (code fences and text
// around it tolerated) must be an object whose "choice" is one of A++, A+, A=B, B+, B++, written any common
// way ("a+", "B+ ", "A = B", "[A++]"). Anything else is an UnreadableAnswerError, which the caller retries.
import { readFirstJson, UnreadableAnswerError } from '../../../src/llm/index.js';
import { CHOICES, type Choice } from './prompt.js';

export class JudgeChoiceError extends UnreadableAnswerError {}

/** The canonical choice, or null when the text is not one. */
export function normaliseChoice(raw: unknown): Choice | null {
  if (typeof raw !== 'string') return null;
  const compact = raw
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s"'`[\]()]/g, '');
  if (compact === 'B=A') return 'A=B';
  return (CHOICES as readonly string[]).includes(compact) ? (compact as Choice) : null;
}

export function readJudgeChoice(text: string): Choice {
  const json = readFirstJson(text);
  if (json === undefined) throw new JudgeChoiceError('the judge answered without JSON');
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new JudgeChoiceError('the judge answered JSON that is not an object');
  const raw = (json as Record<string, unknown>).choice;
  const choice = normaliseChoice(raw);
  if (!choice) throw new JudgeChoiceError(raw === undefined ? 'the verdict has no "choice"' : `the verdict's choice ${JSON.stringify(raw).slice(0, 40)} is not one of ${CHOICES.join(', ')}`);
  return choice;
}
