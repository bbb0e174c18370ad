// The local preference summariser: no model, no network, deterministic. It reads the user's feedback clause
// by clause for what they want (aspects such as length, format, language, tone, correctness, and their own
// corrective words), then adds a sentence for each dissatisfaction label the words did not explain, and
// returns 1-4 complete sentences. A dissatisfied input always gets at least one.
import type { DsatRubric } from '../../../src/feedback/rubrics.js';
import { ASPECTS, languageOf, type Aspect } from './aspects.js';
import { findQueryTurn } from './query-turn.js';
import { readChineseRequest, readEnglishRequest } from './requests.js';
import { sentence } from './sentence.js';
import type { PreferenceInput, PreferenceSummary } from './types.js';

export const MAX_LOCAL_PREFERENCES = 4;

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

interface Found {
  text: string;
  /** 0: a specific wish; 1: a general complaint turned into a wish; 2: from a label alone. */
  rank: number;
  /** Where in the follow-up it was read (clause, then offset). */
  at: number;
}

/**
 * Feedback sits at the start or the end of a message; a long middle is pasted material (code, a document, a
 * log) that says nothing about the answer, so only the head and the tail are read.
 */
function feedbackZone(followUp: string): string {
  const text = followUp.replace(/```[\s\S]*?(?:```|$)/g, '\n').replace(/[\u2018\u2019\u02bc\u2032]/g, "'").replace(/[\u201c\u201d]/g, '"');
  return text.length <= 900 ? text : `${text.slice(0, 600)}\n${text.slice(-200)}`;
}

/** Clauses: split at sentence ends, line breaks and commas; "..., not Y" stays with the clause before it. */
export function splitClauses(text: string): string[] {
  const out: string[] = [];
  for (const piece of text.split(/(?<=[.!?])\s+|[。！？；;\n]+/)) {
    const parts = piece.split(/([,，、]\s*)/);
    for (let i = 0; i < parts.length; i += 2) {
      const p = parts[i]!.trim();
      if (!p) continue;
      // keep the user's own separator, so a quoted Chinese clause stays verbatim
      if (out.length > 0 && /^(?:not|instead of|rather than|and not)\b|^(?:而不是|不是)/i.test(p)) out[out.length - 1] += `${parts[i - 1] ?? ', '}${p}`;
      else out.push(p);
    }
  }
  return out;
}

interface AspectHit {
  aspect: Aspect;
  match: RegExpExecArray;
  start: number;
}

/** The aspects in one clause; an earlier aspect's match claims its span. */
function aspectsIn(clause: string): AspectHit[] {
  const hits: AspectHit[] = [];
  const claimed: [number, number][] = [];
  const cjk = CJK.test(clause);
  for (const aspect of ASPECTS) {
    for (const re of [aspect.en, cjk ? aspect.zh : undefined]) {
      if (!re) continue;
      re.lastIndex = 0;
      for (let m = re.exec(clause); m; m = re.exec(clause)) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        const start = m.index;
        const end = start + m[0].length;
        if (claimed.some(([a, b]) => start < b && end > a)) continue;
        claimed.push([start, end]);
        hits.push({ aspect, match: m, start });
      }
    }
  }
  return hits;
}

/** The user's words to quote: the sentence holding the detector's evidence, else the follow-up itself. */
export function feedbackQuote(input: PreferenceInput): string {
  const followUp = feedbackZone(input.followUp).trim();
  const evidence = input.feedback.evidence?.trim();
  if (!evidence) return followUp;
  const at = followUp.indexOf(evidence);
  if (at < 0) return evidence;
  const boundary = /[.!?。！？\n]/g;
  let start = 0;
  for (const m of followUp.slice(0, at).matchAll(boundary)) start = m.index + 1;
  const after = followUp.slice(at + evidence.length).search(/[.!?。！？\n]/);
  const around = followUp.slice(start, after < 0 ? followUp.length : at + evidence.length + after + 1).trim();
  return around.length <= 160 ? around : evidence;
}

const BY_ID = new Map(ASPECTS.map((a) => [a.id, a]));

