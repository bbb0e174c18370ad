// The bad-input corpus, generated (some cases are megabytes or 100k levels deep, so they are built, not
// stored): HTTP requests the proxy must refuse with a 4xx and an OpenAI-style error, and `insitu` command
// lines that must end in a usage error (exit 2). test/bad-input.test.ts runs it.

export type HttpCategory = 'json' | 'types' | 'size' | 'nesting' | 'utf8' | 'headers' | 'content-type';

export interface HttpCase {
  category: HttpCategory;
  name: string;
  /** A POST /v1/chat/completions with this body (and headers), sent with fetch... */
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** ...or these exact bytes on a raw socket (header injection, oversize headers, framing). */
  raw?: string | Buffer;
  /** Allowed statuses; default any 4xx. */
  status?: number[];
}

const valid = { model: 'gpt-sim', messages: [{ role: 'user', content: 'hi' }] };
const json = (x: unknown) => JSON.stringify(x);
/** The valid request with one top-level field replaced (undefined: removed). */
const withField = (field: string, value: unknown) => json({ ...valid, [field]: value });
/** The valid request with one message field replaced. */
const withMessage = (message: unknown) => json({ ...valid, messages: [message] });
const MB = 1024 * 1024;

/** Raw HTTP/1.1 request bytes for POST /v1/chat/completions. */
export function rawRequest(headerLines: string[], body: string | Buffer = json(valid), contentType = 'application/json'): Buffer {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const head = ['POST /v1/chat/completions HTTP/1.1', 'Host: 127.0.0.1', `Content-Type: ${contentType}`, `Content-Length: ${b.length}`, 'Connection: close', ...headerLines].join('\r\n');
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), b]);
}

/** `{"model":"m","messages":[{"role":"user","content":"<prefix><bytes><suffix>"}]}` with raw bytes inside the string. */
const withBytesInContent = (bytes: number[]) =>
  Buffer.concat([Buffer.from('{"model":"m","messages":[{"role":"user","content":"abc'), Buffer.from(bytes), Buffer.from('def"}]}')]);

