// Forwarding to the upstream model server over node:http(s) with keep-alive, and three timeouts: connect,
// first byte (response headers) and idle (silence between chunks). Failures are typed so the caller can
// answer 502 (unreachable, broken) or 504 (timed out).
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { InsituError } from '../src/errors.js';

export class UpstreamError extends InsituError {
  constructor(
    message: string,
    /** 502: unreachable or broken; 504: timed out. */
    readonly status: 502 | 504,
    readonly code: 'upstream_unreachable' | 'upstream_connect_timeout' | 'upstream_timeout' | 'upstream_idle_timeout' | 'upstream_broken',
    options: { cause?: unknown } = {},
  ) {
    super(message, { retriable: true, ...options });
  }
}

export interface UpstreamOptions {
  /** Base URL replacing the client's /v1 (e.g. https://api.openai.com/v1). */
  url: string;
  apiKey: string | undefined;
  connectTimeoutMs: number;
  timeoutMs: number;
  idleTimeoutMs: number;
}

export interface UpstreamCall {
  /** Resolves with the response head, or rejects with UpstreamError. */
  response: Promise<IncomingMessage>;
  /** Aborts the request (client went away). */
  abort(): void;
}

/** Request headers never forwarded: hop-by-hop, ours, and those node recomputes. */
const DROP_REQUEST = new Set(['host', 'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length', 'expect']);
/** Response headers never copied back (hop-by-hop). */
export const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'trailer', 'upgrade']);

export function createUpstream(options: UpstreamOptions) {
  const base = new URL(options.url.endsWith('/') ? options.url : options.url + '/');
  const secure = base.protocol === 'https:';
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxFreeSockets: 256, scheduling: 'lifo' })
    : new http.Agent({ keepAlive: true, maxFreeSockets: 256, scheduling: 'lifo' });
  const request = secure ? https.request : http.request;
  const displayBase = `${base.protocol}//${base.host}${base.pathname.replace(/\/$/, '')}`; // no credentials

  function headersFor(incoming: IncomingHttpHeaders, bodyLength: number | undefined): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(incoming)) {
      if (value === undefined || DROP_REQUEST.has(name) || name.startsWith('x-insitu-')) continue;
      out[name] = value;
    }
    if (options.apiKey) out['authorization'] = `Bearer ${options.apiKey}`;
    if (bodyLength !== undefined) out['content-length'] = String(bodyLength);
    return out;
  }

  /**
   * Sends one request upstream. `path` is what follows /v1 in the client's URL (with its query string).
   * `body` is a Buffer (sent as is) or a readable stream (piped).
   */
  function call(method: string, path: string, incoming: IncomingHttpHeaders, body: Buffer | NodeJS.ReadableStream | undefined): UpstreamCall {
    const target = new URL(path.replace(/^\//, ''), base);
    const headers = headersFor(incoming, Buffer.isBuffer(body) ? body.length : undefined);
    if (!Buffer.isBuffer(body) && incoming['content-length']) headers['content-length'] = incoming['content-length'];
    if (!Buffer.isBuffer(body) && incoming['transfer-encoding']) headers['transfer-encoding'] = incoming['transfer-encoding'];
    let req: http.ClientRequest;
    let aborted = false;
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      req = request(target, { method, headers, agent });
      const fail = (error: UpstreamError) => {
        req.destroy(error);
      };
      const firstByte = setTimeout(() => fail(new UpstreamError(`upstream did not answer within ${options.timeoutMs} ms`, 504, 'upstream_timeout')), options.timeoutMs);
      let connectTimer: NodeJS.Timeout | undefined;
      req.on('socket', (socket) => {
        if (!(socket as { connecting?: boolean }).connecting) return; // reused keep-alive socket
        connectTimer = setTimeout(() => fail(new UpstreamError(`could not connect to the upstream within ${options.connectTimeoutMs} ms`, 504, 'upstream_connect_timeout')), options.connectTimeoutMs);
        socket.once('connect', () => clearTimeout(connectTimer));
      });
      req.on('response', (res) => {
        clearTimeout(firstByte);
        clearTimeout(connectTimer);
        // Idle = no bytes from upstream for idleTimeoutMs. The socket's inactivity timer measures exactly
        // that without consuming the body (a 'data' listener here would start the flow before the caller reads).
        const socket = res.socket;
        const onIdle = () => res.destroy(new UpstreamError(`upstream sent nothing for ${options.idleTimeoutMs} ms`, 504, 'upstream_idle_timeout'));
        socket.setTimeout(options.idleTimeoutMs, onIdle);
        res.once('close', () => {
          socket.removeListener('timeout', onIdle);
          socket.setTimeout(0);
        });
        resolve(res);
      });
      req.on('error', (error) => {
        clearTimeout(firstByte);
        clearTimeout(connectTimer);
        if (aborted) return reject(new UpstreamError('request aborted by the client', 502, 'upstream_broken', { cause: error }));
        if (error instanceof UpstreamError) return reject(error);
        const code = (error as NodeJS.ErrnoException).code ?? '';
        reject(new UpstreamError(`upstream ${displayBase} unreachable (${code || error.message})`, 502, 'upstream_unreachable', { cause: error }));
      });
      if (Buffer.isBuffer(body)) req.end(body);
      else if (body) body.pipe(req);
      else req.end();
    });
    return {
      response,
      abort() {
        aborted = true;
        req?.destroy();
      },
    };
  }

  return { call, displayBase, close: () => agent.destroy() };
}

export type Upstream = ReturnType<typeof createUpstream>;
