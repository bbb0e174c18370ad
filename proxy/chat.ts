// POST /v1/chat/completions: forward the client's bytes upstream, stream the answer back as it arrives,
// and once the client has it, record the exchange as a TurnEvent. Stitching runs concurrently with the
// upstream call, so it adds no latency unless the state store is slower than the model.
import { redactSecrets } from '../src/secrets.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { estimateTokens } from '../src/auth/token-estimate.js';
import { RequestError } from '../src/errors.js';
import { newTurnId } from '../src/ids.js';
import type { Logger } from '../src/log.js';
import type { AuthenticatedKey, AuthGate } from './auth.js';
import { parseChatRequest, type ChatRequest } from './chat-request.js';
import { decodeBody, readCompletionJson, readCompletionStream, type ReadCompletion } from './completion-reader.js';
import { errorBody, readBody, sendError, sendRequestError } from './http-errors.js';
import type { ModelRouter } from './model-router.js';
import type { ProxyObserver } from './observe.js';
import type { Personalizer } from './personalizer.js';
import { rewriteRequest } from './request-rewrite.js';
import { createDoneSplitter } from './sse-done.js';
import type { Stitch, Stitcher } from './stitching.js';
import { buildTurnEvent, type TurnRecorder } from './turn-recorder.js';
import { DROP_RESPONSE, UpstreamError, type Upstream } from './upstream.js';

export interface InflightTracker {
  begin(): () => void;
  /** Requests begun and not yet ended. */
  readonly count: number;
}

export interface ChatHandlerDeps {
  upstream: Upstream;
  stitcher: Stitcher;
  recorder: TurnRecorder;
  inflight: InflightTracker;
  /** Set when INSITU_PERSONALIZE is on. */
  personalizer?: Personalizer;
  /** Resolves the served alias to the promoted model. */
  router?: ModelRouter;
  /** Span and metrics per exchange. */
  observe?: ProxyObserver;
  /** Set when INSITU_AUTH=keys: every request presents a virtual key, counted against its rate limits. */
  auth?: AuthGate;
  /** INSITU_MAX_INFLIGHT: beyond it a request is refused at once with 503 instead of queueing. */
  maxInflight?: number;
  /** INSITU_SPOOL_MAX_BYTES: while the publish spool holds this much, new requests are refused with 503. */
  spool?: { pendingBytes: () => number; maxBytes: number };
  /** INSITU_MAX_MESSAGES: more messages in one request is a 400. */
  maxMessages?: number;
  /** Secrets (the upstream key) removed from anything relayed from the upstream: an error body may echo them. */
  secrets?: string[];
  maxBodyBytes: number;
  defaultTenant: string;
  logger: Logger;
}

const noCompletion = (): ReadCompletion => ({ choices: [], model: null, usage: null, error: null });

