// npm run bench:detect — the feedback detector's cost, each number beside a baseline measured in the same run
// (the machine is shared and noisy):
//  1. local detector throughput on one core over every labelled turn of dev.jsonl, vs a plain keyword matcher;
//  2. end-to-end latency on the Kafka runtime (librdkafka's mock cluster as the broker), turn published ->
//     FeedbackEvent received, at a paced 1,000 turns/s, with `insitu consume feedback-detector` in its own
//     process on Redis state; vs the bus's own floor: the same load through a pass-through consumer process.
// Progress goes to stderr, results (markdown) to stdout. Exit 1 with a message when something did not work
// (broker, Redis, a consumer crashed, under 99 % of the expected FeedbackEvents arrived); a missed goal is a
// result, not a failure.
//
// Environment: BENCH_DETECT_PASSES (timed passes, default 5), BENCH_DETECT_SECONDS (measured seconds per latency
// phase, default 10), BENCH_DETECT_WARMUP (discarded seconds, 2), BENCH_DETECT_RATE (turns/s, 1000),
// BENCH_DETECT_TICK_MS (publish every, 100), BENCH_DETECT_MAX_WAIT_MS (consumer fetch wait, 50),
// BENCH_DETECT_PARTITIONS (6), BENCH_DETECT_CONSUMER_CONCURRENCY (partitions handled at once, = partitions).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { labelledTurns, parseJsonl, type LabelledConversation } from '../consumers/feedback-detector/evaluate.js';
import type { DetectionInput } from '../consumers/feedback-detector/detector.js';
import { createLocalDetector } from '../consumers/feedback-detector/local/index.js';
import type { Bus } from '../src/bus/types.js';
import { loadConfig } from '../src/config.js';
import type { FeedbackEvent } from '../src/events/feedback.js';
import { validateTurnEvent } from '../src/events/validate.js';
import { createLogger } from '../src/log.js';
import { openRuntime } from '../src/runtime.js';
import { TOPICS } from '../src/topics.js';
import { startKafkaBroker, type KafkaBroker } from '../test/support/kafka-broker.js';
import { requireRedis } from '../test/support/services.js';
import { detectByKeywords } from './lib/detect-keywords.js';
import { drainArrivals, publishPaced, recordArrivals, summarizeLatency, type SentTurn } from './lib/detect-load.js';
import { spawnNode, type BenchChild } from './lib/detect-process.js';
import { printLatency, printThroughput, type LatencyPhase } from './lib/detect-report.js';
import { passStats, timePass } from './lib/detect-throughput.js';
import { conversationScripts, createTurnSource, type ConversationScript } from './lib/detect-turns.js';

const DATA = '/work/shared/data/feedback/dev.jsonl';
const positive = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got '${raw}'`);
  return n;
};
const PASSES = Math.round(positive('BENCH_DETECT_PASSES', 5));
const SECONDS = positive('BENCH_DETECT_SECONDS', 10);
const WARMUP = positive('BENCH_DETECT_WARMUP', 2);
const RATE = positive('BENCH_DETECT_RATE', 1000);
// The mock broker returns one producer batch per partition per fetch, so a consumer gets at most one batch per
// partition per round trip; with the proxy's small batches every few ms it would measure that limit rather than
// the detector. 100 turns every 100 ms keeps the rate while the mock keeps up (see the report's caveats).
const TICK_MS = positive('BENCH_DETECT_TICK_MS', 100);
const MAX_WAIT_MS = Math.round(positive('BENCH_DETECT_MAX_WAIT_MS', 50));
const PARTITIONS = Math.round(positive('BENCH_DETECT_PARTITIONS', 6));
const CONSUMER_CONCURRENCY = Math.round(positive('BENCH_DETECT_CONSUMER_CONCURRENCY', PARTITIONS));
/** A Redis database of the bench's own, emptied at start and end (nothing else in the repo uses db 9). */
const REDIS_DB = 9;
const REDIS_URL = `redis://127.0.0.1:6379/${REDIS_DB}`;
/** Conversations in flight at once: each one's next turn comes every CONCURRENT / RATE seconds. */
const CONCURRENT = 200;
const FLOOR_TURNS = 'insitu-bench.turns';
const FLOOR_ECHO = 'insitu-bench.echo';
const GOAL_TURNS_PER_SECOND = 20_000;
const GOAL_P99_MS = 200;
const MIN_DELIVERED = 0.99;

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);
const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const int = (n: number) => Math.round(n).toLocaleString('en-US');

// Part 1 --------------------------------------------------------------------------------------------------

