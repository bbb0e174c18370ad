// The demo's built-in chat model: an OpenAI-compatible server (chat completions, JSON or streamed, and the
// model list) that plays back the scripted answers of the demo conversations, so `insitu demo` runs with no
// model and no network. Bodies are typed with the openai package's own types.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { DemoConversation } from './conversations.js';

export const DEMO_MODEL = 'insitu-demo-model';

export interface DemoModelServer {
  url: string;
  close(): Promise<void>;
}

const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

function answerFor(script: Map<string, string>, body: { messages?: { role?: string; content?: unknown }[] }): string {
  const last = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user');
  const text = typeof last?.content === 'string' ? last.content : '';
  return script.get(text.trim()) ?? `I am the Insitu demo model and only know the demo's scripted conversations. You said: ${text.slice(0, 200)}`;
}

export async function startDemoModel(conversations: readonly DemoConversation[]): Promise<DemoModelServer> {
  const script = new Map<string, string>();
  for (const c of conversations) for (const t of c.turns) script.set(t.user.trim(), t.assistant);
  let counter = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ object: 'list', data: [{ id: DEMO_MODEL, object: 'model', created: 0, owned_by: 'insitu' }] }));
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: { message: `The demo model serves POST /v1/chat/completions and GET /v1/models, not ${req.method} ${path}.`, type: 'invalid_request_error', param: null, code: 'unknown_url' } }));
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: { model?: unknown; stream?: unknown; messages?: { role?: string; content?: unknown }[] };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: { message: 'The body is not valid JSON.', type: 'invalid_request_error', param: null, code: 'invalid_json' } }));
    }
    const content = answerFor(script, body);
    const model = typeof body.model === 'string' ? body.model : DEMO_MODEL;
    const id = `chatcmpl-demo-${++counter}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = { prompt_tokens: words(JSON.stringify(body.messages ?? [])), completion_tokens: words(content), total_tokens: 0 };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    if (body.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const parts = content.split(/(?<=\s)/);
      const chunk = (delta: ChatCompletionChunk.Choice.Delta, finish: ChatCompletionChunk.Choice['finish_reason']): ChatCompletionChunk => ({
        id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      });
      res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: '' }, null))}\n\n`);
      for (const p of parts) res.write(`data: ${JSON.stringify(chunk({ content: p }, null))}\n\n`);
      res.write(`data: ${JSON.stringify(chunk({}, 'stop'))}\n\n`);
      return void res.end('data: [DONE]\n\n');
    }
    const completion: ChatCompletion = {
      id, object: 'chat.completion', created, model,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage,
    };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(completion));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'demo model failed', type: 'server_error', param: null, code: null } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
