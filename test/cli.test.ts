// The `insitu` command as a user runs it: a real process, signals, the embedded runtime's files.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { startSimUpstream, type SimUpstream } from './support/sim-upstream.js';
import { freePort, startKafkaBroker } from './support/kafka-broker.js';
import { readTopic } from './support/read-topic.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { openRuntime } from '../src/runtime.js';
import { REPLAYED_FROM_HEADER } from '../src/bus/dead-letter/index.js';
import type { DeadLetter } from '../src/events/dead-letter.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
let sim: SimUpstream;
const dirs: string[] = [];

before(async () => {
  sim = await startSimUpstream();
});
after(async () => {
  await sim.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function insitu(args: string[], env: Record<string, string>): { child: ChildProcess; ready: Promise<string>; exit: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before ready: ${err}`)));
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ready, exit, stderr: () => err };
}

describe('insitu CLI', () => {
  test('a wrong configuration value stops start-up with one line naming it', () => {
    const r = spawnSync(process.execPath, [CLI, 'up'], { env: { PATH: process.env.PATH ?? '', INSITU_PORT: 'http' }, encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /INSITU_PORT/);
  });

  test('SIGTERM drains in-flight streams, then the turns are on the embedded bus and `insitu tap` prints them', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'insitu-cli-'));
    dirs.push(dataDir);
    const port = await freePort();
    const env = { INSITU_PORT: String(port), INSITU_HOST: '127.0.0.1', INSITU_UPSTREAM_URL: sim.url, INSITU_DATA_DIR: dataDir, INSITU_LOG_LEVEL: 'warn' };
    const proc = insitu(['proxy'], env);
    await proc.ready;
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'k', maxRetries: 0 });
    const words = Array.from({ length: 8 }, (_, i) => `w${i}`).join(' ');
    for (let i = 0; i < 3; i++) sim.enqueue({ kind: 'completion', content: words, chunkDelayMs: 120 });
    const streams = await Promise.all([0, 1, 2].map(() => client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'slow' }], stream: true })));
    const texts = streams.map(async (s) => {
      let t = '';
      for await (const c of s) t += c.choices[0]?.delta?.content ?? '';
      return t;
    });
    await new Promise((r) => setTimeout(r, 250));
    proc.child.kill('SIGTERM');
    assert.deepEqual(await Promise.all(texts), [words, words, words], 'every accepted stream completed');
    assert.equal(await proc.exit, 0, proc.stderr());

    const tap = spawnSync(process.execPath, [CLI, 'tap', 'insitu.turns', '--from-beginning', '--limit', '3'], { env: { PATH: process.env.PATH ?? '', INSITU_DATA_DIR: dataDir }, encoding: 'utf8', timeout: 20_000 });
    assert.equal(tap.status, 0, tap.stderr);
    const turns = tap.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(turns.length, 3);
    for (const t of turns) {
      assert.equal(t.finish_reason, 'stop');
      assert.equal(t.assistant.content, words);
    }
  });

  test('SIGKILL while the broker is down loses no turn: the next start re-publishes the spool', async () => {
    const broker = await startKafkaBroker({ partitions: 1 });
    try {
      const dataDir = mkdtempSync(join(tmpdir(), 'insitu-cli-'));
      dirs.push(dataDir);
      const port = await freePort();
      const env = {
        INSITU_PORT: String(port), INSITU_HOST: '127.0.0.1', INSITU_UPSTREAM_URL: sim.url, INSITU_DATA_DIR: dataDir, INSITU_LOG_LEVEL: 'error',
        INSITU_KAFKA_BROKERS: broker.bootstrap, INSITU_KAFKA_REPLICATION: '1', INSITU_BUS_PARTITIONS: '1', INSITU_KAFKA_REQUEST_TIMEOUT_MS: '1000',
      };
      const first = insitu(['proxy'], env);
      await first.ready;
      await broker.kill();
      const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'k', maxRetries: 0 });
      const turnIds: string[] = [];
      for (let i = 0; i < 4; i++) {
        const { response } = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `crash ${i}` }] }).withResponse();
        turnIds.push(response.headers.get('x-insitu-turn-id')!);
      }
      first.child.kill('SIGKILL'); // no drain, no cursor flush: only what write(2) put in the spool survives
      await first.exit;
      await broker.restart();
      const second = insitu(['proxy'], env);
      await second.ready;
      const records = await readTopic(broker.bootstrap, 'insitu.turns', 4);
      assert.deepEqual(records.map((r) => JSON.parse(r.value).turn_id), turnIds);
      second.child.kill('SIGTERM');
      assert.equal(await second.exit, 0, second.stderr());
    } finally {
      await broker.stop();
    }
  });

  test('`insitu dlq list` shows a poison turn a consumer process dead-lettered; `insitu dlq replay` re-publishes it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'insitu-cli-'));
    dirs.push(dataDir);
    const env = { INSITU_DATA_DIR: dataDir, INSITU_BUS_PARTITIONS: '1', INSITU_LOG_LEVEL: 'error' };
    const dlq = (...args: string[]) => {
      const r = spawnSync(process.execPath, [CLI, 'dlq', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const letters = () => JSON.parse(dlq('list', '--group', 'insitu.feedback-detector', '--json')) as DeadLetter[];
    const poll = async (what: string, check: (l: DeadLetter[]) => boolean) => {
      for (let i = 0; i < 60; i++) {
        const l = letters();
        if (check(l)) return l;
        await new Promise((r) => setTimeout(r, 200));
      }
      return assert.fail(`timed out waiting for ${what}`);
    };
    const runtime = await openRuntime(loadConfig(env), silentLogger);
    await runtime.bus.publish([{ topic: 'insitu.turns', key: 'conv_poison', value: 'not json {', headers: { 'x-origin': 'cli-test' } }]);
    await runtime.close();
    const consumer = insitu(['consume', 'feedback-detector'], env);
    consumer.ready.catch(() => undefined); // a consumer prints nothing when ready
    try {
      const [first] = await poll('the poison turn dead-lettered', (l) => l.length === 1);
      assert.equal(first!.reason, 'unparseable');
      assert.equal(first!.original.value, 'not json {');
      const table = dlq('list');
      assert.match(table, new RegExp(`\\| ${first!.dead_letter_id} \\| insitu\\.feedback-detector \\| insitu\\.turns/0@0 \\| conv_poison \\| unparseable \\|`));

      const replayed = dlq('replay', '--id', first!.dead_letter_id);
      assert.match(replayed, new RegExp(`replayed ${first!.dead_letter_id} .*-> insitu\\.turns/0@0 key conv_poison`));
      assert.match(replayed, /1 dead letter\(s\) replayed, 0 skipped/);
      // The marker outlives the command (kept beside, not in, the state the running consumer holds).
      assert.match(dlq('replay', '--id', first!.dead_letter_id), new RegExp(`skipped ${first!.dead_letter_id}: already replayed`));
      // The running consumer reads the re-published record (still garbage) and dead-letters it again: proof
      // that it reached insitu.turns with its key, value, headers and the replay header.
      const after = await poll('the replayed record dead-lettered again', (l) => l.length === 2);
      const again = after.find((l) => l.dead_letter_id !== first!.dead_letter_id)!;
      assert.equal(again.original.key, 'conv_poison');
      assert.equal(again.original.value, 'not json {');
      assert.equal(again.original.headers['x-origin'], 'cli-test');
      assert.equal(again.original.headers[REPLAYED_FROM_HEADER], first!.dead_letter_id);
      assert.notEqual(again.original.offset, first!.original.offset);
    } finally {
      consumer.child.kill('SIGTERM');
      assert.equal(await consumer.exit, 0, consumer.stderr());
    }
    const usage = spawnSync(process.execPath, [CLI, 'dlq', 'purge'], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /dlq needs list or replay/);
  });

  test('unknown commands and topics are usage errors', () => {
    const r = spawnSync(process.execPath, [CLI, 'tap', 'nope'], { env: { PATH: process.env.PATH ?? '', INSITU_DATA_DIR: mkdtempSync(join(tmpdir(), 'insitu-cli-')) }, encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown topic/);
  });
});