function measureThroughput(conversations: readonly LabelledConversation[]): void {
  const inputs = conversations.flatMap((c) => labelledTurns(c).turns.map((t) => t.input));
  const local = createLocalDetector();
  const detectors = { keywords: detectByKeywords, local: (input: DetectionInput) => local.detectSync(input).polarity };
  log(`part 1: ${int(inputs.length)} labelled turns of ${int(conversations.length)} conversations; a warm-up pass, then ${PASSES} timed passes each, alternating`);
  timePass(inputs, detectors.keywords);
  timePass(inputs, detectors.local);
  const runs = { keywords: [] as ReturnType<typeof timePass>[], local: [] as ReturnType<typeof timePass>[] };
  for (let p = 1; p <= PASSES; p++) {
    const k = timePass(inputs, detectors.keywords);
    const l = timePass(inputs, detectors.local);
    runs.keywords.push(k);
    runs.local.push(l);
    log(`  pass ${p}/${PASSES}: local ${int((inputs.length * 1000) / l.ms)} turns/s, keywords ${int((inputs.length * 1000) / k.ms)} turns/s`);
  }
  printThroughput({ local: passStats(inputs.length, runs.local), keywords: passStats(inputs.length, runs.keywords), goal: GOAL_TURNS_PER_SECOND });
}

// Part 2 --------------------------------------------------------------------------------------------------

async function flushRedis(): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
}

/** Races a wait against the children dying, so a crashed consumer fails the bench at once, with its stderr. */
const guarded = <T>(children: BenchChild[], wait: Promise<T>): Promise<T> => Promise.race([wait, ...children.map((c) => c.exited)]);

