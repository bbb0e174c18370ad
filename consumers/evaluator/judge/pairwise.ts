// The pairwise judges: a model through the shared LLM caller (INSITU_JUDGE_*), or, without one, the local
// rule-based checklist judge as a stand-in. Both answer one comparison with one of the five choices.
import { InsituError } from '../../../src/errors.js';
import { LlmCallError, type LlmCaller } from '../../../src/llm/index.js';
import { judgeAgainstChecklist, LOCAL_CHECKLIST_JUDGE } from '../../preference-builder/checklist.js';
import { readJudgeChoice } from './answer.js';
import { pairwiseMessages, type Choice, type PairwiseInput } from './prompt.js';

/** Every attempt of one comparison failed (transport errors or unreadable verdicts); counted, never fatal. */
export class JudgeFailedError extends InsituError {}

export interface PairwiseJudge {
  /** The judge model, or 'local-checklist'. */
  readonly name: string;
  compare(input: PairwiseInput): Promise<Choice>;
}

export function createLlmPairwiseJudge(caller: LlmCaller): PairwiseJudge {
  return {
    name: caller.model,
    async compare(input) {
      try {
        return await caller.complete({ messages: pairwiseMessages(input), temperature: 0 }, (answer) => ({ value: readJudgeChoice(answer) }));
      } catch (error) {
        if (!(error instanceof LlmCallError)) throw error;
        throw new JudgeFailedError(`pairwise judge failed after ${error.attempts} attempt(s): ${error.reason}`, { cause: error });
      }
    },
  };
}

/** The rule-based stand-in: with a checklist it checks the preferences; without one, how well each response
 * covers the query's own words (a weak signal, and the report says which judge spoke). */
export function createLocalPairwiseJudge(): PairwiseJudge {
  return {
    name: LOCAL_CHECKLIST_JUDGE,
    async compare(input) {
      const verdict = judgeAgainstChecklist(input.checklist ?? [input.query], input.responseA, input.responseB);
      return verdict === 'chosen' ? 'A+' : verdict === 'rejected' ? 'B+' : 'A=B';
    },
  };
}
