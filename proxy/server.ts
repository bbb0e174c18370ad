// Starting and stopping the proxy: HTTP server, outbox, graceful drain on shutdown.
import http, { STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openOutbox, spoolDir, type Outbox } from '../src/bus/index.js';
import type { Runtime } from '../src/runtime.js';
import { createKeyStore } from '../src/auth/key-store.js';
import { createRateLimiter } from '../src/auth/rate-limit.js';
import { createProxyApp, type Readiness } from './app.js';
import { errorBody } from './http-errors.js';
import { createAuthGate } from './auth.js';
import { createDashboard } from './dashboard/index.js';
import { redactionCounts, redactorFromConfig } from '../src/redact/index.js';
import { configSecrets } from '../src/secrets.js';
import { createExplicitFeedbackHandler } from './explicit-feedback.js';
import { createModelRouter } from './model-router.js';
import { createProxyObserver } from './observe.js';
import { createPersonalizer } from './personalizer.js';
import { createRouteStore } from '../src/routing/routes.js';
import { probeDependencies } from '../src/telemetry/readiness.js';
import { createPreferenceStreamHandler } from './preference-stream.js';
import { createStitcher } from './stitching.js';
import { createTurnRecorder } from './turn-recorder.js';
import { createUpstream } from './upstream.js';

export interface ProxyServer {
  url: string;
  port: number;
  outbox: Outbox;
  /** Stops accepting, lets in-flight requests finish, drains the publish queue (what remains stays spooled). */
  close(): Promise<void>;
}

