// One-sentence summary of a verdict, from its rubrics: "The user thanks and praises the response." etc.
import type { DsatRubric, Polarity, SatRubric } from '../../../src/feedback/rubrics.js';

const SAT_PHRASES: Record<SatRubric, string> = {
  gratitude: 'thanks the assistant',
  learning: 'says they learned something',
  compliance: 'goes along with the proposal',
  praise: 'praises the answer',
  personal_details: 'shares personal details',
  humor: 'jokes with the assistant',
  acknowledgment: 'accepts the answer',
  positive_closure: 'closes the conversation contentedly',
  getting_there: 'grants the answer some merit',
};

const DSAT_PHRASES: Record<DsatRubric, string> = {
  negative_feedback: 'complains about the answer',
  revision: 'asks for a change or correction',
  factual_error: 'says the answer is wrong',
  unrealistic_expectation: 'insists on something the assistant said it cannot do',
  no_engagement: 'brushes off the assistant\'s question or offer',
  ignored: 'says their request was not addressed',
  lower_quality: 'finds the answer worse than before or than other tools',
  insufficient_detail: 'wants more or more specific information',
  style: 'objects to the form of the answer',
};

function join(parts: string[]): string {
  if (parts.length <= 1) return parts[0] ?? '';
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

export function summarize(polarity: Polarity, sat: SatRubric[], dsat: DsatRubric[]): string {
  const s = join(sat.slice(0, 2).map((r) => SAT_PHRASES[r]));
  const d = join(dsat.slice(0, 2).map((r) => DSAT_PHRASES[r]));
  switch (polarity) {
    case 'SAT':
      return `The user ${s}.`;
    case 'DSAT':
      return `The user ${d}.`;
    case 'MIXED':
      return `The user ${s}, but ${d}.`;
    default:
      return 'The user continues without judging the previous answer.';
  }
}
