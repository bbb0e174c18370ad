// npm run bench:proxy — the proxy's overhead, measured in one run against the same fixed-response upstream:
// (a) direct to the upstream, (b) a bare node:http pass-through (the Node limit), (c) Insitu with Kafka
// publishing on (a Kafka-protocol broker: librdkafka's mock cluster). Each target is its own process; the
// load generator runs here. Prints absolute numbers, then Insitu's overhead as ratios and differences.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, runLoad, streamingTtfb, type LoadResult } from './lib/load.js';
import { freePort, startKafkaBroker } from '../test/support/kafka-broker.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 300);
const LEVELS = [1, 16, 64];
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

function start(args: string[], env: Record<string, string> = {}, readyText = 'ready'): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes(readyText) && resolve(child));
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${err}`)));
  });
}

const body = JSON.stringify({ model: 'bench-model', messages: [{ role: 'system', content: 'You are helpful.' }, { role: 'user', content: 'Say something about foxes.' }], temperature: 0 });
const streamBody = JSON.stringify({ model: 'bench-model', stream: true, messages: [{ role: 'user', content: 'Stream something.' }] });

interface TargetResult {
  name: string;
  load: Map<number, LoadResult>;
  ttfb: { p50: number; p99: number };
}

async function measure(name: string, port: number): Promise<TargetResult> {
  const load = new Map<number, LoadResult>();
  for (const c of LEVELS) {
    const r = await runLoad(port, '/v1/chat/completions', body, c, SECONDS, WARMUP);
    load.set(c, r);
    process.stderr.write(`  ${name.padEnd(22)} c=${String(c).padEnd(3)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(3)} ms  p99 ${r.p99.toFixed(3)} ms${r.errors ? `  errors ${r.errors}` : ''}\n`);
  }
  const ttfb = await streamingTtfb(port, '/v1/chat/completions', streamBody, STREAMS);
  return { name, load, ttfb: { p50: percentile(ttfb, 50), p99: percentile(ttfb, 99) } };
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const f = (n: number, d = 3) => n.toFixed(d);

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'insitu-bench-'));
  const broker = await startKafkaBroker({ partitions: 1 });
  try {
    const [upPort, barePort, insituPort] = [await freePort(), await freePort(), await freePort()];
    await start([here('./lib/upstream.js'), String(upPort)]);
    await start([here('./lib/passthrough.js'), String(barePort), String(upPort)]);
    const insitu = await start([here('../src/cli/main.js'), 'proxy'], {
      INSITU_PORT: String(insituPort), INSITU_HOST: '127.0.0.1', INSITU_UPSTREAM_URL: `http://127.0.0.1:${upPort}/v1`, INSITU_DATA_DIR: dataDir,
      INSITU_KAFKA_BROKERS: broker.bootstrap, INSITU_KAFKA_REPLICATION: '1', INSITU_BUS_PARTITIONS: '1', INSITU_LOG_LEVEL: 'error',
    }, 'insitu: proxy on');

    process.stderr.write(`bench:proxy — ${SECONDS}s per level after ${WARMUP}s warm-up, levels ${LEVELS.join('/')}, ${STREAMS} streamed requests for TTFB\n`);
    const direct = await measure('direct to upstream', upPort);
    const bare = await measure('bare node:http proxy', barePort);
    const proxied = await measure('insitu (kafka on)', insituPort);
    const rss = rssMb(insitu.pid!);
    await new Promise((r) => setTimeout(r, 1500));
    const ready = (await (await fetch(`http://127.0.0.1:${insituPort}/readyz`)).json()) as { spool: { pending: number } };

    const rows = [direct, bare, proxied];
    console.log('\n| target | c | req/s | p50 ms | p99 ms |');
    console.log('|---|---|---|---|---|');
    for (const c of LEVELS) for (const t of rows) {
      const r = t.load.get(c)!;
      console.log(`| ${t.name} | ${c} | ${r.rps.toFixed(0)} | ${f(r.p50)} | ${f(r.p99)} |`);
    }
    console.log('\n| target | streaming TTFB p50 ms | p99 ms |');
    console.log('|---|---|---|');
    for (const t of rows) console.log(`| ${t.name} | ${f(t.ttfb.p50)} | ${f(t.ttfb.p99)} |`);

    const d64 = direct.load.get(64)!;
    const p64 = proxied.load.get(64)!;
    const b64 = bare.load.get(64)!;
    console.log('\nInsitu overhead (same run):');
    for (const c of LEVELS) {
      const d = direct.load.get(c)!;
      const p = proxied.load.get(c)!;
      const b = bare.load.get(c)!;
      console.log(`  c=${String(c).padEnd(2)}  vs direct: p50 +${f(p.p50 - d.p50)} ms (x${f(p.p50 / d.p50, 2)}), p99 +${f(p.p99 - d.p99)} ms (x${f(p.p99 / d.p99, 2)});  vs bare proxy: p50 +${f(p.p50 - b.p50)} ms, p99 +${f(p.p99 - b.p99)} ms;  throughput ${(100 * p.rps / b.rps).toFixed(1)} % of bare, ${(100 * p.rps / d.rps).toFixed(1)} % of direct`);
    }
    console.log(`  targets at c=64: overhead p50 ${f(p64.p50 - d64.p50)} ms (target <= 0.3), p99 ${f(p64.p99 - d64.p99)} ms (target <= 2); throughput ${(100 * p64.rps / b64.rps).toFixed(1)} % of bare (target >= 90)`);
    console.log(`  streaming TTFB overhead p50 ${f(proxied.ttfb.p50 - direct.ttfb.p50)} ms, p99 ${f(proxied.ttfb.p99 - direct.ttfb.p99)} ms (target <= 1); bare proxy's: p50 ${f(bare.ttfb.p50 - direct.ttfb.p50)} ms`);
    console.log(`  insitu proxy RSS after the run: ${rss.toFixed(0)} MB; turns still unpublished after the run: ${ready.spool.pending}`);
  } finally {
    children.forEach((c) => c.kill('SIGTERM'));
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
