// The bad-input corpus (test/bad-input/corpus.ts), table-driven against real processes: every HTTP case goes
// on a raw socket to a real `insitu proxy` process (Kafka runtime) and must get a 4xx with an OpenAI-style
// error; every CLI case (`insitu ...` with traversal-style or wrong-kind paths) must end in a usage error with
// exit code 2. Afterwards the proxy still answers /healthz, the upstream received nothing from the corpus,
// and insitu.turns holds no turn from it (a marker turn sent last is the only one).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS } from '../src/topics.js';
import { cliCases, httpCases, rawRequest, type CliCase, type HttpCase } from './bad-input/corpus.js';
import { INSITU_MAIN, spawnInsitu, type InsituProcess } from './support/insitu-process.js';
import { startKafkaBroker, type KafkaBroker } from './support/kafka-broker.js';
import { kafkaRuntimeEnv } from './support/runtimes.js';
import { startSimUpstream, type SimUpstream } from './support/sim-upstream.js';
import { collectTopic } from './support/topic-collector.js';

const MAX_BODY = 1024 * 1024;
const root = mkdtempSync(join(tmpdir(), 'insitu-bad-input-'));
let sim: SimUpstream;
let broker: KafkaBroker;
let proxy: InsituProcess;
const outcome = { http: 0, cli: 0, failed: [] as string[], crashes: [] as string[], published: -1, counts: new Map<string, number>() };

const startProxy = async () => {
  proxy = await spawnInsitu(['proxy'], {
    ...kafkaRuntimeEnv(broker, { redis: false }), INSITU_UPSTREAM_URL: sim.url, INSITU_DATA_DIR: join(root, 'proxy'),
    INSITU_PORT: '0', INSITU_HOST: '127.0.0.1', INSITU_MAX_BODY: String(MAX_BODY), INSITU_PUBLISH_LINGER_MS: '1',
  });
};

before(async () => {
  sim = await startSimUpstream();
  broker = await startKafkaBroker({ partitions: 1 });
  mkdirSync(join(root, 'proxy'));
  await startProxy();
});
after(async () => {
  const total = outcome.http + outcome.cli;
  const per = [...outcome.counts].map(([c, n]) => `${c} ${n}`).join(', ');
  console.log(`bad-input corpus: ${total} cases (${per}): ${total - outcome.failed.length} 4xx/exit 2, ${outcome.failed.length} not, ${outcome.crashes.length} crashes, ${outcome.published} published`);
  if (outcome.crashes.length) console.log(`crashed the proxy:\n  ${outcome.crashes.join('\n  ')}`);
  if (outcome.failed.length) console.log(`not refused as expected:\n  ${outcome.failed.join('\n  ')}`);
  await proxy?.signal('SIGTERM');
  await broker?.stop();
  await sim?.close();
  rmSync(root, { recursive: true, force: true });
});

interface RawResponse { status: number; headers: string; body: string }

/** Writes the bytes on a fresh connection and reads the response until the server closes it. */
function sendRaw(port: number, bytes: string | Buffer, timeoutMs = 15_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    const timer = setTimeout(() => (socket.destroy(), reject(new Error(`no complete response within ${timeoutMs} ms; got ${Buffer.concat(got).toString('latin1').slice(0, 200)}`))), timeoutMs);
    socket.on('data', (d) => got.push(d));
    socket.on('error', () => undefined); // EPIPE/ECONNRESET when the server answers before reading everything
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(got).toString('utf8');
      const m = /^HTTP\/1\.1 (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
      if (!m) return reject(new Error(`no HTTP response: ${JSON.stringify(text.slice(0, 200))}`));
      resolve({ status: Number(m[1]), headers: m[2]!, body: m[3]! });
    });
    socket.write(bytes); // not end(): a half-closed client counts as gone and its request as aborted
  });
}

function bytesOf(c: HttpCase): string | Buffer {
  if (c.raw !== undefined) return c.raw;
  const contentType = c.headers?.['content-type'] ?? 'application/json';
  const extra = Object.entries(c.headers ?? {}).filter(([k]) => k !== 'content-type').map(([k, v]) => `${k}: ${v}`);
  return rawRequest(extra, c.body ?? '', contentType);
}

const count = (category: string) => outcome.counts.set(category, (outcome.counts.get(category) ?? 0) + 1);

