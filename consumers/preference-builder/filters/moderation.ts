// Moderation of the prompt's user messages and the chosen response through an OpenAI-compatible moderation
// endpoint (INSITU_MODERATION_URL), with the official openai SDK (client and retry policy from src/llm): a
// timeout per call, retries with exponential backoff for transport failures (429, 408, 5xx, timeouts) and
// unreadable answers. When every attempt fails it throws ModerationUnavailableError: the caller retries the
// batch later instead of accepting unmoderated data.
import { redactSecret } from '../../../src/secrets.js';
import OpenAI from 'openai';
import { InsituError } from '../../../src/errors.js';
import type { FilterResult } from '../../../src/events/preference.js';
import { createOpenAiClient, isRetriable, UnreadableAnswerError } from '../../../src/llm/index.js';
import type { FilterCandidate } from './candidate.js';

/** The moderation endpoint could not judge the candidate; nothing may be accepted until it can. */
export class ModerationUnavailableError extends InsituError {
  constructor(
    message: string,
    /** HTTP status of the last failure; null when there was no answer (connection, timeout, unreadable). */
    readonly status: number | null,
    retriable: boolean,
  ) {
    // No cause: the SDK's error may quote the credentials (OpenAI's 401 names a masked key).
    super(message, { retriable });
  }
}

export interface ModerationFilterOptions {
  /** Base URL of the endpoint (POST <url>/moderations). */
  url: string;
  model: string;
  apiKey: string | undefined;
  timeoutMs: number;
  retries: number;
  /** Base of the exponential backoff between attempts. */
  backoffMs?: number;
}

export interface ModerationFilter {
  check(candidate: FilterCandidate): Promise<FilterResult>;
}

export function createModerationFilter(options: ModerationFilterOptions): ModerationFilter {
  const client = createOpenAiClient({ baseURL: options.url, apiKey: options.apiKey, timeoutMs: options.timeoutMs });
  const backoff = options.backoffMs ?? 250;
  // The key itself and anything shaped like one (an endpoint's "Incorrect API key provided: sk-ab***yz").
  const scrub = (text: string) => redactSecret(text, options.apiKey).replace(/\bsk-[A-Za-z0-9_*.-]+/g, 'sk-[redacted]');

  /** Flagged categories per part ('prompt' for the user messages, 'chosen'), sorted; empty when nothing is flagged. */
  async function moderate(parts: { part: string; text: string }[]): Promise<Map<string, Set<string>>> {
    const answer = await client.moderations.create({ model: options.model, input: parts.map((p) => p.text) });
    if (!Array.isArray(answer?.results) || answer.results.length !== parts.length) {
      throw new UnreadableAnswerError(`expected ${parts.length} moderation results, got ${Array.isArray(answer?.results) ? answer.results.length : 'none'}`);
    }
    const flagged = new Map<string, Set<string>>();
    answer.results.forEach((result, i) => {
      if (!result.flagged) return;
      const categories = Object.entries(result.categories ?? {}).filter(([, on]) => on === true).map(([name]) => name);
      const part = parts[i]!.part;
      const into = flagged.get(part) ?? new Set<string>();
      // A result flagged without naming a category still drops the pair.
      for (const c of categories.length ? categories : ['unspecified']) into.add(c);
      flagged.set(part, into);
    });
    return flagged;
  }

  return {
    async check(candidate) {
      const parts = [
        ...candidate.prompt.filter((m) => m.role === 'user' && m.content.trim() !== '').map((m) => ({ part: 'prompt', text: m.content })),
        ...(candidate.chosen.trim() !== '' ? [{ part: 'chosen', text: candidate.chosen }] : []),
      ];
      if (parts.length === 0) return { filter: 'moderation', verdict: 'pass', detail: null };
      let last: unknown;
      let attempts = 0;
      for (let i = 0; i <= options.retries; i++) {
        attempts++;
        if (i > 0) await new Promise((r) => setTimeout(r, backoff * 2 ** (i - 1)));
        try {
          const flagged = await moderate(parts);
          if (flagged.size === 0) return { filter: 'moderation', verdict: 'pass', detail: null };
          const detail = ['prompt', 'chosen'].filter((p) => flagged.has(p)).map((p) => `${p}: ${[...flagged.get(p)!].sort().join(', ')}`).join('; ');
          return { filter: 'moderation', verdict: 'drop', detail };
        } catch (error) {
          last = error;
          if (!isRetriable(error)) break;
        }
      }
      const status = last instanceof OpenAI.APIError && typeof last.status === 'number' ? last.status : null;
      const reason = scrub(last instanceof Error ? last.message : String(last));
      // A refusal (401, 400 ...) is not retriable by the same process; an outage is.
      throw new ModerationUnavailableError(`moderation failed after ${attempts} attempt(s): ${reason}`, status, isRetriable(last));
    },
  };
}
