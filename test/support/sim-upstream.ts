// A scriptable OpenAI-compatible model server on a real socket, for testing the proxy end to end.
// Responses are typed with the openai package's own types so the shapes stay what the SDK expects.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionMessageFunctionToolCall } from 'openai/resources/chat/completions';
import type { Model } from 'openai/resources/models';
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings';
import type { Moderation, ModerationCreateResponse } from 'openai/resources/moderations';

// Any string: non-OpenAI servers send others (e.g. vLLM's 'abort'); the SDK literals stay as autocompletion.
type FinishReason = ChatCompletion.Choice['finish_reason'] | (string & {});
// The wire value: the SDK types only know OpenAI's literals, so cast where the plan becomes a typed body.
const asSdk = (r: FinishReason) => r as ChatCompletion.Choice['finish_reason'];

export interface CompletionReply {
  kind: 'completion';
  /** Default: `echo: <last user message>`, or null when toolCalls are given. */
  content?: string | null;
  toolCalls?: { id?: string; name: string; arguments: string }[];
  /** Number of choices; default the request's n (or 1). */
  n?: number;
  /** Default 'tool_calls' with toolCalls, else 'stop'. */
  finishReason?: FinishReason;
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** Served model; default `<requested>-served`. */
  model?: string;
  /** Wait before sending headers. */
  delayMs?: number;
  /** Wait between SSE events (streaming only). */
  chunkDelayMs?: number;
  /** Send `: keep-alive` SSE comments between chunks. */
  keepAliveComments?: boolean;
}
export interface ErrorReply {
  kind: 'error';
  status: number;
  /** JSON body; default an OpenAI-style error object. */
  body?: unknown;
  /** Sent verbatim as text/html instead of `body` (e.g. a gateway's 502 page). */
  rawBody?: string;
  delayMs?: number;
}
/** Never answers, until the client gives up or the server closes. */
export interface HangReply {
  kind: 'hang';
}
/** Sends headers and `afterChunks` SSE events of the default streamed answer, then destroys the socket. */
export interface DropReply {
  kind: 'drop';
  afterChunks: number;
}
/** Exact status, headers and bytes. */
export interface RawReply {
  kind: 'raw';
  status: number;
  headers: Record<string, string>;
  chunks: (string | Buffer)[];
  chunkDelayMs?: number;
  /** Before sending chunk `chunk`, wait for `until` (lets a test see what reached the client mid-stream). */
  pauseBefore?: { chunk: number; until: Promise<unknown> };
}
export type Reply = CompletionReply | ErrorReply | HangReply | DropReply | RawReply;

export type ModerationCategory = keyof Moderation.Categories;
/** What POST /v1/moderations answers next: an error (or a hang) instead of the scripted verdicts. */
export type ModerationReply = ErrorReply | HangReply;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json: any | undefined;
  receivedAt: number;
}

