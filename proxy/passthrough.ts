// Every other /v1/* route (models, embeddings, files, ...): streamed through both ways, not recorded, so the
// proxy is a drop-in base URL.
import { redactSecrets } from '../src/secrets.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../src/log.js';
import { decodeBody } from './completion-reader.js';
import { Transform } from 'node:stream';
import { bodyTooLarge, declaredLength, errorBody, sendError, sendRequestError } from './http-errors.js';
import type { ProxyObserver } from './observe.js';
import { DROP_RESPONSE, UpstreamError, type Upstream } from './upstream.js';

/** Error bodies are small; a larger one is cut rather than buffered without bound. */
const MAX_ERROR_BODY = 64 * 1024;

/** Passes a body on while it stays within maxBytes; past it, errors (the caller aborts the upstream call). */
function limitBody(req: IncomingMessage, maxBytes: number, onTooLarge: () => void): NodeJS.ReadableStream {
  let size = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size <= maxBytes) return callback(null, chunk);
      req.unpipe(limiter);
      req.resume(); // discard the rest without buffering it
      onTooLarge();
      callback();
    },
  });
  return req.pipe(limiter);
}

export function createPassthroughHandler(deps: { upstream: Upstream; logger: Logger; secrets?: string[]; maxBodyBytes: number; observe?: ProxyObserver }) {
  const secrets = (deps.secrets ?? []).filter((s) => s.length >= 4);
  return async function passThrough(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').replace(/^\/v1/, '');
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    // INSITU_MAX_PASSTHROUGH_BODY: refused before any upstream call when declared, cut off when sent chunked.
    const declared = hasBody ? declaredLength(req) : null;
    if (declared !== null && declared > deps.maxBodyBytes) return sendRequestError(res, bodyTooLarge(deps.maxBodyBytes), { connection: 'close' });
    let tooLarge = false;
    const body = !hasBody ? undefined : declared !== null ? req : limitBody(req, deps.maxBodyBytes, () => {
      tooLarge = true;
      call.abort();
    });
    // The upstream call continues the trace as a child of this request's span.
    const traceHeaders = deps.observe?.passthrough(req, res, path) ?? {};
    const call = deps.upstream.call(req.method ?? 'GET', path, { ...req.headers, ...traceHeaders }, body);
    res.on('close', () => {
      if (!res.writableFinished) call.abort();
    });
    let upstreamRes: IncomingMessage;
    try {
      upstreamRes = await call.response;
    } catch (error) {
      if (tooLarge) return sendRequestError(res, bodyTooLarge(deps.maxBodyBytes), { connection: 'close' });
      const e = error instanceof UpstreamError ? error : new UpstreamError(String(error), 502, 'upstream_broken');
      sendError(res, e.status, errorBody(e.message, 'upstream_error', e.code));
      return;
    }
    const status = upstreamRes.statusCode ?? 502;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(upstreamRes.headers)) if (value !== undefined && !DROP_RESPONSE.has(name)) headers[name] = value;
    if (status >= 400 && secrets.length > 0) return relayRedactedError(upstreamRes, res, status, headers, secrets);
    res.writeHead(status, headers);
    upstreamRes.pipe(res);
    upstreamRes.on('error', () => res.destroy());
  };
}

/** An upstream error may echo the request's credentials (the upstream key): buffered, cleaned, then sent. */
async function relayRedactedError(upstreamRes: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string | string[]>, secrets: string[]): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve) => {
    upstreamRes.on('data', (c: Buffer) => {
      if (size < MAX_ERROR_BODY) chunks.push(c);
      size += c.length;
    });
    upstreamRes.on('end', resolve);
    upstreamRes.on('error', resolve);
    upstreamRes.on('close', resolve);
  });
  const text = redactSecrets(decodeBody(chunks, upstreamRes.headers['content-encoding'] as string | undefined), secrets);
  delete headers['content-encoding'];
  headers['content-length'] = String(Buffer.byteLength(text));
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, headers);
  res.end(text);
}
