// Parsing and validating a chat completion request: what the proxy needs to know before forwarding it.
// The upstream receives the client's original bytes, so unknown fields pass through untouched.
import { isValidTenant, TENANT_RULE } from '../src/tenant.js';
import type { IncomingHttpHeaders } from 'node:http';
import { RequestError } from '../src/errors.js';
import type { RecordedMessage } from '../src/events/turn.js';
import { scanJsonShape } from './json-shape.js';
import { isValidConversationId } from './stitching.js';

export interface ChatRequest {
  body: Record<string, unknown> & { messages: RecordedMessage[] };
  stream: boolean;
  tenant: string;
  user: string | null;
  conversationId: string | undefined;
}

/** Deeper bodies are refused before JSON.parse: code that walks the body (stitching, redaction, JSON.stringify
 * of the event) recurses, and 100k levels would overflow the stack. Real requests (tool schemas) nest ~20. */
export const MAX_JSON_DEPTH = 128;
// ignoreBOM: a BOM stays in the text, so JSON.parse refuses it as before.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const MAX_USER = 256;
/** Model names are short ids; longer ones are refused (they label metrics, spans and events). */
const MAX_MODEL = 256;

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The request's tenant (x-insitu-tenant, else the default); a RequestError when the header is malformed. */
export function tenantOf(headers: IncomingHttpHeaders, defaultTenant: string): string {
  const tenant = header(headers, 'x-insitu-tenant') ?? defaultTenant;
  if (!isValidTenant(tenant)) throw new RequestError(400, `Invalid header x-insitu-tenant: use ${TENANT_RULE}.`, 'invalid_request_error', 'invalid_header', 'x-insitu-tenant');
  return tenant;
}

export function parseChatRequest(raw: Buffer, headers: IncomingHttpHeaders, defaultTenant: string, limits: { maxMessages?: number } = {}): ChatRequest {
  let text: string;
  try {
    // Not U+FFFD: the upstream gets the raw bytes, the event must record what it got.
    text = UTF8.decode(raw);
  } catch {
    throw new RequestError(400, 'The request body is not valid UTF-8.', 'invalid_request_error', 'invalid_encoding');
  }
  const shape = scanJsonShape(raw, MAX_JSON_DEPTH);
  if (shape?.kind === 'too_deep') throw new RequestError(400, `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.`, 'invalid_request_error', 'invalid_json');
  // Parsers disagree on which copy wins: the recorded turn could differ from what the upstream reads.
  if (shape?.kind === 'duplicate_key') throw new RequestError(400, `Duplicate key '${shape.detail}' in the request body.`, 'invalid_request_error', 'invalid_json', shape.detail);
  let body: unknown;
  try {
    body = JSON.parse(text);
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
  b.messages.forEach((m, i) => validateMessage(m, `messages[${i}]`));
  if (b.stream !== undefined && typeof b.stream !== 'boolean' && b.stream !== null) throw new RequestError(400, "Invalid type for 'stream': expected a boolean.", 'invalid_request_error', 'invalid_type', 'stream');
  expectType(b.model, 'model', 'a string', (v) => typeof v === 'string');
  if (typeof b.model === 'string' && b.model.length > MAX_MODEL) {
    // the name labels metrics, spans and events: an unbounded one would let a client bloat all of them
    throw new RequestError(400, `Invalid 'model': string too long. Expected a string with at most ${MAX_MODEL} characters, but got ${b.model.length}.`, 'invalid_request_error', 'string_above_max_length', 'model');
  }
  expectType(b.user, 'user', 'a string', (v) => typeof v === 'string');
  expectType(b.stream_options, 'stream_options', 'an object', isObject, true);
  expectType(b.tools, 'tools', 'an array', Array.isArray, true);
  expectType(b.n, 'n', 'an integer', (v) => Number.isInteger(v), true);

  const conversationId = header(headers, 'x-insitu-conversation-id');
  if (conversationId !== undefined && !isValidConversationId(conversationId)) {
    throw new RequestError(400, 'Invalid header x-insitu-conversation-id: use 1-128 characters of A-Z a-z 0-9 . _ : @ -.', 'invalid_request_error', 'invalid_header', 'x-insitu-conversation-id');
  }
  const tenant = tenantOf(headers, defaultTenant);
  let user = header(headers, 'x-insitu-user') ?? (typeof b.user === 'string' ? b.user : null);
  if (user !== null && (user.length === 0 || user.length > MAX_USER)) user = user.length === 0 ? null : user.slice(0, MAX_USER);

  return { body: b as ChatRequest['body'], stream: b.stream === true, tenant, user, conversationId };
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** A field the proxy reads (or records) must have the type the OpenAI API documents; absent is fine. */
function expectType(value: unknown, param: string, what: string, ok: (v: unknown) => boolean, nullable = false): void {
  if (value === undefined || (nullable && value === null) || ok(value)) return;
  throw new RequestError(400, `Invalid type for '${param}': expected ${what}.`, 'invalid_request_error', 'invalid_type', param);
}

function validateMessage(m: unknown, at: string): void {
  if (!isObject(m)) throw new RequestError(400, `Invalid type for '${at}': expected an object.`, 'invalid_request_error', 'invalid_type', at);
  if (typeof m.role !== 'string') throw new RequestError(400, `Invalid '${at}.role': expected a string.`, 'invalid_request_error', 'invalid_type', `${at}.role`);
  const content = m.content;
  if (Array.isArray(content)) {
    content.forEach((part, j) => {
      if (!isObject(part) || typeof part.type !== 'string') throw new RequestError(400, `Invalid type for '${at}.content[${j}]': expected a content part object with a type.`, 'invalid_request_error', 'invalid_type', `${at}.content[${j}]`);
      if (part.type === 'text' && typeof part.text !== 'string') throw new RequestError(400, `Invalid type for '${at}.content[${j}].text': expected a string.`, 'invalid_request_error', 'invalid_type', `${at}.content[${j}].text`);
    });
  } else {
    expectType(content, `${at}.content`, 'a string or an array of content parts', (v) => typeof v === 'string', true);
  }
  expectType(m.name, `${at}.name`, 'a string', (v) => typeof v === 'string');
  expectType(m.tool_calls, `${at}.tool_calls`, 'an array', Array.isArray, true);
  expectType(m.tool_call_id, `${at}.tool_call_id`, 'a string', (v) => typeof v === 'string');
}
