// The throughput baseline of bench:detect: a plain keyword matcher (a handful of regexes over the follow-up),
// the cheapest thing that could be called a feedback detector. The local detector's cost is shown as a
// multiple of this one's.
import type { DetectionInput } from '../../consumers/feedback-detector/detector.js';
import type { Polarity } from '../../src/feedback/rubrics.js';

const SAT = /\b(?:thanks|thank you|great|perfect|awesome|excellent|exactly)\b/i;
const DSAT = /\b(?:wrong|incorrect|not what|doesn't work|that's not)\b|^\s*no\b,?/i;

export function detectByKeywords(input: DetectionInput): Polarity {
  const sat = SAT.test(input.followUp);
  const dsat = DSAT.test(input.followUp);
  return sat && dsat ? 'MIXED' : sat ? 'SAT' : dsat ? 'DSAT' : 'NONE';
}
