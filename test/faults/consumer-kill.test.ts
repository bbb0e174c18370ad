// Fault: the preference builder (`insitu consume preference-builder`, a real process) is SIGKILLed in the
// middle of a batch and started again. The whole pipeline runs as processes on Kafka + Redis: proxy,
// feedback-detector, preference-builder, dataset-store. Scripted chats (long answer, "too long, shorter",
// accepted revision) each make one in-situ pair. The builder's preference summariser is a simulated model that
// takes 300 ms per call, so a batch of feedback takes seconds and the kill lands mid-batch (checked: fewer
// pairs than expected were out at the kill). After the restart: every expected pair id is on
// insitu.preferences (a re-delivered copy keeps its id, so the SET of ids must equal the expected set), and the
// dataset store holds each accepted pair once (the reader absorbs stored copies; stats.duplicates may be > 0).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { pairId } from '../../consumers/preference-builder/core.js';
import { readDataset } from '../../src/dataset/reader.js';
import type { PreferencePair } from '../../src/events/preference.js';
import { TOPICS } from '../../src/topics.js';
import { spawnInsitu, type InsituProcess } from '../support/insitu-process.js';
import { settle } from '../support/insitu.js';
import { startKafkaBroker, type KafkaBroker } from '../support/kafka-broker.js';
import { kafkaRuntimeEnv } from '../support/runtimes.js';
import { startSimUpstream, type SimUpstream } from '../support/sim-upstream.js';
import { collectTopic } from '../support/topic-collector.js';

const TENANT = `fault-${randomBytes(4).toString('hex')}`;

// Distinct topics, so the near-duplicate filter has no reason to drop one pair as a copy of another.
const TOPICS_SCRIPT: { question: string; long: string; short: string }[] = [
  { question: 'Explain how DNS works.', long: 'DNS, the Domain Name System, is a long story. It began in 1983 when Paul Mockapetris proposed it, and since then it has grown into a hierarchical, distributed database with root servers, top-level domains, authoritative servers, recursive resolvers and caches at every level, which we will now go through one by one in great detail.', short: '- DNS maps names to IP addresses.\n- Resolvers ask root, TLD, then authoritative servers, and cache answers.' },
  { question: 'How does TCP congestion control work?', long: 'Congestion control in TCP has a rich history going back to Van Jacobson in 1988, after the internet suffered congestion collapse; senders keep a congestion window that grows in slow start, then linearly in congestion avoidance, shrinks on loss, and modern variants like CUBIC and BBR model bandwidth and delay differently, as the following pages explain at length.', short: '- The sender limits data in flight with a window.\n- It grows until loss, then backs off.' },
  { question: 'What is a B-tree index in a database?', long: 'A B-tree index is a balanced search tree invented by Bayer and McCreight at Boeing in 1970 whose nodes hold many sorted keys and child pointers, keeping every leaf at the same depth so that lookups, inserts and range scans touch few disk pages; databases such as PostgreSQL, MySQL InnoDB and SQLite all rely on variants, which differ in many subtle ways we shall examine.', short: '- A sorted, balanced tree of keys.\n- Finds rows in a few page reads and supports ranges.' },
  { question: 'Why is the sky blue?', long: 'The colour of the sky comes from Rayleigh scattering, described by Lord Rayleigh in the 1870s: sunlight meets nitrogen and oxygen molecules far smaller than its wavelength, and shorter wavelengths scatter much more strongly, roughly with the inverse fourth power, so violet and blue light spread across the whole dome while our eyes, more sensitive to blue, complete the story in a long chain of physics and physiology.', short: '- Air scatters short (blue) wavelengths most.\n- So blue light reaches us from every direction.' },
  { question: 'How do vaccines train the immune system?', long: 'Vaccination, from Edward Jenner and cowpox in 1796 to todays mRNA platforms, presents the immune system with a harmless version or piece of a pathogen, so that antigen-presenting cells activate helper T cells, B cells mature in germinal centres into plasma cells and memory cells, and cytotoxic responses are primed, producing a faster and stronger defence upon real infection through many interlocking mechanisms.', short: '- A harmless piece of a germ is shown to the body.\n- Memory cells then react fast to the real germ.' },
  { question: 'What does a compiler optimizer do?', long: 'An optimizing compiler transforms a program through a long pipeline of passes over intermediate representations such as SSA form, performing constant folding, dead code elimination, inlining, loop invariant code motion, vectorization and register allocation, with frameworks like LLVM and GCC each arranging dozens of these passes in carefully tuned orders that trade compile time against the speed of generated machine code.', short: '- It rewrites code to run faster or smaller.\n- Same behaviour, fewer instructions.' },
];
const COMPLAINT = 'That is way too long. Shorter please, in bullet points.';
const THANKS = 'Thanks, perfect!';

let sim: SimUpstream;
let judge: SimUpstream;
let broker: KafkaBroker;
const procs: InsituProcess[] = [];
const dirs: string[] = [];
const dir = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `insitu-fault-${name}-`));
  dirs.push(d);
  return d;
};