export function createChatHandler(deps: ChatHandlerDeps) {
  const { upstream, stitcher, recorder, logger } = deps;
  const redact = (text: string) => redactSecrets(text, deps.secrets ?? []);

  return async function handleChat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (deps.maxInflight !== undefined && deps.inflight.count >= deps.maxInflight) {
      // Shed load before any work (no body read, no state call): a fast 503 lets clients back off or go elsewhere.
      sendError(res, 503, errorBody(`The proxy is at its limit of ${deps.maxInflight} concurrent chat requests. Please retry shortly.`, 'server_error', 'overloaded'), { 'retry-after': '1', connection: 'close' });
      return;
    }
    if (deps.spool && deps.spool.pendingBytes() >= deps.spool.maxBytes) {
      // The bus has been away long enough to fill the disk bound: a turn accepted now could not be recorded.
      sendError(res, 503, errorBody('The proxy cannot record more requests until its event bus catches up (publish spool full). Please retry later.', 'server_error', 'spool_full'), { 'retry-after': '5', connection: 'close' });
      return;
    }
    const done = deps.inflight.begin();
    try {
      const key = deps.auth ? await deps.auth.admit(req, res, { rateLimited: true }) : null;
      if (deps.auth && key === null) return; // refused and answered (401, 403, 429 or 503)
      await exchange(req, res, key);
    } catch (error) {
      logger.error('chat handler failed', { error });
      if (!res.headersSent) sendError(res, 500, errorBody('Internal proxy error.', 'server_error', 'internal_error'));
      else res.destroy();
    } finally {
      done();
    }
  };

  async function exchange(req: IncomingMessage, res: ServerResponse, key: AuthenticatedKey | null): Promise<void> {
    const startedAt = performance.now();
    const createdAt = Date.now();
    let chat: ChatRequest;
    let raw: Buffer;
    try {
      raw = await readBody(req, deps.maxBodyBytes);
      chat = parseChatRequest(raw, req.headers, deps.defaultTenant, { maxMessages: deps.maxMessages });
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      // Nothing is recorded for a refused request. Close the connection if the body was not read to its end.
      sendRequestError(res, error, error.status === 413 ? { connection: 'close' } : {});
      return;
    }

    const turnId = newTurnId();
    const observation = deps.observe?.exchange(req, chat.body);
    let headersSentAt: number | null = null;
    const stitching = stitcher.resolve(chat.tenant, chat.body.messages, chat.conversationId);
    const forwarded = await rewriteRequest(chat, raw, deps);
    // With tracing on, the model server sees the proxy's span as its parent (not the app's span it skipped).
    const trace = observation?.traceHeaders;
    const call = upstream.call('POST', '/chat/completions', trace && trace.traceparent ? { ...req.headers, ...trace } : req.headers, forwarded.raw);
    let clientGone = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        clientGone = true;
        call.abort();
      }
    });

    const record = (stitch: Stitch, fields: { completion: ReadCompletion; upstreamStatus: number | null; endedBy: string | null; error: { message: string; type: string } | null; firstByteAt: number | null }) => {
      const event = buildTurnEvent({
        turnId,
        conversationId: stitch.conversationId,
        turnIndex: stitch.turnIndex,
        stitch: stitch.method,
        tenant: chat.tenant,
        user: chat.user,
        body: chat.body,
        stream: chat.stream,
        personalized: forwarded.added,
        ...fields,
        startedAt: createdAt,
        firstByteAt: fields.firstByteAt === null ? null : createdAt + (fields.firstByteAt - startedAt),
        endedAt: createdAt + (performance.now() - startedAt),
      });
      const now = performance.now();
      observation?.finish({
        ...fields,
        conversationId: stitch.conversationId,
        upstreamSeconds: fields.firstByteAt === null ? null : (fields.firstByteAt - startedAt) / 1000,
        // A JSON body (or an error) is sent right after the turn is recorded; a stream started earlier.
        firstByteSeconds: fields.endedBy === 'client_abort' ? null : ((headersSentAt ?? now) - startedAt) / 1000,
        stream: chat.stream,
      });
      recorder.record(event, observation?.traceHeaders);
      // Charged from the upstream's usage, or, when it reported none but answered, from an estimate.
      const { usage, choices } = fields.completion;
      if (key) deps.auth?.countTokens(key, usage ?? (choices.length > 0 ? { total_tokens: estimateTokens(chat.body.messages, choices) } : null));
    };
    const insituHeaders = (stitch: Stitch) => ({ 'x-insitu-conversation-id': stitch.conversationId, 'x-insitu-turn-id': turnId });

    let upstreamRes: IncomingMessage;
    try {
      upstreamRes = await call.response;
    } catch (error) {
      const stitch = await stitching;
      const failure = error instanceof UpstreamError ? error : new UpstreamError(String(error), 502, 'upstream_broken');
      if (clientGone) {
        record(stitch, { completion: noCompletion(), upstreamStatus: null, endedBy: 'client_abort', error: null, firstByteAt: null });
        return;
      }
      record(stitch, { completion: noCompletion(), upstreamStatus: null, endedBy: failure.status === 504 ? 'upstream_timeout' : 'upstream_error', error: { message: failure.message, type: failure.code }, firstByteAt: null });
      sendError(res, failure.status, errorBody(failure.message, 'upstream_error', failure.code), insituHeaders(stitch));
      return;
    }
    const firstByteAt = performance.now();
    const stitch = await stitching;
    const status = upstreamRes.statusCode ?? 502;
    const contentType = String(upstreamRes.headers['content-type'] ?? '');
    const isStream = contentType.includes('text/event-stream');

    if (status >= 400) {
      await relayUpstreamError(upstreamRes, res, status, insituHeaders(stitch), redact, (completion, endedBy) =>
        record(stitch, { completion, upstreamStatus: status, endedBy, error: completion.error ?? { message: `upstream answered ${status}`, type: 'upstream_error' }, firstByteAt }),
      );
      return;
    }

    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(upstreamRes.headers)) if (value !== undefined && !DROP_RESPONSE.has(name)) headers[name] = value;
    Object.assign(headers, insituHeaders(stitch));
    res.writeHead(status, headers);
    if (isStream) {
      res.flushHeaders();
      headersSentAt = performance.now();
    }

    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) => {
      let finished = false;
      // The turn goes to the spool before the client sees the end of its response, so any answer a client
      // has completed is durable: a JSON body is sent whole after recording; in a stream, the chunk that
      // `data: [DONE]` event (and anything after it) is held back until the turn is recorded.
      const splitter = createDoneSplitter();
      const finish = (endedBy: string | null, error: UpstreamError | null) => {
        if (finished) return;
        finished = true;
        const text = decodeBody(chunks, upstreamRes.headers['content-encoding'] as string | undefined);
        const completion = isStream ? readCompletionStream(text) : readCompletionJson(text);
        const ended = clientGone ? 'client_abort' : endedBy;
        if (!ended && completion.choices.length > 0) stitcher.remember(chat.tenant, stitch, chat.body.messages, completion.choices.map((c) => c.message));
        record(stitch, { completion, upstreamStatus: status, endedBy: ended, error: error ? { message: error.message, type: error.code } : null, firstByteAt });
        if (!clientGone) {
          if (error && isStream) {
            // Headers are gone; tell an SSE client in-band, as OpenAI does, then end the stream.
            const rest = splitter.held();
            if (rest.length > 0) res.write(rest);
            res.end(`data: ${JSON.stringify(errorBody(error.message, 'upstream_error', error.code))}\n\n`);
          } else if (error) {
            res.destroy(); // a cut JSON body must not look complete
          } else if (isStream) {
            res.end(splitter.held());
          } else {
            res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
          }
        }
        resolve();
      };
      upstreamRes.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (clientGone || !isStream) return;
        const now = splitter.push(chunk);
        if (now.length === 0) return;
        if (!res.write(now)) {
          upstreamRes.pause();
          res.once('drain', () => upstreamRes.resume());
        }
      });
      upstreamRes.on('end', () => finish(null, null));
      upstreamRes.on('error', (error) => {
        const e = error instanceof UpstreamError ? error : new UpstreamError(`upstream broke off the response: ${error.message}`, 502, 'upstream_broken');
        finish(clientGone ? 'client_abort' : e.status === 504 ? 'upstream_timeout' : 'upstream_error', clientGone ? null : e);
      });
      upstreamRes.on('close', () => {
        if (!upstreamRes.complete) finish(clientGone ? 'client_abort' : 'upstream_error', clientGone ? null : new UpstreamError('upstream closed the connection mid-response', 502, 'upstream_broken'));
      });
    });
  }
}

