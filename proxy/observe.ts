// What the proxy tells operators about each request. Every request (any route, any status, refused early or
// not) is counted and timed by route, status and model once its response ends. A chat exchange also gets one
// OpenTelemetry span (GenAI semantic conventions: `chat <model>`, gen_ai.* attributes, child of the caller's
// traceparent) and the upstream latency, time to first byte and token metrics; its span's context rides on
// the turn's bus headers so the consumers' spans join the request's trace. A pass-through request gets an
// HTTP client span (with gen_ai.operation.name where the route has one, e.g. embeddings).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { LATENCY_BUCKETS, type Metrics } from '../src/telemetry/metrics.js';
import { contextFrom, contextWith, traceHeaders, tracer } from '../src/telemetry/tracing.js';
import type { ReadCompletion } from './completion-reader.js';

export interface ExchangeOutcome {
  completion: ReadCompletion;
  upstreamStatus: number | null;
  endedBy: string | null;
  error: { message: string; type: string } | null;
  conversationId: string;
  /** Seconds from the request's start to the upstream's response headers; null when none came. */
  upstreamSeconds: number | null;
  /** Seconds from the request's start to the first byte sent to the client; null when none was. */
  firstByteSeconds: number | null;
  stream: boolean;
}

export interface ExchangeObservation {
  /** traceparent (and tracestate) for the turn's bus headers; empty when tracing is off. */
  readonly traceHeaders: Record<string, string>;
  finish(outcome: ExchangeOutcome): void;
}

export interface ProxyObserver {
  /** Counts the request once its response ends (or the client leaves). Call first, for every request. */
  request(req: IncomingMessage, res: ServerResponse): void;
  /** A parsed chat request: its span and exchange metrics; its model labels the request's count. */
  exchange(req: IncomingMessage, body: Record<string, unknown>): ExchangeObservation;
  /** A pass-through request: its span, ended with the response. Returns the trace headers for the upstream. */
  passthrough(req: IncomingMessage, res: ServerResponse, path: string): Record<string, string>;
}

/** The model label of a request whose body was not parsed (refused early, pass-through, Insitu's own routes). */
export const UNKNOWN_MODEL = 'unknown';

/** Which part of the proxy a request is for; a small fixed set, so it can label metrics. */
export function routeOf(method: string | undefined, url: string | undefined): string {
  const path = (url ?? '/').split('?')[0]!;
  if (path.startsWith('/v1/insitu/') || path === '/v1/insitu') return 'insitu';
  if (path === '/v1/chat/completions' && method === 'POST') return 'chat';
  if (path.startsWith('/v1/')) return 'passthrough';
  if (path === '/insitu' || path.startsWith('/insitu/')) return 'dashboard';
  if (path === '/healthz' || path === '/readyz' || path === '/metrics') return 'ops';
  return 'unknown';
}

/** Pass-through routes that are GenAI operations (semantic conventions' gen_ai.operation.name). */
const GEN_AI_OPERATIONS: Record<string, string> = { embeddings: 'embeddings', completions: 'text_completion' };

/** Which status label a finished exchange gets: the HTTP status the client saw, or why it had none. */
function statusLabel(o: ExchangeOutcome): string {
  if (o.endedBy === 'client_abort') return 'client_abort';
  if (o.upstreamStatus !== null) return String(o.upstreamStatus);
  return o.endedBy === 'upstream_timeout' ? '504' : '502';
}