before(async () => {
  sim = await startSimUpstream();
  sim.respondWith((req) => {
    const messages: { role: string; content: string }[] = req?.messages ?? [];
    const first = messages.find((m) => m.role === 'user')?.content;
    const last = messages.filter((m) => m.role === 'user').pop()?.content;
    const topic = TOPICS_SCRIPT.find((t) => t.question === first);
    if (!topic) return undefined;
    if (last === topic.question) return { kind: 'completion', content: topic.long };
    if (last === COMPLAINT) return { kind: 'completion', content: topic.short };
    return { kind: 'completion', content: 'Glad it helped!' };
  });
  // The summarising model (prompt A.2): slow on purpose, so the builder is busy for seconds per batch.
  judge = await startSimUpstream();
  judge.respondWith(() => ({ kind: 'completion', delayMs: 300, content: JSON.stringify({ query: null, preferences: ['The user prefers short answers in bullet points.'] }) }));
  broker = await startKafkaBroker({ partitions: 1 });
});
after(async () => {
  for (const p of procs) await p.signal('SIGKILL');
  await broker?.stop();
  await sim?.close();
  await judge?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(args: string[], env: Record<string, string>): Promise<InsituProcess> {
  const base = { ...kafkaRuntimeEnv(broker), INSITU_DEFAULT_TENANT: TENANT, INSITU_HOST: '127.0.0.1', INSITU_PORT: '0', INSITU_PUBLISH_LINGER_MS: '1' };
  const p = await spawnInsitu(args, { ...base, ...env }, args[0] === 'consume' ? { ready: /"msg":"consuming"/ } : {});
  procs.push(p);
  return p;
}

test('preference-builder SIGKILLed mid-batch and restarted: every expected pair id, none lost, none stored twice', async () => {
  const proxy = await start(['proxy'], { INSITU_UPSTREAM_URL: sim.url, INSITU_DATA_DIR: dir('proxy') });
  await start(['consume', 'feedback-detector'], { INSITU_DATA_DIR: dir('detector'), INSITU_DETECTOR: 'local' });
  const storeDir = dir('store');
  await start(['consume', 'dataset-store'], { INSITU_DATA_DIR: storeDir });
  const feedback = await collectTopic(broker.bootstrap, [TOPICS.feedback]);
  const prefs = await collectTopic(broker.bootstrap, [TOPICS.preferences]);

  // The chats first, the builder later: its first batch then holds every feedback event.
  const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0 });
  const expected = await Promise.all(
    TOPICS_SCRIPT.map(async (t, i) => {
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'system', content: `You are tutor number ${i}.` }];
      const ids: string[] = [];
      for (const q of [t.question, COMPLAINT, THANKS]) {
        messages.push({ role: 'user', content: q });
        const { data, response } = await client.chat.completions.create({ model: 'tutor', messages, user: `user-${i}` }).withResponse();
        ids.push(response.headers.get('x-insitu-turn-id')!);
        messages.push(data.choices[0]!.message);
      }
      return pairId(ids[0]!, 'in-situ'); // the long answer is the rejected one
    }),
  );
  await feedback.waitUntil((r) => r.length >= 2 * TOPICS_SCRIPT.length, () => `${feedback.records.length} feedback events`);
  await feedback.close();

  const builderEnv = { INSITU_DATA_DIR: dir('builder'), INSITU_JUDGE_URL: judge.url, INSITU_JUDGE_MODEL: 'summariser-sim', INSITU_JUDGE_RETRIES: '0', INSITU_DETECTOR: 'local' };
  const builder = await start(['consume', 'preference-builder'], builderEnv);
  await judge.waitForRequests(2, 20_000); // busy with the batch
  const killed = await builder.signal('SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  const pairIdsAtKill = new Set(prefs.values<PreferencePair>().map((p) => p.pair_id)).size;
  assert.ok(pairIdsAtKill < expected.length, `the kill landed mid-batch (${pairIdsAtKill} of ${expected.length} pairs were out)`);

  await start(['consume', 'preference-builder'], builderEnv);
  const ids = () => new Set(prefs.values<PreferencePair>().map((p) => p.pair_id));
  await prefs.waitUntil(() => expected.every((id) => ids().has(id)), () => `${ids().size} of ${expected.length} pair ids on insitu.preferences`, 40_000);
  await settle(1000); // late re-deliveries would show now
  await prefs.close();
  assert.deepEqual([...ids()].sort(), [...expected].sort(), 'the set of pair ids is the expected set (copies only as re-deliveries of the same id)');
  const pairs = prefs.values<PreferencePair>();
  for (const p of pairs) assert.equal(p.accepted, true, `${p.pair_id}: ${JSON.stringify(p.filters)}`);

  // The dataset store: each accepted pair once.
  let stored: string[] = [];
  let duplicates = 0;
  for (let i = 0; i < 100; i++) {
    const reader = readDataset({ dataDir: storeDir, kind: 'pairs', tenant: TENANT });
    stored = [];
    for await (const p of reader) stored.push(p.pair_id);
    duplicates = reader.stats.duplicates;
    if (stored.length >= expected.length) break;
    await settle(200);
  }
  assert.equal(new Set(stored).size, stored.length, 'records unique');
  assert.deepEqual([...stored].sort(), [...expected].sort(), 'every pair stored');
  assert.ok(duplicates >= 0 && duplicates <= pairs.length - expected.length, `stored copies (${duplicates}) come only from re-delivered records`);
  for (const p of procs.splice(0)) assert.equal((await p.signal('SIGTERM')).code ?? 0, 0);
});
