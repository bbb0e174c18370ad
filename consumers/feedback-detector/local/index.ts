// The local feedback detector: rules only, no network, no model. Pipeline per follow-up:
// normalise + split into clauses -> match the English/Chinese cue lexicons (with negation) -> add structural
// signals (answers to the response's question, repeats) -> contrast + scoring -> polarity, rubrics,
// confidence, evidence -> side labels (intent, domain, state, summary).
import type { Detection, DetectionInput, Detector } from '../detector.js';
import { compileCues, matchCues, type CompiledCue } from './cues.js';
import { DE_CUES } from './lexicon-de.js';
import { EN_CUES } from './lexicon-en.js';
import { ES_CUES } from './lexicon-es.js';
import { FR_CUES } from './lexicon-fr.js';
import { IT_CUES } from './lexicon-it.js';
import { AR_CUES } from './lexicon-ar.js';
import { ID_CUES } from './lexicon-id.js';
import { JA_CUES } from './lexicon-ja.js';
import { KO_CUES } from './lexicon-ko.js';
import { NL_CUES } from './lexicon-nl.js';
import { PL_CUES } from './lexicon-pl.js';
import { PT_CUES } from './lexicon-pt.js';
import { RU_CUES } from './lexicon-ru.js';
import { TR_CUES } from './lexicon-tr.js';
import { VI_CUES } from './lexicon-vi.js';
import { INTL_CUES } from './lexicon-intl.js';
import { ZH_CUES } from './lexicon-zh.js';
import { measureRepetition, previousUserMessage } from './repetition.js';
import { readResponse } from './response-context.js';
import { DEFAULT_SCORING, score, type ScoringParams } from './scoring.js';
import {
  DEFAULT_SIGNAL_WEIGHTS,
  discountInsideRequests,
  structuralHits,
  weighByResponse,
  type SignalWeights,
} from './signals.js';
import { summarize } from './summary.js';
import { prepareText } from './text.js';
import { guessDomain } from './domain.js';
import { guessIntent, guessState } from './topic.js';

export interface LocalDetectorOptions {
  scoring?: Partial<ScoringParams>;
  signals?: Partial<SignalWeights>;
}

export interface LocalDetection extends Detection {
  /** Raw SAT and DSAT sums, for cascades that want to send borderline turns to an LLM judge. */
  scores: { sat: number; dsat: number };
  /** Every cue that fired (rubric:tag), for explanations and debugging. */
  cues: string[];
}

interface Config {
  cues: CompiledCue[];
  scoring: ScoringParams;
  signals: SignalWeights;
}

const DEFAULT_CUES: CompiledCue[] = [
  // other languages first, so their idioms claim their spans before English words inside them ("ya" in "ya
  // funciona"); each runs only when its language is plausible (languages.ts), which English text rarely is
  ...compileCues(DE_CUES, 'de'),
  ...compileCues(FR_CUES, 'fr'),
  ...compileCues(ES_CUES, 'es'),
  ...compileCues(PT_CUES, 'pt'),
  ...compileCues(IT_CUES, 'it'),
  ...compileCues(RU_CUES, 'ru'),
  ...compileCues(JA_CUES, 'ja'),
  ...compileCues(KO_CUES, 'ko'),
  ...compileCues(TR_CUES, 'tr'),
  ...compileCues(PL_CUES, 'pl'),
  ...compileCues(NL_CUES, 'nl'),
  ...compileCues(ID_CUES, 'id'),
  ...compileCues(VI_CUES, 'vi'),
  ...compileCues(AR_CUES, 'ar'),
  ...compileCues(EN_CUES, 'en'),
  ...compileCues(ZH_CUES, 'zh'),
  ...compileCues(INTL_CUES, 'any'),
];
const DEFAULT_CONFIG: Config = { cues: DEFAULT_CUES, scoring: DEFAULT_SCORING, signals: DEFAULT_SIGNAL_WEIGHTS };