function aspectSentence(aspect: Aspect, input: PreferenceInput, match?: RegExpExecArray): string | null {
  if (aspect.id === 'language') {
    const language = match ? languageOf(match) : null;
    return language ? sentence(aspect.template.replace('{language}', language)) : null;
  }
  return sentence(aspect.template, aspect.template.includes('{q}') ? feedbackQuote(input) : undefined);
}

// What each label means the user wants when their words said nothing more specific. Labels with an aspect
// reuse its sentence; generic ones (anger, "redo it", "wrong style") carry the user's words quoted.
const LABEL_SENTENCES: Record<DsatRubric, { aspect?: string; template?: string; generic?: boolean }> = {
  factual_error: { aspect: 'factual' },
  ignored: { aspect: 'ignored' },
  insufficient_detail: { aspect: 'longer' },
  unrealistic_expectation: { template: 'The user expects the assistant to help with the request as far as it can instead of only stating a limitation.' },
  no_engagement: { template: 'The user prefers a direct answer to what they asked, without unsolicited questions or offers.' },
  lower_quality: { template: 'The user expects an answer at least as good as earlier ones or other tools: "{q}".' },
  negative_feedback: { template: 'The user was unhappy with the previous answer and wants a better one: "{q}".', generic: true },
  revision: { template: 'The user wants the answer redone as they asked: "{q}".', generic: true },
  style: { template: 'The user wants the form of the answer changed: "{q}".', generic: true },
};

function labelSentence(label: DsatRubric, input: PreferenceInput): string | null {
  const spec = LABEL_SENTENCES[label];
  if (spec.aspect) return aspectSentence(BY_ID.get(spec.aspect)!, input);
  return sentence(spec.template!, feedbackQuote(input));
}

/** Preferences from the feedback labels and the user's own words; pure and synchronous. */
export function summarizePreferencesLocally(input: PreferenceInput): PreferenceSummary {
  const found: Found[] = [];
  const covered = new Set<DsatRubric>();
  const seenAspects = new Set<string>();
  splitClauses(feedbackZone(typeof input.followUp === 'string' ? input.followUp : '')).forEach((clause, index) => {
    let specific = false;
    for (const hit of aspectsIn(clause)) {
      hit.aspect.covers.forEach((r) => covered.add(r));
      if (!hit.aspect.general) specific = true;
      if (seenAspects.has(hit.aspect.id) && hit.aspect.id !== 'language') continue;
      seenAspects.add(hit.aspect.id);
      const text = aspectSentence(hit.aspect, input, hit.match);
      if (text) found.push({ text, rank: hit.aspect.general ? 1 : 0, at: index * 10_000 + hit.start });
    }
    if (specific) return;
    const request = CJK.test(clause) ? readChineseRequest(clause) : readEnglishRequest(clause);
    if (request) {
      found.push({ text: request, rank: 0, at: index * 10_000 + 9_999 });
      covered.add('revision');
      covered.add('style');
    }
  });

  const labels = input.feedback.dissatisfaction;
  const specificFound = found.some((f) => f.rank === 0);
  for (const label of labels) {
    if (covered.has(label) || (LABEL_SENTENCES[label].generic && found.length > 0)) continue;
    if (LABEL_SENTENCES[label].aspect && seenAspects.has(LABEL_SENTENCES[label].aspect!)) continue;
    const text = labelSentence(label, input);
    if (text) found.push({ text, rank: specificFound ? 2 : 1, at: Number.MAX_SAFE_INTEGER });
  }
  if (found.length === 0 && (labels.length > 0 || input.feedback.state === 'REFINEMENT')) {
    found.push({ text: sentence('The user was not satisfied with the previous answer and said: "{q}".', feedbackQuote(input)), rank: 2, at: 0 });
  }

  const seen = new Set<string>();
  const preferences = found
    .sort((a, b) => a.rank - b.rank || a.at - b.at)
    .map((f) => f.text)
    .filter((t) => {
      const key = t.toLowerCase();
      return seen.has(key) ? false : (seen.add(key), true);
    })
    .slice(0, MAX_LOCAL_PREFERENCES);
  return { preferences, queryTurn: findQueryTurn(input.history), by: 'local' };
}
