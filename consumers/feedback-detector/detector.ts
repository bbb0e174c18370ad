// The contract every feedback detector implements: the local rule-based one, an LLM judge, a cascade of both.
// A detector reads one assistant response in context plus the user's next message and says whether, and how,
// that next message judges the response.
import type {
  ConversationState,
  Domain,
  DsatRubric,
  Intent,
  Polarity,
  SatRubric,
} from '../../src/feedback/rubrics.js';

export interface DetectionMessage {
  role: string;
  content: string | null;
}

export interface DetectionInput {
  /** The messages before the judged response (system, user, assistant, tool ...), oldest first. */
  history: DetectionMessage[];
  /** The assistant response being judged. */
  response: string;
  /** The user's next message: where the feedback, if any, is. */
  followUp: string;
}

export interface Detection {
  state: ConversationState;
  satisfaction: SatRubric[];
  dissatisfaction: DsatRubric[];
  intent: Intent;
  domain: Domain;
  /** One sentence saying what the follow-up does. */
  summary: string;
  polarity: Polarity;
  /** 0..1: how sure the detector is of `polarity`. */
  confidence: number;
  /** The span of `followUp` that triggered the verdict, verbatim; null when polarity is NONE. */
  evidence: string | null;
  /** Set by a composite detector (the cascade): which of its parts decided, e.g. cascade:llm. */
  decider?: string;
}

export interface Detector {
  readonly name: string;
  detect(input: DetectionInput): Promise<Detection>;
}