async function waitUntil(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One paced load on `topic`; latency of the measured turns `counts` selects, matched in `arrivals`. */
async function runPhase(params: {
  name: string;
  bus: Bus;
  topic: string;
  scripts: ConversationScript[];
  consumer: BenchChild;
  arrivals: Map<string, number>;
  counts: (t: SentTurn) => boolean;
}): Promise<LatencyPhase> {
  const sent = new Map<string, SentTurn>();
  const cpu0 = params.consumer.cpuMs();
  log(`  ${params.name}: ${int(RATE)} turns/s, ${WARMUP} s warm-up + ${SECONDS} s measured`);
  const run = await guarded(
    [params.consumer],
    publishPaced({
      bus: params.bus,
      topic: params.topic,
      next: createTurnSource({ scripts: params.scripts, concurrent: CONCURRENT, prefix: params.name }).next,
      ratePerSecond: RATE,
      tickMs: TICK_MS,
      warmupSeconds: WARMUP,
      seconds: SECONDS,
      sent,
    }),
  );
  await guarded([params.consumer], drainArrivals(sent, params.arrivals, params.counts, 5000));
  const latency = summarizeLatency(sent, params.arrivals, params.counts);
  log(`    p50 ${f(latency.p50)} ms, p99 ${f(latency.p99)} ms; ${latency.received} of ${latency.expected} arrived`);
  return { run, latency, consumerCpuMs: params.consumer.cpuMs() - cpu0, turnsPublished: sent.size };
}

async function measureLatency(conversations: readonly LabelledConversation[], dataDir: string, cleanup: (() => Promise<void>)[]): Promise<void> {
  const scripts = conversationScripts(conversations);
  const sample = createTurnSource({ scripts, concurrent: 1, prefix: 'sample' });
  for (const event of [sample.next().event, sample.next().event]) {
    const valid = validateTurnEvent(JSON.parse(JSON.stringify(event)));
    if (!valid.ok) throw new Error(`the bench builds invalid TurnEvents: ${valid.errors.join('; ')}`);
  }

  await requireRedis();
  await flushRedis();
  cleanup.push(flushRedis);
  log(`part 2: starting a Kafka-protocol broker (librdkafka mock, ${PARTITIONS} partitions)`);
  let broker: KafkaBroker;
  try {
    broker = await startKafkaBroker({ partitions: PARTITIONS });
  } catch (error) {
    throw new Error(`the Kafka-protocol broker did not start: ${(error as Error).message}`);
  }
  cleanup.push(() => broker.stop());

  const busEnv = {
    INSITU_KAFKA_BROKERS: broker.bootstrap,
    INSITU_KAFKA_REPLICATION: '1',
    INSITU_BUS_PARTITIONS: String(PARTITIONS),
    INSITU_KAFKA_MAX_WAIT_MS: String(MAX_WAIT_MS),
    INSITU_CONSUMER_CONCURRENCY: String(CONSUMER_CONCURRENCY),
    INSITU_LOG_LEVEL: 'warn',
  };
  const detectorEnv = { ...busEnv, INSITU_DATA_DIR: join(dataDir, 'detector'), INSITU_REDIS_URL: REDIS_URL, INSITU_DETECTOR: 'local' };
  const detectorConfig = loadConfig({ ...process.env, ...detectorEnv }); // what the child runs with, for the report
  const runtime = await openRuntime(loadConfig({ ...busEnv, INSITU_DATA_DIR: join(dataDir, 'bench') }), createLogger({ level: 'warn' }));
  cleanup.push(() => runtime.close());
  await runtime.bus.ensureTopics([FLOOR_TURNS, FLOOR_ECHO].map((name) => ({ name, partitions: PARTITIONS })));

  log('  starting the feedback detector and the pass-through consumer, each in its own process');
  const detector = spawnNode({ name: 'feedback detector', args: [here('../src/cli/main.js'), 'consume', 'feedback-detector'], env: detectorEnv });
  const echo = spawnNode({ name: 'pass-through consumer', args: [here('./lib/detect-echo.js'), FLOOR_TURNS, FLOOR_ECHO], env: { ...busEnv, INSITU_DATA_DIR: join(dataDir, 'echo') } });
  cleanup.push(() => detector.stop(), () => echo.stop());

  const [feedback, floor] = await guarded([detector, echo], Promise.all([
    recordArrivals({ bus: runtime.bus, topic: TOPICS.feedback, group: `insitu-bench-feedback-${process.pid}`, idOf: (r) => (JSON.parse(r.value) as FeedbackEvent).feedback_turn_id }),
    recordArrivals({ bus: runtime.bus, topic: FLOOR_ECHO, group: `insitu-bench-floor-${process.pid}`, idOf: (r) => r.headers['insitu-event-id'] }),
  ]));
  await guarded([echo], echo.ready('ready', 30_000));

  // Readiness: `insitu consume` prints nothing once it is up, so a probe goes through each path first.
  const probe = createTurnSource({ scripts: [scripts[0]!], concurrent: 1, prefix: 'probe' });
  const [first, second] = [probe.next().event, probe.next().event];
  const record = (topic: string, e: typeof first) => ({ topic, key: e.conversation_id, value: JSON.stringify(e), headers: { 'insitu-event-id': e.turn_id } });
  const t0 = performance.now();
  await runtime.bus.publish([record(TOPICS.turns, first), record(TOPICS.turns, second), record(FLOOR_TURNS, first)]);
  await guarded([detector, echo], Promise.all([
    waitUntil('the feedback detector did not answer a probe turn', () => feedback.arrivals.has(second.turn_id), 30_000),
    waitUntil('the pass-through consumer did not echo a probe turn', () => floor.arrivals.has(first.turn_id), 30_000),
  ]));
  log(`  both consumers answered their probes (${f(performance.now() - t0, 0)} ms after publishing)`);

  const cpu0 = process.cpuUsage();
  const floorPhase = await runPhase({ name: 'floor', bus: runtime.bus, topic: FLOOR_TURNS, scripts, consumer: echo, arrivals: floor.arrivals, counts: () => true });
  await Promise.all([floor.subscription.close(), echo.stop()]); // the detector phase runs without them
  const expects = (t: SentTurn) => t.expectsFeedback;
  const detectPhase = await runPhase({ name: 'detect', bus: runtime.bus, topic: TOPICS.turns, scripts, consumer: detector, arrivals: feedback.arrivals, counts: expects });
  const cpu = process.cpuUsage(cpu0);

  printLatency(
    {
      rate: RATE,
      seconds: SECONDS,
      warmupSeconds: WARMUP,
      tickMs: TICK_MS,
      partitions: PARTITIONS,
      maxWaitMs: detectorConfig.kafka!.maxWaitTimeMs,
      consumerConcurrency: detectorConfig.consumerConcurrency,
      conversations: CONCURRENT,
      detector: detectorConfig.detector,
      redisDb: REDIS_DB,
      goalP99Ms: GOAL_P99_MS,
      minDelivered: MIN_DELIVERED,
    },
    floorPhase,
    detectPhase,
    (cpu.user + cpu.system) / (floorPhase.turnsPublished + detectPhase.turnsPublished),
  );
  const delivered = (l: LatencyPhase['latency']) => (l.expected ? l.received / l.expected : 0);
  if (delivered(floorPhase.latency) < MIN_DELIVERED) throw new Error(`only ${floorPhase.latency.received} of ${floorPhase.latency.expected} turns came back through the pass-through consumer`);
  if (delivered(detectPhase.latency) < MIN_DELIVERED) {
    throw new Error(`only ${detectPhase.latency.received} of ${detectPhase.latency.expected} expected FeedbackEvents arrived (under ${100 * MIN_DELIVERED} %); the detector's stderr:\n${detector.stderrTail().trim() || '(empty)'}`);
  }
}

async function main(): Promise<void> {
  let text: string;
  try {
    text = readFileSync(DATA, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${DATA}: ${(error as Error).message}`);
  }
  const conversations = parseJsonl(text);
  process.stdout.write(`# bench:detect — ${new Date().toISOString()}, node ${process.version}, ${int(conversations.length)} dev.jsonl conversations\n\n`);
  measureThroughput(conversations);

  const dataDir = mkdtempSync(join(tmpdir(), 'insitu-bench-detect-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const cleanup: (() => Promise<void>)[] = [];
  try {
    await measureLatency(conversations, dataDir, cleanup);
  } finally {
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => log(`cleanup: ${(error as Error).message}`));
  }
}

process.once('SIGINT', () => process.exit(130));
main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench:detect failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
