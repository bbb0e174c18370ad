// The cascade: the local detector gates. A turn it can rule out (no cue of either polarity) keeps the local
// verdict; every other turn goes to the LLM judge. If the judge fails, the local verdict stands. The share
// sent to the judge is counted.
import type { Detection, Detector } from './detector.js';
import type { LocalDetection } from './local/index.js';

export interface CascadeStats {
  turns: number;
  sentToJudge: number;
  judgeFailures: number;
}

export function createCascadeDetector(local: (input: Parameters<Detector['detect']>[0]) => LocalDetection, judge: Detector): Detector & { stats(): CascadeStats } {
  const stats: CascadeStats = { turns: 0, sentToJudge: 0, judgeFailures: 0 };
  return {
    name: 'cascade',
    stats: () => ({ ...stats }),
    async detect(input): Promise<Detection> {
      stats.turns++;
      const verdict = local(input);
      if (verdict.polarity === 'NONE' && verdict.scores.sat <= 0 && verdict.scores.dsat <= 0) {
        return { ...verdict, decider: 'cascade:local' };
      }
      stats.sentToJudge++;
      try {
        return { ...(await judge.detect(input)), decider: 'cascade:llm' };
      } catch {
        stats.judgeFailures++;
        return { ...verdict, decider: 'cascade:local' };
      }
    },
  };
}