export function createProxyObserver(metrics: Metrics, upstreamHost: string): ProxyObserver {
  const requests = metrics.counter('insitu_proxy_requests_total', 'Requests the proxy answered (any route, refusals included), by route (chat, passthrough, insitu, dashboard, ops, unknown), status (or client_abort) and requested model (unknown when not parsed).');
  const duration = metrics.histogram('insitu_proxy_request_duration_seconds', 'Request received to response end, by route, status and requested model.', LATENCY_BUCKETS);
  const upstream = metrics.histogram('insitu_proxy_upstream_latency_seconds', 'Request received to upstream response headers, by requested model.', LATENCY_BUCKETS);
  const firstByte = metrics.histogram('insitu_proxy_time_to_first_byte_seconds', 'Request received to the first response byte sent to the client, by requested model and stream.', LATENCY_BUCKETS);
  const tokens = metrics.counter('insitu_proxy_tokens_total', 'Tokens the upstream reported, by requested model and type (input, output).');

  // The model a request asked for, once its body is parsed; read when the request is counted.
  const modelOf = new WeakMap<IncomingMessage, string>();

  const request = (req: IncomingMessage, res: ServerResponse) => {
    const startedAt = performance.now();
    const route = routeOf(req.method, req.url);
    res.once('close', () => {
      const status = res.writableFinished ? String(res.statusCode) : 'client_abort';
      const labels = { route, status, model: modelOf.get(req) ?? UNKNOWN_MODEL };
      requests.inc(labels);
      duration.observe(labels, (performance.now() - startedAt) / 1000);
    });
  };

  const passthrough = (req: IncomingMessage, res: ServerResponse, path: string) => {
    const method = req.method ?? 'GET';
    const urlPath = path.split('?')[0]!;
    const segment = /^\/([A-Za-z0-9._-]{1,64})/.exec(urlPath)?.[1];
    const operation = segment ? GEN_AI_OPERATIONS[segment] : undefined;
    const attributes: Record<string, string> = { 'http.request.method': method, 'url.path': `/v1${urlPath}`.slice(0, 512), 'server.address': upstreamHost };
    if (operation) Object.assign(attributes, { 'gen_ai.operation.name': operation, 'gen_ai.provider.name': 'openai' });
    const parent = contextFrom(req.headers);
    const span = tracer().startSpan(operation ?? `${method} /v1/${segment ?? ''}`, { kind: SpanKind.CLIENT, attributes }, parent);
    res.once('close', () => {
      if (!res.writableFinished) {
        span.setAttribute('error.type', 'client_abort');
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client went away' });
      } else {
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 400) {
          span.setAttribute('error.type', String(res.statusCode));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
      }
      span.end();
    });
    return traceHeaders(contextWith(span, parent));
  };

  const exchange = (req: IncomingMessage, request: Record<string, unknown>): ExchangeObservation => {
    const model = typeof request.model === 'string' ? request.model : UNKNOWN_MODEL;
    modelOf.set(req, model);
    const headers = req.headers;
    const attributes: Record<string, string | number | boolean> = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': model,
      'server.address': upstreamHost,
    };
    for (const [field, attribute] of [
      ['temperature', 'gen_ai.request.temperature'],
      ['top_p', 'gen_ai.request.top_p'],
      ['max_tokens', 'gen_ai.request.max_tokens'],
      ['max_completion_tokens', 'gen_ai.request.max_tokens'],
    ] as const) {
      if (typeof request[field] === 'number') attributes[attribute] = request[field] as number;
    }
    const parent = contextFrom(headers);
    const span = tracer().startSpan(`chat ${model}`, { kind: SpanKind.CLIENT, attributes }, parent);
    return {
      traceHeaders: traceHeaders(contextWith(span, parent)),
      finish(o) {
        const status = statusLabel(o);
        if (o.upstreamSeconds !== null) upstream.observe({ model }, o.upstreamSeconds);
        if (o.firstByteSeconds !== null) firstByte.observe({ model, stream: String(o.stream) }, o.firstByteSeconds);
        const usage = o.completion.usage;
        if (usage) {
          tokens.inc({ model, type: 'input' }, usage.prompt_tokens);
          tokens.inc({ model, type: 'output' }, usage.completion_tokens);
        }
        if (span.isRecording()) {
          span.setAttribute('gen_ai.conversation.id', o.conversationId);
          if (o.completion.model) span.setAttribute('gen_ai.response.model', o.completion.model);
          if (usage) {
            span.setAttribute('gen_ai.usage.input_tokens', usage.prompt_tokens);
            span.setAttribute('gen_ai.usage.output_tokens', usage.completion_tokens);
          }
          const reasons = o.completion.choices.map((c) => c.finish_reason).filter((r): r is string => typeof r === 'string');
          if (reasons.length) span.setAttribute('gen_ai.response.finish_reasons', reasons);
          if (o.upstreamStatus !== null) span.setAttribute('http.response.status_code', o.upstreamStatus);
          if (o.error || (o.upstreamStatus ?? 200) >= 400) {
            span.setAttribute('error.type', o.error?.type ?? status);
            span.setStatus({ code: SpanStatusCode.ERROR, message: o.error?.message ?? `upstream answered ${status}` });
          }
        }
        span.end();
      },
    };
  };

  return { request, exchange, passthrough };
}
