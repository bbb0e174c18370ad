// Rebuilds what the model answered from the bytes the client received: a ChatCompletion JSON body, or an SSE
// stream of ChatCompletionChunk events (possibly cut short). Runs after the response, off the client's path,
// and never throws: what cannot be parsed is skipped.
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { AssistantMessage, RecordedToolCall, TurnChoice } from '../src/events/turn.js';

export interface ReadCompletion {
  choices: TurnChoice[];
  model: string | null;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  /** An error object the upstream sent instead of (or inside) the completion. */
  error: { message: string; type: string } | null;
}

export function decodeBody(chunks: Buffer[], contentEncoding: string | undefined): string {
  const raw = Buffer.concat(chunks);
  try {
    switch ((contentEncoding ?? '').trim().toLowerCase()) {
      case 'gzip':
      case 'x-gzip':
        return gunzipSync(raw).toString('utf8');
      case 'deflate':
        return inflateSync(raw).toString('utf8');
      case 'br':
        return brotliDecompressSync(raw).toString('utf8');
      default:
        return raw.toString('utf8');
    }
  } catch {
    // A stream cut mid-way cannot be fully decompressed; keep what is readable.
    return raw.toString('utf8');
  }
}

const empty = (): ReadCompletion => ({ choices: [], model: null, usage: null, error: null });

function readUsage(u: unknown): ReadCompletion['usage'] {
  if (!u || typeof u !== 'object') return null;
  const { prompt_tokens, completion_tokens, total_tokens } = u as Record<string, unknown>;
  const p = Number.isInteger(prompt_tokens) ? (prompt_tokens as number) : 0;
  const c = Number.isInteger(completion_tokens) ? (completion_tokens as number) : 0;
  return { prompt_tokens: p, completion_tokens: c, total_tokens: Number.isInteger(total_tokens) ? (total_tokens as number) : p + c };
}

function readError(e: unknown): ReadCompletion['error'] {
  if (!e || typeof e !== 'object') return null;
  const { message, type } = e as Record<string, unknown>;
  return { message: typeof message === 'string' ? message : 'upstream error', type: typeof type === 'string' ? type : 'upstream_error' };
}

function toolCalls(list: unknown): RecordedToolCall[] | undefined {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return list.map((t) => ({
    id: String(t?.id ?? ''),
    type: String(t?.type ?? 'function'),
    function: { name: String(t?.function?.name ?? ''), arguments: String(t?.function?.arguments ?? '') },
  }));
}

/** A non-streaming answer: the ChatCompletion JSON (or an error object). */
export function readCompletionJson(text: string): ReadCompletion {
  let body: Partial<ChatCompletion> & { error?: unknown };
  try {
    body = JSON.parse(text);
  } catch {
    return empty();
  }
  if (!body || typeof body !== 'object') return empty();
  const choices: TurnChoice[] = (Array.isArray(body.choices) ? body.choices : []).map((c, i) => {
    const message: AssistantMessage = { role: 'assistant', content: typeof c?.message?.content === 'string' ? c.message.content : null };
    const calls = toolCalls(c?.message?.tool_calls);
    if (calls) message.tool_calls = calls;
    if (typeof c?.message?.refusal === 'string') message.refusal = c.message.refusal;
    return { index: Number.isInteger(c?.index) ? c.index : i, message, finish_reason: c?.finish_reason ?? null };
  });
  return { choices, model: typeof body.model === 'string' ? body.model : null, usage: readUsage(body.usage), error: readError(body.error) };
}

interface ChoiceBuilder {
  content: string;
  sawContent: boolean;
  refusal: string | null;
  tools: Map<number, RecordedToolCall>;
  finish: string | null;
}

/** A streamed answer: SSE events of ChatCompletionChunk, in whatever state the stream ended. */
export function readCompletionStream(text: string): ReadCompletion {
  const out = empty();
  const builders = new Map<number, ChoiceBuilder>();
  for (const event of text.split(/\r\n\r\n|\n\n|\r\r/)) {
    let data = '';
    for (const line of event.split(/\r\n|\n|\r/)) {
      if (line.startsWith('data:')) data += (data ? '\n' : '') + line.slice(line.startsWith('data: ') ? 6 : 5);
    }
    if (!data || data.trim() === '[DONE]') continue;
    let chunk: Partial<ChatCompletionChunk> & { error?: unknown; usage?: unknown };
    try {
      chunk = JSON.parse(data);
    } catch {
      continue;
    }
    if (!chunk || typeof chunk !== 'object') continue;
    if (chunk.error) out.error = readError(chunk.error);
    if (typeof chunk.model === 'string') out.model = chunk.model;
    if (chunk.usage) out.usage = readUsage(chunk.usage);
    for (const c of Array.isArray(chunk.choices) ? chunk.choices : []) {
      const index = Number.isInteger(c?.index) ? c.index : 0;
      let b = builders.get(index);
      if (!b) builders.set(index, (b = { content: '', sawContent: false, refusal: null, tools: new Map(), finish: null }));
      const delta = c?.delta ?? {};
      if (typeof delta.content === 'string') {
        b.content += delta.content;
        b.sawContent = true;
      }
      if (typeof delta.refusal === 'string') b.refusal = (b.refusal ?? '') + delta.refusal;
      for (const t of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
        const ti = Number.isInteger(t?.index) ? t.index : 0;
        let call = b.tools.get(ti);
        if (!call) b.tools.set(ti, (call = { id: '', type: 'function', function: { name: '', arguments: '' } }));
        if (t.id) call.id = t.id;
        if (t.type) call.type = t.type;
        if (t.function?.name) call.function.name += t.function.name;
        if (t.function?.arguments) call.function.arguments += t.function.arguments;
      }
      if (c?.finish_reason) b.finish = c.finish_reason;
    }
  }
  out.choices = [...builders.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, b]) => {
      const message: AssistantMessage = { role: 'assistant', content: b.sawContent ? b.content : null };
      if (b.tools.size > 0) message.tool_calls = [...b.tools.entries()].sort(([x], [y]) => x - y).map(([, t]) => t);
      if (b.refusal !== null) message.refusal = b.refusal;
      return { index, message, finish_reason: b.finish };
    });
  return out;
}
