// bench:detect's results as markdown on stdout: the throughput table and the latency tables, each with the
// baseline measured in the same run and the goal line.
import { percentile } from './load.js';
import type { LatencySummary, PacedRun } from './detect-load.js';
import type { PassStats } from './detect-throughput.js';

const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const out = (line = '') => process.stdout.write(`${line}\n`);

export function printThroughput(r: { local: PassStats; keywords: PassStats; goal: number }): void {
  const row = (name: string, s: PassStats) =>
    `| ${name} | ${int(s.turns)} | ${int(s.turnsPerSecond)} | ${f(s.usPerTurn, 2)} | ${int((s.turns * 1000) / Math.min(...s.passesMs))} | ${int(s.flagged)} |`;
  out(`## Local detector throughput: one core, every labelled turn of dev.jsonl, median of ${r.local.passesMs.length} passes after a warm-up pass\n`);
  out('| detector | turns/pass | turns/s | µs/turn | best pass turns/s | verdicts not NONE |');
  out('|---|---|---|---|---|---|');
  out(row('keyword matcher (baseline: 2 regexes)', r.keywords));
  out(row('local detector (createLocalDetector)', r.local));
  out(`\nlocal detector cost per turn: x${f(r.local.usPerTurn / r.keywords.usPerTurn, 0)} the keyword matcher's (+${f(r.local.usPerTurn - r.keywords.usPerTurn, 2)} µs/turn)`);
  out(`goal >= ${int(r.goal)} turns/s per core: ${r.local.turnsPerSecond >= r.goal ? 'met' : 'missed'} (${int(r.local.turnsPerSecond)} turns/s)\n`);
}

export interface LatencyPhase {
  run: PacedRun;
  latency: LatencySummary;
  /** The consumer process's CPU time over the phase (publishing and drain), ms. */
  consumerCpuMs: number;
  turnsPublished: number;
}

export interface LatencySetup {
  rate: number;
  seconds: number;
  warmupSeconds: number;
  tickMs: number;
  partitions: number;
  maxWaitMs: number;
  consumerConcurrency: number;
  conversations: number;
  detector: string;
  redisDb: number;
  goalP99Ms: number;
  minDelivered: number;
}

export function printLatency(s: LatencySetup, floor: LatencyPhase, detect: LatencyPhase, benchCpuUsPerTurn: number): void {
  out(`## End-to-end latency on the Kafka runtime: ${int(s.rate)} turns/s for ${s.seconds} s after ${s.warmupSeconds} s of discarded warm-up\n`);
  out("Latency = arrival in the bench process minus the moment just before the publish call that carried the turn; it includes the bench's own");
  out(`publish (acks=all, gzip) and consume hops. Turns of ${int(s.conversations)} interleaved dev.jsonl conversations, keyed by conversation, ${int((s.rate * s.tickMs) / 1000)} per publish call every ${s.tickMs} ms.`);
  out(`Broker: librdkafka's mock cluster (one in-memory process behind a Python front), ${s.partitions} partitions per topic. Every consumer (detector,`);
  out(`pass-through, bench) runs with INSITU_KAFKA_MAX_WAIT_MS=${s.maxWaitMs} (default 250; what a latency-sensitive deployment would set) and`);
  out(`INSITU_CONSUMER_CONCURRENCY=${s.consumerConcurrency} (partitions handled in parallel). Detector: \`insitu consume feedback-detector\`, INSITU_DETECTOR=${s.detector},`);
  out(`Redis state (db ${s.redisDb}), its own process. Baseline: the same load through a pass-through consumer process (bench/lib/detect-echo.ts) that`);
  out('republishes each turn unchanged: the bus\'s own floor for the same two hops.');
  out('Mock caveats, which inflate every row alike: the mock answers a fetch with at most one producer batch per partition, and holds an');
  out('empty fetch for the full max wait even when records arrive meanwhile (a real broker answers at once); hence the batched producer.\n');
  const row = (name: string, l: LatencySummary) =>
    `| ${name} | ${int(l.expected)} | ${int(l.received)} | ${int(l.missing)} | ${f(l.p50)} | ${f(l.p90)} | ${f(l.p99)} | ${f(l.max)} | ${f(l.p50FirstHalf)} / ${f(l.p50SecondHalf)} |`;
  out('| path | expected | received | missing | p50 ms | p90 ms | p99 ms | max ms | p50 1st / 2nd half ms |');
  out('|---|---|---|---|---|---|---|---|---|');
  out(row('bus floor: turn -> pass-through process -> bench (baseline)', floor.latency));
  out(row('turn -> feedback detector process -> FeedbackEvent', detect.latency));
  const d = detect.latency;
  const b = floor.latency;
  out(`\ndetector vs bus floor: p50 ${sign(d.p50 - b.p50)} ms (x${f(d.p50 / b.p50, 2)}), p99 ${sign(d.p99 - b.p99)} ms (x${f(d.p99 / b.p99, 2)})`);
  if (d.p50SecondHalf > 1.5 * d.p50FirstHalf && d.p50SecondHalf - d.p50FirstHalf > 100) {
    out(`the detector fell behind: its p50 grew from ${f(d.p50FirstHalf)} to ${f(d.p50SecondHalf)} ms between the halves of the run (a backlog built up)`);
  }
  out();
  const prow = (name: string, p: LatencyPhase, consumer: string) =>
    `| ${name} | ${int(p.run.achievedRate)} | ${f(percentile(p.run.publishMs, 50))} | ${f(percentile(p.run.publishMs, 99))} | ${f(percentile(p.run.queueWaitMs, 99))} | ${consumer} | ${int((p.consumerCpuMs * 1000) / p.turnsPublished)} | ${f((p.consumerCpuMs * s.rate) / p.turnsPublished / 10, 0)} % |`;
  out('| phase | published turns/s | publish call p50 ms | publish call p99 ms | due-to-call wait p99 ms | consumer process | its CPU µs/turn | = share of one core at this rate |');
  out('|---|---|---|---|---|---|---|---|');
  out(prow('bus floor', floor, 'pass-through'));
  out(prow('detector', detect, 'feedback detector'));
  out(`\nCPU µs/turn: utime+stime from /proc over the phase (publishing and drain) / turns published; the bench process used ${int(benchCpuUsPerTurn)} µs/turn.`);
  const delivered = d.expected ? d.received / d.expected : 0;
  out(`feedback delivered: ${int(d.received)} of ${int(d.expected)} expected (${f(100 * delivered, 2)} %); a turn yields feedback when an earlier turn of its conversation was answered.`);
  out(`goal p99 <= ${s.goalP99Ms} ms: ${d.p99 <= s.goalP99Ms && delivered >= s.minDelivered ? 'met' : 'missed'} (p99 ${f(d.p99)} ms; bus floor p99 ${f(b.p99)} ms)`);
}

const sign = (n: number) => (n >= 0 ? `+${f(n)}` : f(n));