describe('bad HTTP input: a 4xx with an OpenAI-style error, nothing forwarded', () => {
  for (const c of httpCases(MAX_BODY)) {
    count(c.category);
    outcome.http++;
    test(`[${c.category}] ${c.name}`, async () => {
      const forwarded = sim.requests.length;
      try {
        const res = await sendRaw(Number(new URL(proxy.url!).port), bytesOf(c)).catch(async (error: Error) => {
          // A crashed proxy is restarted (same data dir) so the rest of the corpus still runs against one.
          await new Promise((r) => setTimeout(r, 200));
          if (proxy.child.exitCode !== null) {
            outcome.crashes.push(`[${c.category}] ${c.name}: ${/^\w*Error: .*$/m.exec(proxy.output())?.[0] ?? `exit ${proxy.child.exitCode}`}`);
            await startProxy();
            throw new Error(`the proxy process crashed (restarted for the next case)`);
          }
          throw error;
        });
        const allowed = c.status ?? [];
        assert.ok(allowed.length ? allowed.includes(res.status) : res.status >= 400 && res.status < 500, `status ${res.status}: ${res.body.slice(0, 300)}`);
        let body: { error?: { message?: unknown; type?: unknown } } | undefined;
        try {
          body = JSON.parse(res.body);
        } catch {
          body = undefined;
        }
        assert.ok(body?.error && typeof body.error.message === 'string' && body.error.message.length > 0 && typeof body.error.type === 'string', `OpenAI-style error body, got ${JSON.stringify(res.body.slice(0, 200))}`);
        assert.equal(sim.requests.length, forwarded, 'nothing forwarded upstream');
        assert.equal(proxy.child.exitCode, null, 'the proxy is up');
      } catch (error) {
        outcome.failed.push(`[${c.category}] ${c.name}: ${(error as Error).message.split('\n')[0]}`);
        throw error;
      }
    });
  }
});

describe('bad CLI input: a usage error, exit code 2', () => {
  const work = join(root, 'cli', 'a', 'b'); // cwd: ../../ leads to <root>/cli
  mkdirSync(work, { recursive: true });
  writeFileSync(join(root, 'cli', 'scratch-file'), 'not a folder\n');
  const input = join(root, 'cli', 'input.jsonl');
  writeFileSync(input, '{"conversation":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}\n');
  const emptyFile = join(root, 'cli', 'empty.jsonl');
  writeFileSync(emptyFile, '');
  for (const c of cliCases({ input, inputRel: '../../input.jsonl', emptyFile, scratchFileRel: '../../scratch-file', missingDirRel: '../../no-such-folder/deeper' })) {
    count(c.category);
    outcome.cli++;
    test(`[cli] ${c.name}`, async () => {
      try {
        const { code, stderr: err, stdout } = await runCli(c, work);
        const stderr = `${err}${stdout}`;
        assert.ok(code === 2 || (c.alsoOk ?? []).includes(code ?? -1), `exit ${code}; stderr: ${stderr.slice(0, 400)}`);
        assert.doesNotMatch(stderr, /\n\s+at |node:internal|Unhandled|Error: E[A-Z]+:/, `a clear message, not a crash or a raw errno: ${stderr.slice(0, 400)}`);
        assert.match(stderr, /insitu: |unreadable/);
        if (c.says) assert.match(stderr, c.says);
      } catch (error) {
        outcome.failed.push(`[cli] ${c.name}: ${(error as Error).message.split('\n')[0]}`);
        throw error;
      }
    });
  }
});

function runCli(c: CliCase, cwd: string): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('INSITU_'))) as Record<string, string>;
  const child = spawn(process.execPath, [INSITU_MAIN, ...c.args], { cwd, env: { ...env, INSITU_DATA_DIR: join(root, 'cli', 'data'), INSITU_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString('utf8')).slice(-4000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) => child.once('close', (code) => (clearTimeout(timer), resolve({ code, stderr, stdout }))));
}

describe('after the corpus', () => {
  test('the proxy is up, answers /healthz, and insitu.turns holds no turn from the corpus', async () => {
    assert.equal(proxy.child.exitCode, null, `the proxy process died:\n${proxy.output().slice(-3000)}`);
    const health = await fetch(`${proxy.url}/healthz`);
    assert.equal(health.status, 200);
    const marker = await fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'marker' }] }) });
    assert.equal(marker.status, 200);
    const markerId = marker.headers.get('x-insitu-turn-id')!;
    const turns = await collectTopic(broker.bootstrap, [TOPICS.turns]);
    try {
      // One publisher, one partition, in order: once the marker is there, any corpus turn would be too.
      await turns.waitUntil(() => turns.values<{ turn_id: string }>().some((t) => t.turn_id === markerId), () => 'the marker turn', 20_000);
      const fromCorpus = turns.values<{ turn_id: string; request: unknown }>().filter((t) => t.turn_id !== markerId);
      outcome.published = fromCorpus.length;
      assert.deepEqual(fromCorpus.map((t) => JSON.stringify(t.request).slice(0, 120)), [], 'turns published from the corpus');
    } finally {
      await turns.close();
    }
    assert.deepEqual(outcome.crashes, [], 'no case crashed the proxy');
    assert.doesNotMatch(proxy.output(), /"level":"error"/, 'no handler failure logged');
  });
});
