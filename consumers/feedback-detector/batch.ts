// `insitu detect`: backfill over a corpus through the same detector code as the live consumer. Input: one
// WildChat-style conversation per line ({conversation_id | conversation_hash, conversation | messages: [{role,
// content}]}, unknown fields ignored). Output: one JSON line per user message that directly follows an
// assistant message, then a summary in the layout of the WildFeedback paper's Table 1.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { messageText } from '../../src/conversation/turn-snapshot.js';
import type { Detection, DetectionMessage, Detector } from './detector.js';
import { predictsDsat, predictsSat } from './evaluate.js';

export interface DetectLine extends Detection {
  conversation_id: string;
  turn_index: number;
  detector: string;
  detection_latency_ms: number;
}

export interface CorpusSummary {
  conversations: number;
  userUtterances: number;
  judgedUtterances: number;
  satConversations: number;
  dsatConversations: number;
  satUtterances: number;
  dsatUtterances: number;
  skippedLines: number;
  seconds: number;
}

interface Conversation {
  id: string;
  messages: DetectionMessage[];
}

/** Reads one input line; returns null (counted as skipped) for anything that is not a usable conversation. */
export function readConversation(line: string, lineNumber: number): Conversation | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  const list = Array.isArray(v.conversation) ? v.conversation : Array.isArray(v.messages) ? v.messages : null;
  if (!list) return null;
  const id = typeof v.conversation_id === 'string' ? v.conversation_id : typeof v.conversation_hash === 'string' ? v.conversation_hash : `line-${lineNumber}`;
  const messages = list.map((m) => ({
    role: m && typeof m === 'object' && typeof (m as { role?: unknown }).role === 'string' ? (m as { role: string }).role : 'unknown',
    content: m && typeof m === 'object' ? messageText((m as { content?: unknown }).content) : null,
  }));
  return { id, messages };
}

export async function detectConversation(conversation: Conversation, detector: Detector): Promise<DetectLine[]> {
  const out: DetectLine[] = [];
  const { messages } = conversation;
  for (let i = 1; i < messages.length; i++) {
    const followUp = messages[i]!;
    const response = messages[i - 1]!;
    if (followUp.role !== 'user' || response.role !== 'assistant' || followUp.content === null || response.content === null) continue;
    const started = performance.now();
    const detection = await detector.detect({ history: messages.slice(0, i - 1), response: response.content, followUp: followUp.content });
    const { state, satisfaction, dissatisfaction, intent, domain, summary, polarity, confidence, evidence } = detection;
    out.push({
      conversation_id: conversation.id, turn_index: i, state, satisfaction, dissatisfaction, intent, domain, summary, polarity, confidence, evidence,
      detector: detection.decider ?? detector.name, detection_latency_ms: Math.round((performance.now() - started) * 1000) / 1000,
    });
  }
  return out;
}

export interface DetectCorpusOptions {
  input: string;
  detector: Detector;
  write: (line: string) => void | Promise<void>;
  /** Progress on stderr: called at most every few hundred ms. */
  progress?: (done: { conversations: number; utterances: number; bytes: number; totalBytes: number; seconds: number }) => void;
  totalBytes: number;
}

export async function detectCorpus(options: DetectCorpusOptions): Promise<CorpusSummary> {
  const started = performance.now();
  const summary: CorpusSummary = { conversations: 0, userUtterances: 0, judgedUtterances: 0, satConversations: 0, dsatConversations: 0, satUtterances: 0, dsatUtterances: 0, skippedLines: 0, seconds: 0 };
  const stream = createReadStream(options.input);
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNumber = 0;
  let lastProgress = 0;
  for await (const line of lines) {
    lineNumber++;
    if (!line.trim()) continue;
    const conversation = readConversation(line, lineNumber);
    if (!conversation) {
      summary.skippedLines++;
      continue;
    }
    summary.conversations++;
    summary.userUtterances += conversation.messages.filter((m) => m.role === 'user').length;
    const results = await detectConversation(conversation, options.detector);
    let sat = false;
    let dsat = false;
    for (const r of results) {
      summary.judgedUtterances++;
      if (predictsSat(r)) (summary.satUtterances++, (sat = true));
      if (predictsDsat(r)) (summary.dsatUtterances++, (dsat = true));
      await options.write(JSON.stringify(r) + '\n');
    }
    if (sat) summary.satConversations++;
    if (dsat) summary.dsatConversations++;
    const now = performance.now();
    if (options.progress && now - lastProgress > 250) {
      lastProgress = now;
      options.progress({ conversations: summary.conversations, utterances: summary.judgedUtterances, bytes: stream.bytesRead, totalBytes: options.totalBytes, seconds: (now - started) / 1000 });
    }
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

export function formatTable1(s: CorpusSummary): string {
  const cols = ['# Conv.', '# Utt.', '# SAT Conv.', '# DSAT Conv.', '# SAT Utt.', '# DSAT Utt.'];
  const vals = [s.conversations, s.userUtterances, s.satConversations, s.dsatConversations, s.satUtterances, s.dsatUtterances].map((n) => n.toLocaleString('en-US'));
  const width = cols.map((c, i) => Math.max(c.length, vals[i]!.length));
  const row = (cells: string[]) => cells.map((c, i) => c.padStart(width[i]!)).join('  ');
  return [
    row(cols),
    row(vals),
    `${s.judgedUtterances.toLocaleString('en-US')} user utterances judged (those right after an assistant message); MIXED counts as DSAT; ` +
      `${s.skippedLines} unreadable line(s) skipped; ${(s.judgedUtterances / Math.max(s.seconds, 1e-9)).toFixed(0)} utterances/s`,
  ].join('\n');
}
