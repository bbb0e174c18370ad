// What the proxy tells operators about each chat exchange: one OpenTelemetry span (GenAI semantic
// conventions: `chat <model>`, gen_ai.* attributes, child of the caller's traceparent) and the request
// metrics (count and duration by status and model, upstream latency, time to first byte, tokens). The span's
// context rides on the turn's bus headers so the consumers' spans join the request's trace.
import type { IncomingHttpHeaders } from 'node:http';
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
  totalSeconds: number;
  stream: boolean;
}

export interface ExchangeObservation {
  /** traceparent (and tracestate) for the turn's bus headers; empty when tracing is off. */
  readonly traceHeaders: Record<string, string>;
  finish(outcome: ExchangeOutcome): void;
}

export type ProxyObserver = (headers: IncomingHttpHeaders, request: Record<string, unknown>) => ExchangeObservation;

/** Which status label a finished exchange gets: the HTTP status the client saw, or why it had none. */
function statusLabel(o: ExchangeOutcome): string {
  if (o.endedBy === 'client_abort') return 'client_abort';
  if (o.upstreamStatus !== null) return String(o.upstreamStatus);
  return o.endedBy === 'upstream_timeout' ? '504' : '502';
}

export function createProxyObserver(metrics: Metrics, upstreamHost: string): ProxyObserver {
  const requests = metrics.counter('insitu_proxy_requests_total', 'Chat completion requests proxied, by status (or client_abort) and requested model.');
  const duration = metrics.histogram('insitu_proxy_request_duration_seconds', 'Whole exchange, request received to response end, by status and requested model.', LATENCY_BUCKETS);
  const upstream = metrics.histogram('insitu_proxy_upstream_latency_seconds', 'Request received to upstream response headers, by requested model.', LATENCY_BUCKETS);
  const firstByte = metrics.histogram('insitu_proxy_time_to_first_byte_seconds', 'Request received to the first response byte sent to the client, by requested model and stream.', LATENCY_BUCKETS);
  const tokens = metrics.counter('insitu_proxy_tokens_total', 'Tokens the upstream reported, by requested model and type (input, output).');

  return (headers, request) => {
    const model = typeof request.model === 'string' ? request.model : 'unknown';
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
        requests.inc({ status, model });
        duration.observe({ status, model }, o.totalSeconds);
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
}
