// GET /v1/insitu/streams/preferences: the live preference stream as server-sent events, for people who tap
// it without a Kafka client. Each client gets its own ephemeral subscription to insitu.preferences.
//   ?tenant=T      only that tenant's pairs
//   ?label=L       only pairs whose feedback carries that SAT/DSAT rubric
//   ?include=all   also pairs a filter dropped (accepted=false)
//   ?from=beginning  replay the retained topic first (default: only new pairs)
// Every event's id is a cursor over the topic's partitions ("<partition>-<offset>" joined by '.': the last
// offset the stream has passed in that partition); a client that reconnects with Last-Event-ID resumes after
// it: the retained topic is read and what the cursor covers is skipped. Resume semantics, no duplicates and
// no gaps:
//  - A new stream starts its cursor at every partition's end offset at connect time (minus one, as "passed");
//    from=beginning starts empty. So a cursor names every partition that held records the stream was not to
//    send, and a partition it does not name was empty then: on resume all of it is new and is sent.
//  - The cursor goes out as the id of every event and once right after ': subscribed' (an SSE id without
//    data: EventSource keeps it as its Last-Event-ID without firing an event), so a client that saw no event
//    still resumes where it connected, not at "now".
//  - A resumed stream keeps the client's cursor as it is (never adds today's ends: that would skip what was
//    published while it was away).
//  - A new stream subscribes from the last FRESH_OVERLAP records of each partition (not the whole topic): its
//    cursor, taken first, skips the overlap, and records published between taking the cursor and the
//    subscription's start fall inside it. A resumed stream reads the retained topic up to its cursor.
// Back-pressure: when a client's socket buffer is full the stream waits for it to drain (its subscription
// pauses); a client that does not drain within STALL_MS is cut off with an error event saying to reconnect
// with Last-Event-ID, so a stalled reader costs bounded memory and loses nothing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Bus, DeliveredRecord, Subscription } from '../src/bus/types.js';
import { RequestError } from '../src/errors.js';
import type { PreferencePair } from '../src/events/preference.js';
import { DSAT_RUBRICS, SAT_RUBRICS } from '../src/feedback/rubrics.js';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../src/log.js';
import { TOPICS } from '../src/topics.js';
import { sendRequestError } from './http-errors.js';

const HEARTBEAT_MS = 15_000;
const MAX_STREAMS = 64;
/** Records per partition a new stream re-reads to cover what was published while it subscribed. */
const FRESH_OVERLAP = 1000;
/** How long a full socket buffer may stay full before the stream is closed as stalled. */
export const STALL_MS = 30_000;
const RUBRICS = new Set<string>([...SAT_RUBRICS, ...DSAT_RUBRICS]);

export type StreamCursor = Map<number, bigint>;

export function parseCursor(text: string): StreamCursor {
  const cursor: StreamCursor = new Map();
  if (text.trim() === '') return cursor;
  for (const part of text.trim().split('.')) {
    const m = /^(\d{1,6})-(\d{1,20})$/.exec(part);
    if (!m) throw new RequestError(400, `Last-Event-ID '${text.slice(0, 80)}' is not a cursor of this stream.`, 'invalid_request_error', 'invalid_last_event_id');
    cursor.set(Number(m[1]), BigInt(m[2]!));
  }
  return cursor;
}

export const formatCursor = (cursor: StreamCursor) =>
  [...cursor].sort(([a], [b]) => a - b).map(([p, o]) => `${p}-${o}`).join('.');

export interface StreamFilter {
  tenant: string | null;
  label: string | null;
  includeDropped: boolean;
}

export function matches(pair: PreferencePair, filter: StreamFilter): boolean {
  if (!filter.includeDropped && !pair.accepted) return false;
  if (filter.tenant !== null && pair.tenant !== filter.tenant) return false;
  if (filter.label !== null && !pair.feedback.some((f) => (f.dissatisfaction as string[]).includes(filter.label!) || (f.satisfaction as string[]).includes(filter.label!))) return false;
  return true;
}

