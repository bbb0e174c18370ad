// The benchmark's upstream: a fixed chat completion, as JSON or as a short SSE stream. Runs as a child
// process: `node upstream.js <port>`; prints "ready" once listening.
import http from 'node:http';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';

const completion: ChatCompletion = {
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'The quick brown fox jumps over the lazy dog.', refusal: null }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 12, completion_tokens: 10, total_tokens: 22 },
};
const body = JSON.stringify(completion);
const chunk = (delta: ChatCompletionChunk.Choice['delta'], finish: ChatCompletionChunk.Choice['finish_reason'] = null): string =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'bench-model', choices: [{ index: 0, delta, finish_reason: finish }] } satisfies ChatCompletionChunk)}\n\n`;
const events = [chunk({ role: 'assistant', content: 'The quick' }), chunk({ content: ' brown fox' }), chunk({ content: ' jumps.' }, 'stop'), 'data: [DONE]\n\n'];

const server = http.createServer((req, res) => {
  let size = 0;
  let stream = false;
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => {
    size += c.length;
    parts.push(c);
  });
  req.on('end', () => {
    stream = size > 0 && Buffer.concat(parts).includes('"stream":true');
    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    let i = 0;
    const next = () => {
      res.write(events[i]!);
      if (++i < events.length) setTimeout(next, 2);
      else res.end();
    };
    setTimeout(next, 2);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('ready\n'));
