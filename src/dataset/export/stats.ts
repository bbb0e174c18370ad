// Dataset statistics in the layout of WildFeedback's Table 2 (# Conv., Prompt Length, Response Length,
// Multi-Turn?): one row for the whole export, then one per source of responses, as the paper splits
// WILDFEEDBACK by the model that wrote them (pairs: pair mode and chosen model; examples: the model).
//
// Lengths are means in APPROXIMATE tokens, not a tokenizer's count: 1 token per 4 characters of non-CJK text
// (OpenAI's rule of thumb for English) plus 1 per Han, kana or Hangul character (which tokenizers split about
// that finely). Prompt length counts the text of every prompt message (system included, no chat-template
// tokens); a pair's response length is the mean over its chosen and rejected responses, both also shown.
import type { DatasetRecord } from '../layout.js';

export const TOKEN_NOTE = '≈tok = approximate tokens: 1 per 4 characters of non-CJK text + 1 per CJK character (not a tokenizer)';

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;

export function approxTokens(text: string): number {
  const cjk = text.match(CJK)?.length ?? 0;
  let codePoints = 0;
  for (const _ of text) codePoints++;
  return cjk + Math.ceil((codePoints - cjk) / 4);
}

export interface StatisticsRow {
  label: string;
  /** Pairs or examples. */
  count: number;
  conversations: number;
  /** Means in approximate tokens (0 when count is 0). */
  promptTokens: number;
  responseTokens: number;
  /** Pairs only: the chosen and rejected responses' means. */
  chosenTokens?: number;
  rejectedTokens?: number;
  /** Share of prompts with more than one user message. */
  multiTurn: number;
}

export interface DatasetStatistics {
  unit: 'pairs' | 'examples';
  total: StatisticsRow;
  groups: StatisticsRow[];
}

interface Sums {
  count: number;
  conversations: Set<string>;
  prompt: number;
  chosen: number;
  rejected: number;
  response: number;
  multiTurn: number;
}

const emptySums = (): Sums => ({ count: 0, conversations: new Set(), prompt: 0, chosen: 0, rejected: 0, response: 0, multiTurn: 0 });

export function createStatistics(unit: DatasetStatistics['unit']) {
  const total = emptySums();
  const groups = new Map<string, Sums>();
  const row = (label: string, s: Sums): StatisticsRow => {
    const mean = (sum: number) => (s.count ? sum / s.count : 0);
    const base = { label, count: s.count, conversations: s.conversations.size, promptTokens: mean(s.prompt), multiTurn: mean(s.multiTurn) };
    if (unit === 'examples') return { ...base, responseTokens: mean(s.response) };
    return { ...base, responseTokens: mean(s.chosen + s.rejected) / 2, chosenTokens: mean(s.chosen), rejectedTokens: mean(s.rejected) };
  };
  return {
    add(record: DatasetRecord): void {
      const label = record.schema === 'insitu.preference' ? [record.mode, record.models.chosen].filter(Boolean).join(' · ') : (record.model ?? 'model unknown');
      let group = groups.get(label);
      if (!group) groups.set(label, (group = emptySums()));
      const prompt = record.prompt.reduce((n, m) => n + approxTokens(m.content), 0);
      const multiTurn = record.prompt.filter((m) => m.role === 'user').length > 1 ? 1 : 0;
      for (const s of [total, group]) {
        s.count++;
        s.conversations.add(record.conversation_id);
        s.prompt += prompt;
        s.multiTurn += multiTurn;
        if (record.schema === 'insitu.preference') {
          s.chosen += approxTokens(record.chosen.content);
          s.rejected += approxTokens(record.rejected.content);
        } else s.response += approxTokens(record.response.content);
      }
    },
    result(): DatasetStatistics {
      const rows = [...groups].map(([label, s]) => row(`↪ ${label}`, s)).sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
      return { unit, total: row('Insitu', total), groups: rows };
    },
  };
}

const integer = (n: number) => Math.round(n).toLocaleString('en-US');

/** The statistics as a text table in Table 2's layout, with a note on how tokens are counted. */
export function formatTable2(stats: DatasetStatistics): string {
  const header = ['', stats.unit === 'pairs' ? '# Pairs' : '# Examples', '# Conv.', 'Prompt Length (≈tok)', 'Response Length (≈tok)', 'Multi-Turn?'];
  const rows = [stats.total, ...stats.groups].map((r) => [
    r.label,
    integer(r.count),
    integer(r.conversations),
    r.count ? integer(r.promptTokens) : '—',
    r.count ? integer(r.responseTokens) : '—',
    r.count === 0 ? '—' : r.multiTurn > 0 ? `✓ ${Math.round(r.multiTurn * 100)}%` : '✗',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const render = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const notes = [TOKEN_NOTE + '; prompt = the text of every prompt message.'];
  if (stats.unit === 'pairs' && stats.total.count) {
    notes.push(`Response length = mean of chosen (≈${integer(stats.total.chosenTokens ?? 0)} tok) and rejected (≈${integer(stats.total.rejectedTokens ?? 0)} tok) responses.`);
  }
  return [render(header), ...rows.map(render), ...notes].join('\n');
}