export function httpCases(maxBodyBytes: number): HttpCase[] {
  const deep = 100_000;
  const cases: HttpCase[] = [
    // Malformed JSON.
    { category: 'json', name: 'truncated object', body: '{"model":"m","messages":[{"role":"user","content":"hi"}' },
    { category: 'json', name: 'trailing garbage after the object', body: `${json(valid)} trailing` },
    { category: 'json', name: 'two objects back to back', body: `${json(valid)}${json(valid)}` },
    { category: 'json', name: 'UTF-8 byte order mark before the object', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json(valid))]) },
    { category: 'json', name: 'NaN as a number', body: '{"model":"m","temperature":NaN,"messages":[{"role":"user","content":"hi"}]}' },
    { category: 'json', name: 'Infinity as a number', body: '{"model":"m","temperature":Infinity,"messages":[{"role":"user","content":"hi"}]}' },
    { category: 'json', name: 'single-quoted strings', body: "{'model':'m','messages':[{'role':'user','content':'hi'}]}" },
    { category: 'json', name: 'a comment inside', body: '{"model":"m", /* note */ "messages":[{"role":"user","content":"hi"}]}' },
    { category: 'json', name: 'unquoted keys', body: '{model:"m",messages:[{role:"user",content:"hi"}]}' },
    { category: 'json', name: 'empty body', body: '' },
    { category: 'json', name: 'only whitespace', body: ' \n\t ' },
    { category: 'json', name: 'JSON null', body: 'null' },
    { category: 'json', name: 'a JSON string', body: '"hello"' },
    { category: 'json', name: 'a JSON number', body: '42' },
    { category: 'json', name: 'a lone unpaired quote in a string', body: '{"model":"m","messages":[{"role":"user","content":"hi}]}' },
    { category: 'json', name: 'duplicate key: messages twice (proxy and upstream could read different ones)', body: '{"model":"m","messages":[{"role":"user","content":"first"}],"messages":[{"role":"user","content":"second"}]}' },

    // Wrong types for every top-level field the proxy reads.
    { category: 'types', name: 'messages is a string', body: withField('messages', 'hi') },
    { category: 'types', name: 'messages is an object', body: withField('messages', { role: 'user', content: 'hi' }) },
    { category: 'types', name: 'messages is a number', body: withField('messages', 1) },
    { category: 'types', name: 'messages is null', body: withField('messages', null) },
    { category: 'types', name: 'messages is missing', body: withField('messages', undefined) },
    { category: 'types', name: 'messages is empty', body: withField('messages', []) },
    { category: 'types', name: 'a message is a string', body: withMessage('hi') },
    { category: 'types', name: 'a message is null', body: withMessage(null) },
    { category: 'types', name: 'a message is an array', body: withMessage(['user', 'hi']) },
    { category: 'types', name: 'role is a number', body: withMessage({ role: 1, content: 'hi' }) },
    { category: 'types', name: 'role is null', body: withMessage({ role: null, content: 'hi' }) },
    { category: 'types', name: 'role is missing', body: withMessage({ content: 'hi' }) },
    { category: 'types', name: 'role is an object', body: withMessage({ role: { name: 'user' }, content: 'hi' }) },
    { category: 'types', name: 'content is a number', body: withMessage({ role: 'user', content: 42 }) },
    { category: 'types', name: 'content is a boolean', body: withMessage({ role: 'user', content: true }) },
    { category: 'types', name: 'content is an object', body: withMessage({ role: 'user', content: { text: 'hi' } }) },
    { category: 'types', name: 'a content part is a string', body: withMessage({ role: 'user', content: ['hi'] }) },
    { category: 'types', name: 'a text part has a number as text', body: withMessage({ role: 'user', content: [{ type: 'text', text: 5 }] }) },
    { category: 'types', name: 'name is a number', body: withMessage({ role: 'user', content: 'hi', name: 7 }) },
    { category: 'types', name: 'tool_calls is a string', body: withMessage({ role: 'assistant', content: null, tool_calls: 'call' }) },
    { category: 'types', name: 'tool_call_id is a number', body: json({ ...valid, messages: [...valid.messages, { role: 'tool', content: 'r', tool_call_id: 3 }] }) },
    { category: 'types', name: 'stream is "yes"', body: withField('stream', 'yes') },
    { category: 'types', name: 'stream is 1', body: withField('stream', 1) },
    { category: 'types', name: 'stream_options is a string', body: json({ ...valid, stream: true, stream_options: 'usage' }) },
    { category: 'types', name: 'user is a number', body: withField('user', 12345) },
    { category: 'types', name: 'user is an object', body: withField('user', { id: 'u' }) },
    { category: 'types', name: 'model is a number', body: withField('model', 4) },
    { category: 'types', name: 'model is null', body: withField('model', null) },
    { category: 'types', name: 'tools is a string', body: withField('tools', 'search') },
    { category: 'types', name: 'n is a string', body: withField('n', '2') },

    // Size.
    { category: 'size', name: 'a body over INSITU_MAX_BODY with Content-Length', body: json({ ...valid, messages: [{ role: 'user', content: 'x'.repeat(maxBodyBytes) }] }), status: [413] },
    { category: 'size', name: 'a body over INSITU_MAX_BODY, chunked (no Content-Length)', raw: chunkedRequest(Buffer.from(json({ ...valid, messages: [{ role: 'user', content: 'y'.repeat(maxBodyBytes + MB) }] }))), status: [413] },
    { category: 'size', name: 'a Content-Length far beyond the limit (body never sent)', raw: `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${50 * 1024 * MB}\r\nConnection: close\r\n\r\n{`, status: [413] },
    { category: 'size', name: 'a million messages within the byte limit', body: json({ ...valid, messages: Array.from({ length: Math.min(1_000_000, Math.floor(maxBodyBytes / 4)) }, () => 0) }) },
    { category: 'size', name: 'a model name of 100,000 characters (it would label metrics and spans)', body: withField('model', 'm'.repeat(100_000)) },

    // Nesting: 100k levels must not blow the stack of the parser or of anything that walks the body.
    { category: 'nesting', name: `${deep} nested arrays as the body`, body: '['.repeat(deep) + ']'.repeat(deep) },
    { category: 'nesting', name: `${deep} nested objects as the body`, body: '{"a":'.repeat(deep) + '1' + '}'.repeat(deep) },
    { category: 'nesting', name: `${deep} nested arrays as a message's content`, body: `{"model":"m","messages":[{"role":"user","content":${'['.repeat(deep)}${']'.repeat(deep)}}]}` },
    { category: 'nesting', name: `${deep} nested objects in an unknown parameter`, body: `{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":${'{"a":'.repeat(deep)}1${'}'.repeat(deep)}}` },
    { category: 'nesting', name: `${deep} nested arrays in tools`, body: `{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":${'['.repeat(deep)}${']'.repeat(deep)}}` },
    { category: 'nesting', name: `${deep} unclosed arrays`, body: '['.repeat(deep) },

    // Invalid UTF-8 (the proxy would record U+FFFD while the upstream receives the raw bytes).
    { category: 'utf8', name: 'a 0xFF byte inside a string', body: withBytesInContent([0xff]) },
    { category: 'utf8', name: 'an overlong encoding of "/" (C0 AF)', body: withBytesInContent([0xc0, 0xaf]) },
    { category: 'utf8', name: 'a UTF-8 encoded lone surrogate (ED A0 80)', body: withBytesInContent([0xed, 0xa0, 0x80]) },
    { category: 'utf8', name: 'a truncated 3-byte sequence (E2 82)', body: withBytesInContent([0xe2, 0x82]) },
    { category: 'utf8', name: 'Latin-1 bytes (a body that is not UTF-8 at all)', body: Buffer.from('{"model":"m","messages":[{"role":"user","content":"caf\u00e9 cr\u00e8me"}]}', 'latin1') },

    // Header injection and oversize headers (raw socket: fetch refuses to send these).
    { category: 'headers', name: 'CR inside x-insitu-conversation-id', raw: rawRequest(['x-insitu-conversation-id: abc\rSet-Cookie: a=b']) },
    { category: 'headers', name: 'bare LF inside x-insitu-tenant', raw: rawRequest(['x-insitu-tenant: acme\nx-insitu-user: mallory']) },
    { category: 'headers', name: 'CRLF in x-insitu-user smuggles an x-insitu-tenant path', raw: rawRequest(['x-insitu-user: bob', 'x-insitu-tenant: ../../etc']) },
    { category: 'headers', name: 'NUL byte in x-insitu-user', raw: rawRequest(['x-insitu-user: bob\u0000admin']) },
    { category: 'headers', name: 'escape sequences in x-insitu-conversation-id', raw: rawRequest(['x-insitu-conversation-id: \u001b[31mred']) },
    { category: 'headers', name: 'x-insitu-tenant with non-ASCII bytes', raw: rawRequest([Buffer.from('x-insitu-tenant: t\u00e9nant', 'utf8').toString('latin1')]) },
    { category: 'headers', name: 'two different x-insitu-tenant headers', raw: rawRequest(['x-insitu-tenant: acme', 'x-insitu-tenant: other']) },
    { category: 'headers', name: 'x-insitu-conversation-id of 10 000 characters', raw: rawRequest([`x-insitu-conversation-id: ${'c'.repeat(10_000)}`]) },
    { category: 'headers', name: 'obs-fold continuation line in x-insitu-user', raw: rawRequest(['x-insitu-user: bob', ' x-insitu-tenant: folded']) },
    { category: 'headers', name: 'one 64 KB header', raw: rawRequest([`x-padding: ${'p'.repeat(64 * 1024)}`]) },
    { category: 'headers', name: '2000 small headers', raw: rawRequest(Array.from({ length: 2000 }, (_, i) => `x-h${i}: ${'v'.repeat(16)}`)) },
    { category: 'headers', name: 'Content-Length and Transfer-Encoding together (smuggling)', raw: `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n` },

    // Wrong content types (bodies that are not JSON; curl -d style form bodies, multipart, XML).
    { category: 'content-type', name: 'form-urlencoded body', body: 'model=m&messages=hi', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    { category: 'content-type', name: 'multipart body', body: '--b\r\nContent-Disposition: form-data; name="model"\r\n\r\nm\r\n--b--\r\n', headers: { 'content-type': 'multipart/form-data; boundary=b' } },
    { category: 'content-type', name: 'XML body', body: '<request><model>m</model></request>', headers: { 'content-type': 'application/xml' } },
    { category: 'content-type', name: 'gzip-encoded body the proxy cannot read', body: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x02]), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } },
  ];
  return cases;
}

