// Tracing through @opentelemetry/api. Without OTEL_EXPORTER_OTLP_ENDPOINT nothing is registered: the API's
// no-op tracer and propagator make every call here a few property reads. With it, startTracing loads the SDK
// (lazily, so the no-op path never imports it), exports spans over OTLP/HTTP, and propagates W3C trace
// context, so a consumer's span joins the trace of the request whose turn it processes: the proxy writes
// `traceparent` into the turn's Kafka headers, and each consumer continues from it and passes it on.
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { Config } from '../config.js';
import type { DeliveredRecord } from '../bus/types.js';
import type { Logger } from '../log.js';

const TRACER = 'insitu';

export function tracer(): Tracer {
  return trace.getTracer(TRACER);
}

/** The context of a span, for starting children or injecting headers. */
export const contextWith = (span: Span, parent: Context = context.active()): Context => trace.setSpan(parent, span);

/** W3C trace-context headers (traceparent, tracestate) of `ctx`; empty when tracing is off. */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The context carried by incoming headers (HTTP or bus), or the root context. */
export function contextFrom(headers: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(ROOT_CONTEXT, headers, {
    keys: (carrier) => Object.keys(carrier),
    get: (carrier, key) => {
      const value = carrier[key.toLowerCase()] ?? carrier[key];
      return Array.isArray(value) ? value[0] : value;
    },
  });
}

/**
 * Runs `fn` in a consumer span for one bus record, child of the trace its headers carry (messaging semantic
 * conventions: `process <topic>`). Headers the callback publishes with traceHeaders() continue this trace.
 */
export async function withRecordSpan<T>(record: DeliveredRecord, consumer: string, fn: (span: Span) => Promise<T>): Promise<T> {
  const span = tracer().startSpan(
    `process ${record.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': record.topic,
        'messaging.destination.partition.id': String(record.partition),
        'messaging.kafka.offset': Number(record.offset),
        'messaging.consumer.group.name': consumer,
      },
    },
    contextFrom(record.headers),
  );
  try {
    return await context.with(contextWith(span, contextFrom(record.headers)), () => fn(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

export interface Telemetry {
  enabled: boolean;
  shutdown(): Promise<void>;
}

/** Registers the SDK when an OTLP endpoint is configured; otherwise does nothing. */
export async function startTracing(config: Config, logger: Logger): Promise<Telemetry> {
  const endpoint = config.telemetry.otlpEndpoint;
  if (!endpoint) return { enabled: false, shutdown: async () => {} };
  const [{ TracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, { W3CTraceContextPropagator }, { AsyncLocalStorageContextManager }] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
    import('@opentelemetry/context-async-hooks'),
  ]);
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.telemetry.serviceName }),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  logger.info('tracing on', { otlp: endpoint, service: config.telemetry.serviceName });
  return {
    enabled: true,
    async shutdown() {
      await provider.shutdown().catch((error: unknown) => logger.warn('flushing spans failed', { error }));
    },
  };
}