/**
 * An upstream error status: its JSON error passes through as is; anything else (an HTML page from a load
 * balancer, an empty body) is wrapped into an OpenAI-style error with the same status.
 */
async function relayUpstreamError(
  upstreamRes: IncomingMessage,
  res: ServerResponse,
  status: number,
  insituHeaders: Record<string, string>,
  redact: (text: string) => string,
  onDone: (completion: ReadCompletion, endedBy: string) => void,
): Promise<void> {
  const chunks: Buffer[] = [];
  let broken = false;
  await new Promise<void>((resolve) => {
    upstreamRes.on('data', (c: Buffer) => chunks.push(c));
    upstreamRes.on('end', resolve);
    upstreamRes.on('error', () => {
      broken = true;
      resolve();
    });
    upstreamRes.on('close', resolve);
  });
  // An upstream may echo what it was sent (e.g. the Authorization header in a 401): that never goes further.
  const text = redact(decodeBody(chunks, upstreamRes.headers['content-encoding'] as string | undefined));
  const completion = readCompletionJson(text);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const passThrough = !broken && body && typeof body === 'object' && (body as { error?: unknown }).error && typeof (body as { error?: unknown }).error === 'object';
  const headers: Record<string, string> = { ...insituHeaders };
  for (const name of ['retry-after', 'x-request-id', 'x-ratelimit-remaining-requests', 'x-ratelimit-remaining-tokens']) {
    const v = upstreamRes.headers[name];
    if (typeof v === 'string') headers[name] = v;
  }
  onDone(completion, 'upstream_error');
  if (passThrough) {
    sendError(res, status, body as ReturnType<typeof errorBody>, headers);
  } else {
    const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
    sendError(res, status, errorBody(`Upstream answered HTTP ${status}${snippet ? `: ${snippet}` : ''}`, status >= 500 ? 'upstream_error' : 'invalid_request_error', `upstream_http_${status}`), headers);
  }
}