function chunkedRequest(body: Buffer): Buffer {
  const head = 'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n';
  const parts: Buffer[] = [Buffer.from(head)];
  for (let i = 0; i < body.length; i += 64 * 1024) {
    const piece = body.subarray(i, i + 64 * 1024);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

export interface CliCase {
  category: 'cli';
  name: string;
  args: string[];
  /** Exit codes accepted besides 2 (with the reason in the name). */
  alsoOk?: number[];
  /** What stderr must say. */
  says?: RegExp;
}

/**
 * Command lines with traversal-style and wrong-kind paths in every file-taking option. `scratch` is a
 * writable file and `input` a valid small JSONL file (both under the test's temp dir); the working directory
 * is two levels under the temp dir's root, so `../../` leads out of it. Outputs never point at system paths.
 */
export function cliCases(paths: { input: string; inputRel: string; emptyFile: string; scratchFileRel: string; missingDirRel: string }): CliCase[] {
  const passwd = '../../../../../../../../etc/passwd';
  return [
    { category: 'cli', name: 'detect --input ../../etc/passwd (not JSONL: every line unreadable)', args: ['detect', '--input', passwd], says: /no valid conversation lines \(\d+ unreadable\)/ },
    { category: 'cli', name: 'detect --input an empty file (zero valid lines)', args: ['detect', '--input', paths.emptyFile], says: /no valid conversation lines/ },
    { category: 'cli', name: "detect --input '' (empty path)", args: ['detect', '--input', ''], says: /--input: empty path/ },
    { category: 'cli', name: 'detect --input /dev/null (not a regular file)', args: ['detect', '--input', '/dev/null'], says: /not a regular file/ },
    { category: 'cli', name: 'detect --output the --input file itself', args: ['detect', '--input', paths.input, '--output', paths.input], says: /same file as --input/ },
    { category: 'cli', name: 'detect --output the --input file spelt ../../input.jsonl', args: ['detect', '--input', paths.input, '--output', paths.inputRel], says: /same file as --input/ },
    { category: 'cli', name: "detect --output '' (empty path)", args: ['detect', '--input', paths.input, '--output', ''], says: /--output: empty path/ },
    { category: 'cli', name: 'detect --input a folder', args: ['detect', '--input', '/etc'] },
    { category: 'cli', name: 'detect --output a folder where a file is expected', args: ['detect', '--input', paths.input, '--output', '/etc'] },
    { category: 'cli', name: 'detect --output in a folder that does not exist', args: ['detect', '--input', paths.input, '--output', `${paths.missingDirRel}/out.jsonl`] },
    { category: 'cli', name: 'eval-detector --input ../../etc/passwd (not JSONL)', args: ['eval-detector', '--input', passwd] },
    { category: 'cli', name: 'eval-detector --input a folder', args: ['eval-detector', '--input', '/etc'] },
    { category: 'cli', name: 'export --out ../../<a file> where a folder is expected', args: ['export', '--format', 'openai-dpo', '--out', paths.scratchFileRel] },
    { category: 'cli', name: 'export --out ../../etc/passwd', args: ['export', '--format', 'openai-dpo', '--out', passwd] },
    { category: 'cli', name: 'ingest --input ../../etc/passwd (not JSONL: every line unreadable)', args: ['ingest', '--input', passwd], says: /no valid conversation lines \(\d+ unreadable\)/ },
    { category: 'cli', name: 'ingest --input an empty file (zero valid lines)', args: ['ingest', '--input', paths.emptyFile], says: /no valid conversation lines/ },
    { category: 'cli', name: "ingest --input '' (empty path)", args: ['ingest', '--input', ''], says: /--input: empty path/ },
    { category: 'cli', name: "export --out '' (empty path)", args: ['export', '--format', 'openai-dpo', '--out', ''], says: /--out: empty path/ },
    { category: 'cli', name: "eval-detector --input '' (empty path)", args: ['eval-detector', '--input', ''], says: /--input: empty path/ },
    { category: 'cli', name: "eval --pairs '' (empty path)", args: ['eval', '--candidate', 'a', '--baseline', 'b', '--pairs', ''], says: /--pairs: empty path/ },
    { category: 'cli', name: 'eval --out ../../<a file> where a folder is expected', args: ['eval', '--candidate', 'a', '--baseline', 'b', '--pairs', paths.input, '--out', paths.scratchFileRel], says: /not a folder/ },
    { category: 'cli', name: "schemas --write '' (empty path)", args: ['schemas', '--write', ''], says: /--write: empty path/ },
    { category: 'cli', name: 'ingest --input a folder', args: ['ingest', '--input', '/etc'] },
    { category: 'cli', name: 'eval --pairs ../../etc/passwd (no valid pairs)', args: ['eval', '--candidate', 'a', '--baseline', 'b', '--pairs', passwd] },
    { category: 'cli', name: 'eval --pairs a folder', args: ['eval', '--candidate', 'a', '--baseline', 'b', '--pairs', '/etc'] },
    { category: 'cli', name: 'eval --job ../..', args: ['eval', '--candidate', 'a', '--baseline', 'b', '--job', '../..'], says: /not a job id/ },
    { category: 'cli', name: 'eval --job .. (a dot-only id walks out of training/)', args: ['eval', '--candidate', 'a', '--baseline', 'b', '--job', '..'], says: /not a job id/ },
    { category: 'cli', name: 'eval --job /etc/passwd (absolute path as a job id)', args: ['eval', '--candidate', 'a', '--baseline', 'b', '--job', '/etc/passwd'], says: /not a job id/ },
    { category: 'cli', name: 'schemas --write ../../<a file> where a folder is expected', args: ['schemas', '--write', paths.scratchFileRel] },
    { category: 'cli', name: 'schemas --write ../../etc/passwd', args: ['schemas', '--write', passwd] },
    { category: 'cli', name: 'schemas --check ../../etc/passwd', args: ['schemas', '--check', passwd] },
  ];
}
