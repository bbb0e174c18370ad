// The live dashboard: the page at /insitu/ and its data under /v1/insitu/dashboard/ (stream, pairs, jobs).
// Mount `handle` before the proxy's /v1 pass-through; it calls next() for every other path.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestError } from '../../src/errors.js';
import type { Bus } from '../../src/bus/types.js';
import type { Logger } from '../../src/log.js';
import { errorBody, sendError, sendMethodNotAllowed, sendRequestError } from '../http-errors.js';
import { createDashboardHub } from './hub.js';
import { readPairQuery } from './query.js';
import { createStaticFiles } from './static-files.js';
import { createDashboardStream } from './stream.js';

export const DASHBOARD_PAGE = '/insitu/';
export const DASHBOARD_API = '/v1/insitu/dashboard/';
const API_ROUTES = new Set(['stream', 'pairs', 'jobs']);
const READ_METHODS = ['GET', 'HEAD'] as const;

export interface Dashboard {
  /** Serves /insitu, /insitu/* and /v1/insitu/dashboard/*; calls next() for anything else. */
  handle(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** Ends open dashboard streams and the shared bus subscription. Call before the bus closes. */
  close(): Promise<void>;
}

export interface DashboardOptions {
  bus: Bus;
  logger: Logger;
  /** Events kept per topic (default 500). */
  ringSize?: number;
  /** Concurrent dashboard streams (default 32). */
  maxStreams?: number;
  /** Folder of the page and its assets (default: found next to the compiled file or in the source tree). */
  staticDir?: string;
}

function sendJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export function createDashboard(options: DashboardOptions): Dashboard {
  const hub = createDashboardHub({ bus: options.bus, logger: options.logger, ringSize: options.ringSize });
  const stream = createDashboardStream({ hub, logger: options.logger, maxStreams: options.maxStreams });
  const serveStatic = createStaticFiles({ dir: options.staticDir, logger: options.logger });

  const ready = () =>
    hub.ready().catch((error: unknown) => {
      options.logger.warn('dashboard could not subscribe', { error });
      throw new RequestError(503, 'The dashboard data is unavailable (bus unreachable); try again later.', 'server_error', 'bus_unavailable');
    });

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = url.pathname.slice(DASHBOARD_API.length);
    if (!API_ROUTES.has(route)) throw new RequestError(404, `Unknown dashboard route ${url.pathname.slice(0, 200)}: use stream, pairs or jobs.`, 'invalid_request_error', 'unknown_url');
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendMethodNotAllowed(res, req.method, url.pathname, READ_METHODS);
    if (route === 'stream') return stream.handle(req, res, url);
    if (route === 'pairs') {
      const query = readPairQuery(url.searchParams);
      await ready();
      return sendJson(res, hub.store.pairs(query));
    }
    await ready(); // jobs
    const data = hub.store.jobs();
    return sendJson(res, { object: 'list', data, total: data.length });
  }

  async function page(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendMethodNotAllowed(res, req.method, url.pathname, READ_METHODS);
    if (url.pathname === '/insitu') {
      res.writeHead(308, { location: DASHBOARD_PAGE });
      return void res.end();
    }
    const name = url.pathname.slice(DASHBOARD_PAGE.length) || 'index.html';
    return serveStatic(res, name, req.method === 'HEAD');
  }

  return {
    handle(req, res, next) {
      // express's originalUrl survives a mount path; plain node servers only have url
      const url = new URL((req as { originalUrl?: string }).originalUrl ?? req.url ?? '/', 'http://insitu');
      const isApi = url.pathname.startsWith(DASHBOARD_API) || url.pathname === DASHBOARD_API.slice(0, -1);
      const isPage = url.pathname === '/insitu' || url.pathname.startsWith(DASHBOARD_PAGE);
      if (!isApi && !isPage) return next();
      (isApi ? api(req, res, url) : page(req, res, url)).catch((error: unknown) => {
        if (error instanceof RequestError) return sendRequestError(res, error);
        options.logger.error('dashboard request failed', { error });
        if (!res.headersSent) sendError(res, 500, errorBody('Internal dashboard error.', 'server_error', 'internal_error'));
        else res.end();
      });
    },
    async close() {
      stream.closeAll();
      await hub.close();
    },
  };
}