function readQuery(req: IncomingMessage): { filter: StreamFilter; fromBeginning: boolean } {
  const url = new URL(req.url ?? '/', 'http://insitu');
  const label = url.searchParams.get('label');
  if (label !== null && !RUBRICS.has(label)) throw new RequestError(400, `Unknown label '${label.slice(0, 60)}': use one of the SAT or DSAT rubric names.`, 'invalid_request_error', 'invalid_label');
  const include = url.searchParams.get('include');
  if (include !== null && include !== 'all' && include !== 'accepted') throw new RequestError(400, "include must be 'all' or 'accepted'.", 'invalid_request_error', 'invalid_include');
  const from = url.searchParams.get('from');
  if (from !== null && from !== 'beginning' && from !== 'now') throw new RequestError(400, "from must be 'beginning' or 'now'.", 'invalid_request_error', 'invalid_from');
  return { filter: { tenant: url.searchParams.get('tenant'), label, includeDropped: include === 'all' }, fromBeginning: from === 'beginning' };
}

/** Resolves true once `res` drained, false if it did not within `ms` or closed first. */
function drained(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => done(false), ms);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

export function createPreferenceStreamHandler(deps: { bus: Bus; logger: Logger; stallMs?: number }) {
  const stallMs = deps.stallMs ?? STALL_MS;
  let open = 0;
  return async function streamPreferences(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let query: ReturnType<typeof readQuery>;
    let cursor: StreamCursor;
    try {
      query = readQuery(req);
      const lastId = req.headers['last-event-id'];
      cursor = parseCursor(typeof lastId === 'string' ? lastId : '');
      if (open >= MAX_STREAMS) throw new RequestError(503, `Too many open preference streams (${MAX_STREAMS}); try again later or read the ${TOPICS.preferences} topic.`, 'server_error', 'too_many_streams');
    } catch (error) {
      if (error instanceof RequestError) return sendRequestError(res, error);
      throw error;
    }
    open++;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': insitu preference stream\n\n');
    let subscription: Subscription | undefined;
    let closed = false;
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    const close = () => {
      if (closed) return;
      closed = true;
      open--;
      clearInterval(heartbeat);
      void subscription?.close().catch((error) => deps.logger.warn('closing a preference stream failed', { error }));
    };
    res.on('close', close);
    const send = async (records: DeliveredRecord[]) => {
      for (const record of records) {
        if (closed) return;
        const offset = BigInt(record.offset);
        const seen = cursor.get(record.partition);
        if (seen !== undefined && offset <= seen) continue;
        cursor.set(record.partition, offset);
        let pair: PreferencePair;
        try {
          pair = JSON.parse(record.value) as PreferencePair;
        } catch {
          continue;
        }
        if (!matches(pair, query.filter)) continue;
        if (res.write(`id: ${formatCursor(cursor)}\nevent: preference\ndata: ${record.value}\n\n`)) continue;
        if (!(await drained(res, stallMs)) && !closed) return cutStalledClient();
      }
    };
    const cutStalledClient = () => {
      deps.logger.warn('preference stream client stalled; closing its stream', { buffered: res.writableLength });
      res.end(`event: error\ndata: ${JSON.stringify({ error: { message: `The client read nothing for ${stallMs} ms; reconnect with Last-Event-ID to resume.`, type: 'server_error', code: 'slow_consumer' } })}\n\n`);
      close();
    };
    try {
      const fresh = cursor.size === 0 && !query.fromBeginning;
      if (fresh) {
        for (const [partition, end] of await deps.bus.endOffsets(TOPICS.preferences)) if (BigInt(end) > 0n) cursor.set(partition, BigInt(end) - 1n);
      }
      subscription = await deps.bus.subscribe({
        group: `insitu.stream-${randomBytes(6).toString('hex')}`,
        topics: [TOPICS.preferences],
        // The cursor, not the group's start position, decides what was seen; the start only bounds the read.
        fromBeginning: true,
        ...(fresh ? { fromLast: FRESH_OVERLAP } : {}),
        ephemeral: true,
        handler: async (records) => {
          if (!closed) await send(records);
        },
      });
      if (closed) await subscription.close();
      else res.write(`: subscribed\n${cursor.size > 0 ? `id: ${formatCursor(cursor)}\n` : ''}\n`);
    } catch (error) {
      deps.logger.warn('preference stream could not subscribe', { error });
      res.write(`event: error\ndata: ${JSON.stringify({ error: { message: 'The preference stream is unavailable (bus unreachable); reconnect later.', type: 'server_error', code: 'bus_unavailable' } })}\n\n`);
      res.end();
    }
  };
}
