// `insitu demo`: the newcomer's first minute, run as a newcomer runs it (the CLI, a real process): the sample
// chats go through the proxy, the pipeline detects feedback and builds pairs, and the export it suggests works.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEMO_CONVERSATIONS } from '../src/demo/conversations.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

test('insitu demo replays the sample offline, reports feedback and pairs, and its export command works', async () => {
  // Kafka/Redis settings in the environment must not matter: the demo always runs embedded.
  const env: NodeJS.ProcessEnv = { ...process.env, INSITU_KAFKA_BROKERS: '127.0.0.1:1', INSITU_REDIS_URL: 'redis://127.0.0.1:1' };
  delete env.INSITU_LOG_LEVEL;
  const { stdout, stderr } = await run(process.execPath, [MAIN, 'demo', '--port', '0', '--exit'], { env, timeout: 60_000 });
  const turns = DEMO_CONVERSATIONS.reduce((n, c) => n + c.turns.length, 0);
  assert.match(stdout, new RegExp(`replayed ${DEMO_CONVERSATIONS.length} conversations \\(${turns} turns\\)`));
  const feedback = /feedback detected: (\d+) SAT, (\d+) DSAT/.exec(stdout)!;
  assert.ok(Number(feedback[1]) >= 4 && Number(feedback[2]) >= 4, stdout);
  const pairs = Number(/preference pairs:\s+(\d+) accepted/.exec(stdout)![1]);
  // Five sample chats end with an accepted revision after a complaint: each is an in-situ pair.
  assert.equal(pairs, 5, stdout);
  assert.match(stdout, /dashboard:\s+http:\/\/127\.0\.0\.1:\d+\/insitu\//);
  assert.doesNotMatch(stderr, /MaxListenersExceeded|Error/);
  const dataDir = /INSITU_DATA_DIR=(\S+) npx insitu export --format trl/.exec(stdout)![1]!;
  const out = mkdtempSync(join(tmpdir(), 'insitu-demo-export-'));
  try {
    const exported = await run(process.execPath, [MAIN, 'export', '--format', 'trl', '--out', out], { env: { ...process.env, INSITU_DATA_DIR: dataDir } });
    assert.match(exported.stdout, /exported 5 pairs/);
    const lines = readFileSync(join(out, 'trl.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { chosen: { content: string }[]; rejected: { content: string }[] });
    assert.equal(lines.length, 5);
    assert.ok(lines.some((l) => l.chosen[0]!.content.includes('Canberra') && l.rejected[0]!.content.includes('Sydney')));
  } finally {
    rmSync(out, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
});
