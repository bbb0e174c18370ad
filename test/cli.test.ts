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

  test('unknown commands and topics are usage errors', () => {
    const r = spawnSync(process.execPath, [CLI, 'tap', 'nope'], { env: { PATH: process.env.PATH ?? '', INSITU_DATA_DIR: mkdtempSync(join(tmpdir(), 'insitu-cli-')) }, encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown topic/);
  });
});
