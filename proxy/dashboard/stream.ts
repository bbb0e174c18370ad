// GET /v1/insitu/dashboard/stream: server-sent events for the dashboard. At connect, a backfill of the newest
// events of each topic from the hub's rings (?backfill=N per topic, default 200), then `event: ready`, then
// every new event as it reaches the hub. Events: turn (a row, see views.ts), feedback, preference, training.
// ?tenant=T keeps that tenant's turns, feedback and pairs (training jobs have no tenant and are always sent).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import { sendRequestError } from '../http-errors.js';
import type { DashboardHub } from './hub.js';
import { readStreamQuery } from './query.js';
import { tenantOf, type DashboardEvent } from './views.js';

const HEARTBEAT_MS = 15_000;
export const MAX_DASHBOARD_STREAMS = 32;
/** A tab that stops reading is cut off rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

const frame = (event: DashboardEvent) => `event: ${event.kind}\ndata: ${JSON.stringify(event.data)}\n\n`;

export function createDashboardStream(deps: { hub: DashboardHub; logger: Logger; maxStreams?: number }) {
  const open = new Set<ServerResponse>();
  const maxStreams = deps.maxStreams ?? MAX_DASHBOARD_STREAMS;

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let query: ReturnType<typeof readStreamQuery>;
    try {
      query = readStreamQuery(url.searchParams);
      if (open.size >= maxStreams) throw new RequestError(503, `Too many open dashboard streams (${maxStreams}); close a dashboard tab or try again later.`, 'server_error', 'too_many_streams');
    } catch (error) {
      if (error instanceof RequestError) return sendRequestError(res, error);
      throw error;
    }
    open.add(res);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': insitu dashboard stream\n\n');
    let stopListening: (() => void) | undefined;
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    const close = () => {
      open.delete(res);
      clearInterval(heartbeat);
      stopListening?.();
    };
    res.on('close', close);
    req.on('close', close);
    const send = (event: DashboardEvent) => {
      if (query.tenant !== null && tenantOf(event) !== null && tenantOf(event) !== query.tenant) return;
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        deps.logger.warn('cutting off a dashboard stream that stopped reading');
        res.destroy();
        return;
      }
      res.write(frame(event));
    };
    try {
      await deps.hub.ready();
    } catch (error) {
      deps.logger.warn('dashboard stream could not subscribe', { error });
      res.write(`event: error\ndata: ${JSON.stringify({ error: { message: 'The dashboard stream is unavailable (bus unreachable); reconnect later.', type: 'server_error', code: 'bus_unavailable' } })}\n\n`);
      res.end();
      return;
    }
    if (!open.has(res)) return; // the client left while the hub started
    // Backfill and registration in one synchronous step: no event falls between them or arrives twice.
    const backfill = query.backfill > 0 ? deps.hub.store.backfill(query.backfill, query.tenant) : [];
    for (const event of backfill) send(event);
    stopListening = deps.hub.listen(send);
    res.write(`event: ready\ndata: ${JSON.stringify({ backfilled: backfill.length })}\n\n`);
  }

  return {
    handle,
    get open() {
      return open.size;
    },
    /** Ends every open stream (the proxy is closing). */
    closeAll() {
      for (const res of open) res.end();
      open.clear();
    },
  };
}