export interface SimUpstream {
  /** Base URL including /v1, e.g. for `new OpenAI({ baseURL: sim.url })`. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Requests whose client connection closed before the response was finished (monotonic: compare with a baseline). */
  readonly clientAborts: number;
  /** Queue replies, consumed one per chat completion request (FIFO). */
  enqueue(...replies: Reply[]): void;
  /**
   * Answer chat completions from the request itself (e.g. per requested model) when the queue is empty;
   * return undefined for the default echo. null removes the responder.
   */
  respondWith(responder: ((request: any) => Reply | undefined) | null): void;
  /** Clear the queue and the recorded requests (clientAborts keeps counting), and the moderation script. */
  reset(): void;
  /** POST /v1/moderations flags every input containing `marker` with these categories (others pass). */
  flagModeration(marker: string, categories: ModerationCategory[]): void;
  /** Queue moderation replies (errors, hangs), consumed one per moderation request before the scripted verdicts. */
  enqueueModeration(...replies: ModerationReply[]): void;
  waitForRequests(n: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  waitForClientAborts(n: number, timeoutMs?: number): Promise<void>;
  /** Close the server, destroying open sockets (hanging requests included). */
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

function openaiError(status: number, message: string, code: string | null = null) {
  return { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code } };
}

function lastUserText(json: any): string {
  const messages: any[] = Array.isArray(json?.messages) ? json.messages : [];
  const last = [...messages].reverse().find((m) => m?.role === 'user');
  const c = last?.content;
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map((p: any) => (typeof p?.text === 'string' ? p.text : '')).join('');
  return '';
}

// Split keeping every character so the deltas join back to the exact content ("one ", "two ", "three").
const splitWords = (s: string) => s.split(/(?<=\s)(?=\S)/).filter((p) => p.length > 0);
const splitEvery = (s: string, size: number) => Array.from({ length: Math.ceil(s.length / size) }, (_, i) => s.slice(i * size, (i + 1) * size));

interface Plan {
  id: string;
  created: number;
  model: string;
  content: string | null;
  toolCalls: ChatCompletionMessageFunctionToolCall[];
  n: number;
  finishReason: FinishReason;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

let counter = 0;
function plan(reply: CompletionReply, json: any): Plan {
  const toolCalls = (reply.toolCalls ?? []).map((t, i) => ({ id: t.id ?? `call_sim_${i}`, type: 'function' as const, function: { name: t.name, arguments: t.arguments } }));
  const content = reply.content !== undefined ? reply.content : toolCalls.length ? null : `echo: ${lastUserText(json)}`;
  const n = reply.n ?? (typeof json?.n === 'number' && json.n > 0 ? json.n : 1);
  const promptTokens = reply.usage?.prompt_tokens ?? words(JSON.stringify(json?.messages ?? ''));
  const completionTokens = reply.usage?.completion_tokens ?? n * words(content ?? '');
  return {
    id: `chatcmpl-sim-${++counter}`,
    created: Math.floor(Date.now() / 1000),
    model: reply.model ?? `${typeof json?.model === 'string' ? json.model : 'sim'}-served`,
    content,
    toolCalls,
    n,
    finishReason: reply.finishReason ?? (toolCalls.length ? 'tool_calls' : 'stop'),
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

function completionBody(p: Plan): ChatCompletion {
  return {
    id: p.id,
    object: 'chat.completion',
    created: p.created,
    model: p.model,
    choices: Array.from({ length: p.n }, (_, index) => ({
      index,
      finish_reason: asSdk(p.finishReason),
      logprobs: null,
      message: { role: 'assistant' as const, content: p.content, refusal: null, ...(p.toolCalls.length ? { tool_calls: p.toolCalls } : {}) },
    })),
    usage: p.usage,
  };
}

/** The SSE events (without framing) of a streamed answer, in the order OpenAI sends them. */
function chunkEvents(p: Plan, includeUsage: boolean): ChatCompletionChunk[] {
  const chunk = (choices: ChatCompletionChunk.Choice[], usage?: Plan['usage']): ChatCompletionChunk => ({
    id: p.id,
    object: 'chat.completion.chunk',
    created: p.created,
    model: p.model,
    choices,
    ...(includeUsage ? { usage: usage ?? null } : {}),
  });
  const out: ChatCompletionChunk[] = [];
  for (let index = 0; index < p.n; index++) {
    const delta = (d: ChatCompletionChunk.Choice.Delta) => out.push(chunk([{ index, delta: d, finish_reason: null, logprobs: null }]));
    delta({ role: 'assistant', content: p.content === null ? null : '' });
    for (const piece of splitWords(p.content ?? '')) delta({ content: piece });
    p.toolCalls.forEach((t, i) => {
      delta({ tool_calls: [{ index: i, id: t.id, type: 'function', function: { name: t.function.name, arguments: '' } }] });
      for (const piece of splitEvery(t.function.arguments, 6)) delta({ tool_calls: [{ index: i, function: { arguments: piece } }] });
    });
    out.push(chunk([{ index, delta: {}, finish_reason: asSdk(p.finishReason), logprobs: null }]));
  }
  if (includeUsage) out.push(chunk([], p.usage));
  return out;
}

function embeddings(json: any): CreateEmbeddingResponse {
  const raw = json?.input;
  const inputs: unknown[] = Array.isArray(raw) && raw.length > 0 && typeof raw[0] !== 'number' ? raw : [raw];
  const dims = typeof json?.dimensions === 'number' && json.dimensions > 0 ? Math.min(json.dimensions, 32) : 8;
  const data = inputs.map((input, index) => {
    // Deterministic: the same input always gives the same vector, values in [-1, 1].
    const digest = createHash('sha256').update(JSON.stringify(input)).digest();
    // Math.fround: float32-exact values, so base64 (float32) and float encodings decode to the same numbers.
    const vector = Array.from({ length: dims }, (_, i) => Math.fround((digest[i]! / 255) * 2 - 1));
    // The SDK asks for base64 (little-endian float32) by default and decodes it itself.
    const embedding = json?.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return { object: 'embedding' as const, index, embedding: embedding as number[] };
  });
  const tokens = inputs.reduce<number>((sum, x) => sum + words(String(x)), 0);
  return { object: 'list', model: typeof json?.model === 'string' ? json.model : 'sim-embedding', data, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

const MODERATION_CATEGORIES: ModerationCategory[] = [
  'harassment', 'harassment/threatening', 'hate', 'hate/threatening', 'illicit', 'illicit/violent', 'self-harm',
  'self-harm/instructions', 'self-harm/intent', 'sexual', 'sexual/minors', 'violence', 'violence/graphic',
];

/** One result per text input; an input is flagged with the categories of every marker it contains. */
function moderations(json: any, rules: Map<string, ModerationCategory[]>): ModerationCreateResponse {
  const raw = json?.input;
  const inputs: string[] = (Array.isArray(raw) ? raw : [raw]).map((x: unknown) => (typeof x === 'string' ? x : typeof (x as any)?.text === 'string' ? (x as any).text : ''));
  const results: Moderation[] = inputs.map((input) => {
    const hit = new Set([...rules].filter(([marker]) => input.includes(marker)).flatMap(([, categories]) => categories));
    const flags = MODERATION_CATEGORIES.map((c) => [c, hit.has(c)] as const);
    return {
      flagged: hit.size > 0,
      categories: Object.fromEntries(flags) as unknown as Moderation.Categories,
      category_scores: Object.fromEntries(flags.map(([c, on]) => [c, on ? 0.98 : 0.001])) as unknown as Moderation.CategoryScores,
      category_applied_input_types: Object.fromEntries(flags.map(([c]) => [c, ['text']])) as unknown as Moderation.CategoryAppliedInputTypes,
    };
  });
  return { id: `modr-sim-${++counter}`, model: typeof json?.model === 'string' ? json.model : 'omni-moderation-latest', results };
}

export async function startSimUpstream(): Promise<SimUpstream> {
  let queue: Reply[] = [];
  let responder: ((request: any) => Reply | undefined) | null = null;
  let moderationQueue: ModerationReply[] = [];
  const moderationRules = new Map<string, ModerationCategory[]>();
  const requests: RecordedRequest[] = [];
  let clientAborts = 0;
  let closing = false;
  let waiters: (() => void)[] = [];
  const notify = () => waiters.forEach((w) => w());

  const writeJson = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  async function writeError(res: ServerResponse, reply: ErrorReply): Promise<void> {
    if (reply.delayMs) await sleep(reply.delayMs);
    if (res.destroyed) return;
    if (reply.rawBody !== undefined) {
      res.writeHead(reply.status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(reply.rawBody) });
      res.end(reply.rawBody);
    } else writeJson(res, reply.status, reply.body ?? openaiError(reply.status, `simulated upstream error ${reply.status}`));
  }

  async function chat(req: RecordedRequest, res: ServerResponse, dropped: () => void): Promise<void> {
    const reply: Reply = queue.shift() ?? responder?.(req.json) ?? { kind: 'completion' };
    const stream = req.json?.stream === true;
    switch (reply.kind) {
      case 'hang':
        return; // the socket stays open until the client leaves or close() destroys it
      case 'error':
        return writeError(res, reply);
      case 'raw': {
        res.writeHead(reply.status, reply.headers);
        for (const [i, c] of reply.chunks.entries()) {
          if (i > 0 && reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
          if (reply.pauseBefore?.chunk === i) await reply.pauseBefore.until;
          if (res.destroyed) return;
          res.write(c);
        }
        res.end();
        return;
      }
      case 'drop': {
        const events = chunkEvents(plan({ kind: 'completion' }, req.json), false);
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.flushHeaders();
        for (const e of events.slice(0, reply.afterChunks)) res.write(`data: ${JSON.stringify(e)}\n\n`);
        dropped();
        // Let the written bytes reach the client before the connection is cut.
        await sleep(20);
        res.socket?.destroy();
        return;
      }
      case 'completion': {
        if (reply.delayMs) await sleep(reply.delayMs);
        if (res.destroyed) return;
        const p = plan(reply, req.json);
        if (!stream) return writeJson(res, 200, completionBody(p));
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        const events = chunkEvents(p, req.json?.stream_options?.include_usage === true);
        for (const [i, e] of events.entries()) {
          if (i > 0) {
            if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
            if (reply.keepAliveComments) res.write(': keep-alive\n\n');
          }
          if (res.destroyed) return;
          res.write(`data: ${JSON.stringify(e)}\n\n`);
        }
        if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
        if (res.destroyed) return;
        res.end('data: [DONE]\n\n');
        return;
      }
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    for await (const c of req) parts.push(c as Buffer);
    const body = Buffer.concat(parts);
    let json: any;
    try {
      json = body.length ? JSON.parse(body.toString('utf8')) : undefined;
    } catch {
      json = undefined;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const record: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, json, receivedAt: Date.now() };
    requests.push(record);
    notify();

    // A response closed before it finished means the client (e.g. the proxy) went away: count it,
    // unless we cut the connection ourselves (drop, close()).
    let selfInflicted = false;
    res.on('close', () => {
      if (!res.writableFinished && !selfInflicted && !closing) {
        clientAborts++;
        notify();
      }
    });

    if (req.method === 'POST' && path === '/v1/chat/completions') {
      if (body.length && json === undefined) return writeJson(res, 400, openaiError(400, 'request body is not valid JSON'));
      return chat(record, res, () => (selfInflicted = true));
    }
    if (req.method === 'GET' && path === '/v1/models') {
      const data: Model[] = ['gpt-sim', 'gpt-sim-mini', 'sim-embedding'].map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'sim' }));
      return writeJson(res, 200, { object: 'list', data });
    }
    if (req.method === 'POST' && path === '/v1/embeddings') return writeJson(res, 200, embeddings(json));
    if (req.method === 'POST' && path === '/v1/moderations') {
      const reply = moderationQueue.shift();
      if (reply?.kind === 'hang') return;
      if (reply?.kind === 'error') return writeError(res, reply);
      return writeJson(res, 200, moderations(json, moderationRules));
    }
    writeJson(res, 404, openaiError(404, `Unknown request URL: ${req.method} ${path}`, 'unknown_url'));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) writeJson(res, 500, openaiError(500, `sim upstream bug: ${err.message}`));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const waitFor = (ok: () => boolean, timeoutMs: number, what: () => string) =>
    new Promise<void>((resolve, reject) => {
      if (ok()) return resolve();
      const check = () => {
        if (!ok()) return;
        clearTimeout(timer);
        waiters = waiters.filter((w) => w !== check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters = waiters.filter((w) => w !== check);
        reject(new Error(`sim upstream: timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      waiters.push(check);
    });

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    get clientAborts() {
      return clientAborts;
    },
    enqueue: (...replies) => void queue.push(...replies),
    respondWith: (fn) => void (responder = fn),
    reset() {
      queue = [];
      responder = null;
      moderationQueue = [];
      moderationRules.clear();
      requests.length = 0; // keep the same array: callers may hold a reference to sim.requests
    },
    flagModeration: (marker, categories) => void moderationRules.set(marker, categories),
    enqueueModeration: (...replies) => void moderationQueue.push(...replies),
    async waitForRequests(n, timeoutMs = 5000) {
      await waitFor(() => requests.length >= n, timeoutMs, () => `${n} requests (have ${requests.length})`);
      return requests;
    },
    waitForClientAborts: (n, timeoutMs = 5000) => waitFor(() => clientAborts >= n, timeoutMs, () => `${n} client aborts (have ${clientAborts})`),
    close() {
      closing = true;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // hanging and streaming responses included
      });
    },
  };
}
