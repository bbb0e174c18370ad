// Every other /v1/* route (models, embeddings, files, ...): streamed through both ways, not recorded, so the
// proxy is a drop-in base URL.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../src/log.js';
import { errorBody, sendError } from './http-errors.js';
import { DROP_RESPONSE, UpstreamError, type Upstream } from './upstream.js';

export function createPassthroughHandler(deps: { upstream: Upstream; logger: Logger }) {
  return async function passThrough(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').replace(/^\/v1/, '');
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const call = deps.upstream.call(req.method ?? 'GET', path, req.headers, hasBody ? req : undefined);
    res.on('close', () => {
      if (!res.writableFinished) call.abort();
    });
    let upstreamRes: IncomingMessage;
    try {
      upstreamRes = await call.response;
    } catch (error) {
      const e = error instanceof UpstreamError ? error : new UpstreamError(String(error), 502, 'upstream_broken');
      sendError(res, e.status, errorBody(e.message, 'upstream_error', e.code));
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(upstreamRes.headers)) if (value !== undefined && !DROP_RESPONSE.has(name)) headers[name] = value;
    res.writeHead(upstreamRes.statusCode ?? 502, headers);
    upstreamRes.pipe(res);
    upstreamRes.on('error', () => res.destroy());
  };
}