function createInflight() {
  let count = 0;
  let waiters: (() => void)[] = [];
  return {
    begin() {
      count++;
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        if (--count === 0) {
          for (const w of waiters) w();
          waiters = [];
        }
      };
    },
    idle(timeoutMs: number): Promise<boolean> {
      if (count === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
    get count() {
      return count;
    },
  };
}

/**
 * Readiness means "send me traffic": the proxy can answer and durably record requests. A bus outage is what the
 * spool is for, and a state outage only degrades stitching, so both leave the proxy ready but "degraded" (taking
 * every replica out of a Service during a Kafka outage would turn a recorded-later outage into a serving one).
 * Not ready: shutting down, or the spool holds more than INSITU_SPOOL_READY_BYTES (a long outage).
 */
function createReadiness(runtime: Runtime, outbox: Outbox, spoolReadyBytes: number, isClosing: () => boolean): Readiness {
  let cached: { at: number; value: { ready: boolean; details: Record<string, unknown> } } | undefined;
  return {
    async check() {
      if (isClosing()) return { ready: false, details: { status: 'not_ready', reason: 'shutting down' } };
      if (cached && Date.now() - cached.at < 1000) return cached.value;
      const { bus, state } = await probeDependencies(runtime);
      const spool = outbox.stats();
      const spoolFull = spool.pendingBytes >= spoolReadyBytes;
      const degraded = [...(bus.ok ? [] : ['bus unreachable: events wait in the spool']), ...(state.ok ? [] : ['state unreachable: stitching degraded'])];
      const value = {
        ready: !spoolFull,
        details: {
          status: spoolFull ? 'not_ready' : degraded.length > 0 ? 'degraded' : 'ready',
          ...(spoolFull ? { reason: `spool holds ${spool.pendingBytes} bytes, over INSITU_SPOOL_READY_BYTES` } : degraded.length > 0 ? { reason: degraded.join('; ') } : {}),
          bus,
          state: { ...state, ...(state.ok ? {} : { stitching: 'degraded: only x-insitu-conversation-id stitches turns' }) },
          spool: { pending: spool.pending, pending_bytes: spool.pendingBytes, ready_bytes: spoolReadyBytes, from_disk: spool.fromDisk, bus_healthy: spool.busHealthy },
        },
      };
      cached = { at: Date.now(), value };
      return value;
    },
  };
}

export async function startProxy(runtime: Runtime, options: { port?: number; host?: string } = {}): Promise<ProxyServer> {
  const { config, logger } = runtime;
  const log = logger.child('proxy');
  const outbox = openOutbox({ dir: spoolDir(config), bus: runtime.bus, queueLimit: config.publish.queue, batchSize: config.publish.batch, lingerMs: config.publish.lingerMs, logger: log.child('outbox') });
  const upstream = createUpstream(config.upstream);
  const inflight = createInflight();
  const { metrics } = runtime;
  metrics.gauge('insitu_proxy_inflight_requests', 'Chat completion requests in flight.', () => [{ value: inflight.count }]);
  metrics.gauge('insitu_publish_queue_depth', 'Events recorded and not yet acknowledged by the bus (memory queue plus spool).', () => [{ value: outbox.stats().pending }]);
  metrics.gauge('insitu_spool_bytes', 'Bytes of the publish spool not yet acknowledged by the bus.', () => [{ value: outbox.stats().pendingBytes }]);
  metrics.gauge('insitu_spool_write_failures_total', 'Spool writes that failed (disk full, I/O error); each event was kept in memory only, or dropped when memory was full too.', () => [{ value: outbox.stats().writeFailures }], 'counter');
  metrics.gauge('insitu_spool_dropped_events_total', 'Events dropped because neither the spool file nor the memory queue could take them.', () => [{ value: outbox.stats().dropped }], 'counter');
  metrics.gauge('insitu_bus_healthy', '1 while the last publish to the bus succeeded.', () => [{ value: outbox.stats().busHealthy ? 1 : 0 }]);
  // PII leaves the proxy only as placeholders (INSITU_REDACT); a bad policy stops start-up here.
  const redactor = redactorFromConfig(config);
  metrics.gauge(
    'insitu_redactions_total',
    'Personal data replaced by placeholders in recorded events by this process, by type.',
    () => Object.entries(redactionCounts()).map(([type, value]) => ({ labels: { type }, value })),
    'counter',
  );
  const dashboard = createDashboard({ bus: runtime.bus, logger: log.child('dashboard') });
  const stateWaitMs = Math.max(config.stateTimeoutMs, 250);
  const auth =
    config.auth.mode === 'keys'
      ? createAuthGate({
          keys: createKeyStore(runtime.state),
          limiter: createRateLimiter({ state: runtime.state, timeoutMs: stateWaitMs, logger: log.child('auth') }),
          defaults: { rpm: config.auth.defaultRpm, tpm: config.auth.defaultTpm },
          timeoutMs: stateWaitMs,
          logger: log.child('auth'),
        })
      : undefined;
  let closing: Promise<void> | undefined;
  const app = createProxyApp({
    upstream,
    stitcher: createStitcher({ state: runtime.state, ttlSeconds: config.conversationTtlSeconds, timeoutMs: config.stateTimeoutMs, logger: log }),
    recorder: createTurnRecorder({ outbox, maxEventBytes: config.maxEventBytes, redactor }),
    inflight,
    ...(config.personalize.enabled ? { personalizer: createPersonalizer({ state: runtime.state, timeoutMs: config.stateTimeoutMs, logger: log, identity: redactor.identity }) } : {}),
    router: createModelRouter({ routes: createRouteStore(runtime.state), alias: config.promotion.alias, timeoutMs: config.stateTimeoutMs, logger: log }),
    readiness: createReadiness(runtime, outbox, config.publish.spoolReadyBytes, () => closing !== undefined),
    observe: createProxyObserver(metrics, new URL(config.upstream.url).host),
    metrics: () => metrics.render(),
    dashboard: dashboard.handle,
    explicitFeedback: createExplicitFeedbackHandler({ state: runtime.state, outbox, defaultTenant: config.defaultTenant, snapshotTtlMs: config.pairs.snapshotTtlSeconds * 1000, timeoutMs: Math.max(config.stateTimeoutMs, 250), logger: log, redactor }),
    preferenceStream: createPreferenceStreamHandler({ bus: runtime.bus, logger: log.child('streams') }),
    ...(auth ? { auth } : {}),
    maxInflight: config.maxInflight,
    spool: { pendingBytes: () => outbox.stats().pendingBytes, maxBytes: config.publish.spoolMaxBytes },
    maxMessages: config.maxMessages,
    secrets: configSecrets(config),
    maxBodyBytes: config.maxBodyBytes,
    maxPassthroughBodyBytes: config.maxPassthroughBodyBytes,
    defaultTenant: config.defaultTenant,
    logger: log,
  });
  const server = http.createServer(app);
  // Requests node's HTTP parser refuses (CR/LF/NUL in a header, oversize headers, conflicting framing) get an
  // OpenAI-style error like every other bad request, instead of node's bare 400 without a body.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const message = status === 431 ? 'Request headers are too large.' : status === 408 ? 'Request timed out.' : 'Malformed HTTP request (invalid header or framing).';
    const text = JSON.stringify(errorBody(message, 'invalid_request_error', status === 431 ? 'headers_too_large' : 'malformed_request'));
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
  });
  server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeouts
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // streamed answers may legitimately last minutes
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? config.port, options.host ?? config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? config.host;
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
  log.info('proxy listening', { url, upstream: upstream.displayBase, bus: runtime.bus.kind, state: runtime.state.kind, auth: config.auth.mode });

  return {
    url,
    port,
    outbox,
    close() {
      closing ??= (async () => {
        const deadline = Date.now() + config.shutdownTimeoutMs;
        await dashboard.close(); // its live streams end first, so they do not hold the drain below
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const drained = await inflight.idle(config.shutdownTimeoutMs);
        if (!drained) log.warn('shutdown timeout: cutting in-flight requests', { inflight: inflight.count });
        server.closeAllConnections();
        await serverClosed;
        const flushed = await outbox.drain(Math.max(0, deadline - Date.now()));
        const left = outbox.stats();
        if (!flushed) log.warn('publish queue not drained; events stay in the spool for the next start', { pending: left.pending });
        await outbox.close();
        upstream.close();
        log.info('proxy stopped', { published: left.published, spooled: left.pending });
      })();
      return closing;
    },
  };
}
