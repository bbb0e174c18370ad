// OpenAI-style error responses and request-body reading with a size limit.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestError } from '../src/errors.js';

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function errorBody(message: string, type: string, code: string | null = null, param: string | null = null): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

export function sendError(res: ServerResponse, status: number, body: OpenAIErrorBody, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extraHeaders });
  res.end(text);
}

/** 405 with the Allow header (RFC 9110): the path exists, the method does not. */
export function sendMethodNotAllowed(res: ServerResponse, method: string | undefined, path: string, allowed: readonly string[]): void {
  sendError(res, 405, errorBody(`Method ${method ?? '?'} is not allowed on ${path}; use ${allowed.join(' or ')}.`, 'invalid_request_error', 'method_not_allowed'), { allow: allowed.join(', ') });
}

export function sendRequestError(res: ServerResponse, error: RequestError, extraHeaders: Record<string, string> = {}): void {
  sendError(res, error.status, errorBody(error.message, error.type, error.code, error.param), extraHeaders);
}

/** The 413 for a body over maxBytes. */
export const bodyTooLarge = (maxBytes: number) => new RequestError(413, `Request body exceeds the limit of ${maxBytes} bytes.`, 'invalid_request_error', 'request_too_large');

/** The body's declared length (Content-Length), or null when it is sent chunked. */
export function declaredLength(req: IncomingMessage): number | null {
  const declared = Number(req.headers['content-length']);
  return req.headers['content-length'] !== undefined && Number.isFinite(declared) ? declared : null;
}

/** Reads the whole body, refusing more than maxBytes with a 413 RequestError. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => bodyTooLarge(maxBytes);
  const declared = declaredLength(req);
  if (declared !== null && declared > maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.resume(); // discard the rest without buffering it
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', (error) => reject(new RequestError(400, `Could not read the request body: ${error.message}`)));
  });
}
