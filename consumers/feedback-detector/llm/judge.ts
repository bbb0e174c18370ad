// The LLM judge: the A.1 method through the official openai SDK against any OpenAI-compatible endpoint.
// The call machinery (concurrency limit, timeout per call, retries with exponential backoff for transport
// failures and unreadable answers, token and repair counters) is src/llm's caller. When every attempt fails,
// detect() rejects with DetectionError: the caller records it and moves on.
import { InsituError } from '../../../src/errors.js';
import { createLlmCaller, LlmCallError, type LlmCallerOptions, type LlmStats } from '../../../src/llm/index.js';
import type { Detection, Detector } from '../detector.js';
import { readJudgeAnswer } from './answer.js';
import { judgeMessages } from './prompt.js';

export class DetectionError extends InsituError {}

export type LlmDetectorOptions = LlmCallerOptions;

export type JudgeStats = LlmStats;

export function createLlmDetector(options: LlmDetectorOptions): Detector & { stats(): JudgeStats } {
  const caller = createLlmCaller(options);
  return {
    name: 'llm',
    stats: () => caller.stats(),
    async detect(input): Promise<Detection> {
      try {
        return await caller.complete({ messages: judgeMessages(input), temperature: 0 }, (answer) => {
          const { detection, repairs } = readJudgeAnswer(answer, input.followUp);
          return { value: detection, repairs };
        });
      } catch (error) {
        if (!(error instanceof LlmCallError)) throw error;
        // The reason names the failure, never the endpoint's credentials (the caller redacts it).
        throw new DetectionError(`LLM judge failed after ${error.attempts} attempt(s): ${error.reason}`, { cause: error.cause });
      }
    },
  };
}