// cues that mean the user restates or corrects their own request
const REFINEMENT_TAGS = new Set(['repeats request', 'no, I meant', 'sorry, I meant', 'i meant', 'no (to a confirmation)']);

function run(input: DetectionInput, cfg: Config): LocalDetection {
  const followUp = typeof input.followUp === 'string' ? input.followUp : '';
  const text = prepareText(feedbackZone(followUp));
  const response = readResponse(typeof input.response === 'string' ? input.response : '');
  const previous = previousUserMessage(input.history);
  const matched = matchCues(text, cfg.cues);
  // similarity is measured on what the cues did not explain: two "thank you so much" turns are not a repeat
  const repetition = measureRepetition(blankSpans(text.norm, matched), previous);
  const hits = weighByResponse(discountInsideRequests(text, matched, cfg.signals.insideRequest), response, cfg.signals);
  hits.push(...structuralHits(text, hits, response, repetition, cfg.signals));
  const verdict = score(text, hits, cfg.scoring);

  const refinement =
    verdict.decisive.some((h) => REFINEMENT_TAGS.has(h.tag)) ||
    (verdict.polarity === 'NONE' && repetition.support >= 2 && repetition.similarity >= 0.5);
  const firstUser = input.history.find((m) => m.role === 'user' && typeof m.content === 'string')?.content ?? '';
  const topicText = `${firstUser.slice(0, 200)}\n${followUp.slice(0, 200)}`.toLowerCase();

  return {
    state: guessState(verdict.polarity, refinement, text.norm, input.history.length > 0),
    satisfaction: verdict.satisfaction,
    dissatisfaction: verdict.dissatisfaction,
    intent: guessIntent(firstUser.toLowerCase(), text.norm),
    domain: guessDomain(topicText),
    summary: summarize(verdict.polarity, verdict.satisfaction, verdict.dissatisfaction),
    polarity: verdict.polarity,
    confidence: verdict.confidence,
    evidence: verdict.polarity === 'NONE' ? null : verdict.evidence,
    scores: { sat: round(verdict.satScore), dsat: round(verdict.dsatScore) },
    cues: verdict.hits.map((h) => `${h.rubric}:${h.tag}`),
  };
}

/**
 * Feedback sits at the start of a message ("no, that's wrong, ...") or at its end ("... thanks!"). In a long
 * follow-up the middle is usually pasted material (code, a document, an error log) whose words say nothing
 * about the last answer, so only the head and the tail are read. Both are verbatim pieces of the follow-up,
 * joined by a line break (a clause boundary), so evidence spans stay substrings of what the user wrote.
 */
function feedbackZone(followUp: string): string {
  if (followUp.length <= 900) return followUp;
  return `${followUp.slice(0, 500)}\n${followUp.slice(-200)}`;
}

function blankSpans(norm: string, hits: readonly { start: number; end: number }[]): string {
  if (hits.length === 0) return norm;
  const chars = norm.split('');
  for (const h of hits) for (let i = h.start; i < h.end; i++) chars[i] = ' ';
  return chars.join('');
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Pure, synchronous local detection with the default lexicons and weights. */
export function detectLocally(input: DetectionInput): LocalDetection {
  return run(input, DEFAULT_CONFIG);
}

/** A local detector; options override scoring thresholds or signal weights (e.g. for tuning). */
export function createLocalDetector(options: LocalDetectorOptions = {}): Detector & {
  detectSync(input: DetectionInput): LocalDetection;
} {
  const cfg: Config = {
    cues: DEFAULT_CUES,
    scoring: { ...DEFAULT_SCORING, ...options.scoring },
    signals: { ...DEFAULT_SIGNAL_WEIGHTS, ...options.signals },
  };
  return {
    name: 'local',
    detectSync: (input) => run(input, cfg),
    detect: async (input) => run(input, cfg),
  };
}
