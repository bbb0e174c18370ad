// Parsing and validating a chat completion request: what the proxy needs to know before forwarding it.
// The upstream receives the client's original bytes, so unknown fields pass through untouched.
import type { IncomingHttpHeaders } from 'node:http';
import { RequestError } from '../src/errors.js';
import type { RecordedMessage } from '../src/events/turn.js';
import { isValidConversationId } from './stitching.js';

export interface ChatRequest {
  body: Record<string, unknown> & { messages: RecordedMessage[] };
  stream: boolean;
  tenant: string;
  user: string | null;
  conversationId: string | undefined;
}

const TENANT = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_USER = 256;

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The request's tenant (x-insitu-tenant, else the default); a RequestError when the header is malformed. */
export function tenantOf(headers: IncomingHttpHeaders, defaultTenant: string): string {
  const tenant = header(headers, 'x-insitu-tenant') ?? defaultTenant;
  if (!TENANT.test(tenant)) throw new RequestError(400, 'Invalid header x-insitu-tenant: use 1-64 characters of A-Z a-z 0-9 . _ -.', 'invalid_request_error', 'invalid_header', 'x-insitu-tenant');
  return tenant;
}

export function parseChatRequest(raw: Buffer, headers: IncomingHttpHeaders, defaultTenant: string, limits: { maxMessages?: number } = {}): ChatRequest {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new RequestError(400, 'We could not parse the JSON body of your request: it is not valid JSON.', 'invalid_request_error', 'invalid_json');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new RequestError(400, 'The request body must be a JSON object.', 'invalid_request_error', 'invalid_body');
  }
  const b = body as Record<string, unknown>;
  if (b.messages === undefined) throw new RequestError(400, "Missing required parameter: 'messages'.", 'invalid_request_error', 'missing_required_parameter', 'messages');
  if (!Array.isArray(b.messages)) throw new RequestError(400, "Invalid type for 'messages': expected an array of message objects.", 'invalid_request_error', 'invalid_type', 'messages');
  if (b.messages.length === 0) throw new RequestError(400, "Invalid 'messages': empty array. Expected an array with minimum length 1.", 'invalid_request_error', 'empty_array', 'messages');
  if (limits.maxMessages !== undefined && b.messages.length > limits.maxMessages) {
    throw new RequestError(400, `Invalid 'messages': array too long. Expected an array with at most ${limits.maxMessages} messages (INSITU_MAX_MESSAGES), but got ${b.messages.length}.`, 'invalid_request_error', 'too_many_messages', 'messages');
  }
  b.messages.forEach((m, i) => {
    if (!m || typeof m !== 'object' || Array.isArray(m)) throw new RequestError(400, `Invalid type for 'messages[${i}]': expected an object.`, 'invalid_request_error', 'invalid_type', `messages[${i}]`);
    if (typeof (m as { role?: unknown }).role !== 'string') throw new RequestError(400, `Invalid 'messages[${i}].role': expected a string.`, 'invalid_request_error', 'invalid_type', `messages[${i}].role`);
  });
  if (b.stream !== undefined && typeof b.stream !== 'boolean' && b.stream !== null) throw new RequestError(400, "Invalid type for 'stream': expected a boolean.", 'invalid_request_error', 'invalid_type', 'stream');

  const conversationId = header(headers, 'x-insitu-conversation-id');
  if (conversationId !== undefined && !isValidConversationId(conversationId)) {
    throw new RequestError(400, 'Invalid header x-insitu-conversation-id: use 1-128 characters of A-Z a-z 0-9 . _ : @ -.', 'invalid_request_error', 'invalid_header', 'x-insitu-conversation-id');
  }
  const tenant = tenantOf(headers, defaultTenant);
  let user = header(headers, 'x-insitu-user') ?? (typeof b.user === 'string' ? b.user : null);
  if (user !== null && (user.length === 0 || user.length > MAX_USER)) user = user.length === 0 ? null : user.slice(0, MAX_USER);

  return { body: b as ChatRequest['body'], stream: b.stream === true, tenant, user, conversationId };
}
