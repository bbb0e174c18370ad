// Talking to the proxy's dashboard endpoints. With INSITU_AUTH=keys they need a virtual key: the page asks for
// one on the first 401, keeps it in sessionStorage (this tab only) and sends it as a Bearer header. The live
// stream is read with fetch (EventSource cannot send headers), parsed as server-sent events here.
const KEY = 'insitu-dashboard-key';
let onUnauthorized = () => {};

export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

export function setKey(key) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

const headers = () => {
  const key = sessionStorage.getItem(KEY);
  return key ? { authorization: `Bearer ${key}` } : {};
};

export class ApiError extends Error {}

/** GET a JSON endpoint; throws ApiError with the server's message. */
export async function getJson(url) {
  const response = await fetch(url, { headers: headers() });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) onUnauthorized();
  if (!response.ok) throw new ApiError(body.error?.message ?? response.statusText);
  return body;
}

/**
 * Opens the event stream: `on(event, data)` per message; `onState('live' | 'retry' | 'error', text)`.
 * Reconnects after a drop (1 s, then up to 15 s); close() stops it for good.
 */
export function openStream(url, on, onState) {
  const controller = new AbortController();
  let delay = 1000;
  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const response = await fetch(url, { headers: { ...headers(), accept: 'text/event-stream' }, signal: controller.signal });
        if (response.status === 401) {
          onUnauthorized();
          onState('error', 'an API key is needed (INSITU_AUTH=keys)');
          return;
        }
        if (!response.ok) {
          const body = await response.json().catch(() => ({}));
          onState('error', body.error?.message ?? response.statusText);
        } else {
          delay = 1000;
          await readEvents(response.body, on);
        }
      } catch (error) {
        if (controller.signal.aborted) return;
      }
      onState('retry', 'reconnecting…');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15000);
    }
  };
  void run();
  return { close: () => controller.abort() };
}

async function readEvents(body, on) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) on(event, JSON.parse(data.join('\n')));
    }
  }
}
