// The proxy's HTTP surface (express): chat completions recorded, every other /v1 route passed through,
// health and readiness for orchestrators. It knows HTTP and the OpenAI wire format, nothing of what
// happens to turns after they are recorded.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../src/log.js';
import type { AuthGate } from './auth.js';
import { createChatHandler, type InflightTracker } from './chat.js';
import { errorBody, sendError, sendMethodNotAllowed } from './http-errors.js';
import { createPassthroughHandler } from './passthrough.js';
import type { ModelRouter } from './model-router.js';
import type { ProxyObserver } from './observe.js';
import type { Personalizer } from './personalizer.js';
import type { Stitcher } from './stitching.js';
import type { TurnRecorder } from './turn-recorder.js';
import type { Upstream } from './upstream.js';

export interface Readiness {
  /** ready = the proxy can answer and record requests; details (with a status of ready, degraded or not_ready) are shown as is. */
  check(): Promise<{ ready: boolean; details: Record<string, unknown> }>;
}

export interface ProxyAppDeps {
  upstream: Upstream;
  stitcher: Stitcher;
  recorder: TurnRecorder;
  inflight: InflightTracker;
  readiness: Readiness;
  personalizer?: Personalizer;
  router?: ModelRouter;
  observe?: ProxyObserver;
  /** GET /metrics: the Prometheus exposition text. */
  metrics?: () => string;
  /** The dashboard: /insitu/ and /v1/insitu/dashboard/* (proxy/dashboard). */
  dashboard?: (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
  /** POST /v1/insitu/feedback: explicit ratings from chat UIs. */
  explicitFeedback?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** GET /v1/insitu/streams/preferences (SSE). */
  preferenceStream: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** INSITU_AUTH=keys: every /v1 route needs a virtual key (health, readiness, metrics and /insitu/ stay open). */
  auth?: AuthGate;
  /** INSITU_MAX_INFLIGHT and INSITU_MAX_MESSAGES for chat completions. */
  maxInflight?: number;
  maxMessages?: number;
  /** INSITU_SPOOL_MAX_BYTES: chat requests are refused with 503 while the publish spool holds this much. */
  spool?: { pendingBytes: () => number; maxBytes: number };
  /** Secrets (the upstream key) never relayed back from the upstream. */
  secrets?: string[];
  maxBodyBytes: number;
  /** INSITU_MAX_PASSTHROUGH_BODY: the body limit of every other /v1 route. */
  maxPassthroughBodyBytes: number;
  defaultTenant: string;
  logger: Logger;
}

/**
 * The request listener. POST /v1/chat/completions, the one hot route, is dispatched before express's router
 * (which costs a few percent of the proxy's CPU per request); everything else goes through express.
 */
export function createProxyApp(deps: ProxyAppDeps): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // The key check guards paths that start with /v1/ exactly; a route matched case-insensitively (/V1/models)
  // would skip it. Other spellings get the 404 below.
  app.set('case sensitive routing', true);
  const chat = createChatHandler(deps);
  const passThrough = createPassthroughHandler({ ...deps, maxBodyBytes: deps.maxPassthroughBodyBytes });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const { ready, details } = await deps.readiness.check();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', ...details });
  });
  app.get('/metrics', (_req, res) => {
    if (!deps.metrics) return void sendError(res, 404, errorBody('Metrics are not enabled.', 'invalid_request_error', 'unknown_url'));
    res.type('text/plain; version=0.0.4; charset=utf-8').send(deps.metrics());
  });
  // Before the dashboard: its data lives under /v1/insitu/dashboard/ and needs a key like any /v1 route.
  if (deps.auth) app.use(deps.auth.middleware);
  if (deps.dashboard) app.use(deps.dashboard);
  app.post('/v1/insitu/feedback', (req, res, next) => {
    if (!deps.explicitFeedback) return next();
    deps.explicitFeedback(req, res).catch(next);
  });
  app.post('/v1/chat/completions', (req, res) => void chat(req, res));
  app.get('/v1/insitu/streams/preferences', (req, res) => {
    deps.preferenceStream(req, res).catch((error) => {
      deps.logger.error('preference stream failed', { error });
      if (!res.headersSent) sendError(res, 500, errorBody('Internal proxy error.', 'server_error', 'internal_error'));
      else res.end();
    });
  });
  // Insitu's own namespace is never passed upstream: a path not served here is a 404, a served path asked
  // with another method a 405 naming the allowed ones.
  const insituRoutes: Record<string, readonly string[]> = { '/v1/insitu/streams/preferences': ['GET', 'HEAD'] };
  if (deps.explicitFeedback) insituRoutes['/v1/insitu/feedback'] = ['POST'];
  app.use((req, res, next) => {
    if (req.path !== '/v1/insitu' && !req.path.startsWith('/v1/insitu/')) return next();
    const allowed = insituRoutes[req.path];
    if (allowed) return sendMethodNotAllowed(res, req.method, req.path, allowed);
    sendError(res, 404, errorBody(`Unknown Insitu route ${req.path.slice(0, 200)}. Insitu serves POST /v1/insitu/feedback, GET /v1/insitu/streams/preferences and GET /v1/insitu/dashboard/{stream,pairs,jobs}.`, 'invalid_request_error', 'unknown_url'));
  });
  app.all('/v1/{*rest}', (req, res) => void passThrough(req, res));
  app.use((req, res) => {
    sendError(res, 404, errorBody(`Unknown route ${req.method} ${req.path}. Insitu serves /v1/* (OpenAI-compatible), /insitu/ (dashboard), /healthz, /readyz and /metrics.`, 'invalid_request_error', 'unknown_url'));
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    deps.logger.error('unhandled error', { error });
    sendError(res, 500, errorBody('Internal proxy error.', 'server_error', 'internal_error'));
  });
  return (req: IncomingMessage, res: ServerResponse) => {
    deps.observe?.request(req, res); // every request is counted, whichever handler answers (or refuses) it
    if (req.method === 'POST' && req.url === '/v1/chat/completions') void chat(req, res);
    else app(req, res);
  };
}
