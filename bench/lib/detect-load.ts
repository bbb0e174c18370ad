// Open-loop, paced publishing of TurnEvents for bench:detect, and arrival recording on the far side.
// The schedule is anchored to its start (turn n is due at start + n / rate), so a late timer makes the next
// tick catch up instead of letting the rate drift. One publisher loop sends whatever is due in one bus call at
// a time, as the proxy's outbox does; a turn's clock starts just before the call that carries it.
import { performance } from 'node:perf_hooks';
import type { Bus, DeliveredRecord, Subscription } from '../../src/bus/types.js';
import { percentile } from './load.js';
import type { ScriptedTurn } from './detect-turns.js';

export interface SentTurn {
  /** performance.now() just before the publish call that carried the turn. */
  sentAt: number;
  /** False for warm-up turns, whose samples are discarded. */
  measured: boolean;
  expectsFeedback: boolean;
}

export interface PacedRun {
  /** Turns published after the warm-up. */
  measuredTurns: number;
  /** Measured turns per second: from the measured window's start (end of warm-up) to the last acknowledgement. */
  achievedRate: number;
  /** Duration of each publish call (acks=all), sorted, ms. */
  publishMs: number[];
  /** How long each turn waited between its due time and its publish call, sorted, ms. */
  queueWaitMs: number[];
}

const MAX_BATCH = 500;

/** Publishes rate x (warm-up + measured) seconds of turns; fills `sent` before each call so arrivals can be matched. */
export async function publishPaced(params: {
  bus: Bus;
  topic: string;
  next: () => ScriptedTurn;
  ratePerSecond: number;
  /** Turns due are handed to the publisher every tickMs. */
  tickMs: number;
  warmupSeconds: number;
  seconds: number;
  sent: Map<string, SentTurn>;
}): Promise<PacedRun> {
  const { bus, topic, next, ratePerSecond: rate, tickMs, sent } = params;
  const warmupTurns = Math.round(rate * params.warmupSeconds);
  const total = warmupTurns + Math.round(rate * params.seconds);
  const queue: { turn: ScriptedTurn; value: string; index: number; dueAt: number }[] = [];
  const publishMs: number[] = [];
  const queueWaitMs: number[] = [];
  let generated = 0;
  let scheduled = false;
  let wake: (() => void) | undefined;
  const t0 = performance.now();

  let k = 0;
  const tick = () => {
    // Tick k is due at t0 + k * tickMs; rounding absorbs a timer that fires a hair early (which would otherwise
    // split one tick's turns over two publish calls), and a late timer catches up on everything due.
    k = Math.max(k, Math.round((performance.now() - t0) / tickMs));
    const due = Math.min(total, Math.floor((k * tickMs * rate) / 1000));
    for (; generated < due; generated++) {
      const turn = next();
      queue.push({ turn, value: JSON.stringify(turn.event), index: generated, dueAt: t0 + (generated * 1000) / rate });
    }
    k++;
    if (generated >= total) scheduled = true;
    else setTimeout(tick, Math.max(0, t0 + k * tickMs - performance.now()));
    wake?.();
  };
  tick();

  let lastAckAt = NaN;
  while (!scheduled || queue.length > 0) {
    if (queue.length === 0) {
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      continue;
    }
    const batch = queue.splice(0, MAX_BATCH);
    const at = performance.now();
    for (const q of batch) {
      const measured = q.index >= warmupTurns;
      if (measured) queueWaitMs.push(at - q.dueAt);
      sent.set(q.turn.event.turn_id, { sentAt: at, measured, expectsFeedback: q.turn.expectsFeedback });
    }
    await bus.publish(
      batch.map((q) => ({
        topic,
        key: q.turn.event.conversation_id,
        value: q.value,
        headers: { 'insitu-schema': 'insitu.turn', 'insitu-version': String(q.turn.event.version), 'insitu-event-id': q.turn.event.turn_id },
      })),
    );
    lastAckAt = performance.now();
    publishMs.push(lastAckAt - at);
  }
  const measuredTurns = total - warmupTurns;
  return {
    measuredTurns,
    achievedRate: measuredTurns / ((lastAckAt - (t0 + (warmupTurns * 1000) / rate)) / 1000),
    publishMs: publishMs.sort((a, b) => a - b),
    queueWaitMs: queueWaitMs.sort((a, b) => a - b),
  };
}

/** Subscribes with an ephemeral group and records when each id (first) arrived in this process. */
export async function recordArrivals(params: {
  bus: Bus;
  topic: string;
  group: string;
  idOf: (record: DeliveredRecord) => string | undefined;
}): Promise<{ arrivals: Map<string, number>; subscription: Subscription }> {
  const arrivals = new Map<string, number>();
  const subscription = await params.bus.subscribe({
    group: params.group,
    topics: [params.topic],
    fromBeginning: true,
    ephemeral: true,
    handler: async (records) => {
      const at = performance.now(); // the whole batch reached this process together
      for (const r of records) {
        const id = params.idOf(r);
        if (id !== undefined && !arrivals.has(id)) arrivals.set(id, at);
      }
    },
  });
  return { arrivals, subscription };
}

export interface LatencySummary {
  expected: number;
  received: number;
  missing: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** p50 of the turns sent in the first and in the second half of the measured window: growth means a backlog. */
  p50FirstHalf: number;
  p50SecondHalf: number;
}

/** Latency of every measured turn `counts` selects: arrival minus the time just before its publish call. */
export function summarizeLatency(sent: Map<string, SentTurn>, arrivals: Map<string, number>, counts: (turn: SentTurn) => boolean): LatencySummary {
  const samples: [sentAt: number, latency: number][] = [];
  let expected = 0;
  for (const [id, turn] of sent) {
    if (!turn.measured || !counts(turn)) continue;
    expected++;
    const at = arrivals.get(id);
    if (at !== undefined) samples.push([turn.sentAt, at - turn.sentAt]);
  }
  const sorted = (list: [number, number][]) => list.map((s) => s[1]).sort((a, b) => a - b);
  const latencies = sorted(samples);
  const from = samples.reduce((m, s) => Math.min(m, s[0]), Infinity);
  const mid = from + (samples.reduce((m, s) => Math.max(m, s[0]), -Infinity) - from) / 2;
  return {
    expected,
    received: latencies.length,
    missing: expected - latencies.length,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    p50FirstHalf: percentile(sorted(samples.filter((s) => s[0] < mid)), 50),
    p50SecondHalf: percentile(sorted(samples.filter((s) => s[0] >= mid)), 50),
  };
}

/** Waits until every measured turn `counts` selects has arrived, or nothing new arrived for `quietMs`. */
export async function drainArrivals(sent: Map<string, SentTurn>, arrivals: Map<string, number>, counts: (turn: SentTurn) => boolean, quietMs: number): Promise<void> {
  const awaited = [...sent].filter(([, t]) => t.measured && counts(t)).map(([id]) => id);
  let seen = -1;
  let lastChange = performance.now();
  for (;;) {
    if (awaited.every((id) => arrivals.has(id))) return;
    if (arrivals.size !== seen) {
      seen = arrivals.size;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > quietMs) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
