// The live dashboard. Pure parts first (ring buffers, job table, rows, query checks), then end to end in
// headless Chromium: the page at /insitu/ loads clean (no console errors, nothing from other origins), a chat
// through the proxy with the openai SDK shows up live (the turn, then the feedback detector's DSAT with its
// rubric), the preference builder's pair appears side by side, and training events fill the job table.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startFeedbackDetector } from '../consumers/feedback-detector/runner.js';
import { preferenceBuilder } from '../consumers/preference-builder/index.js';
import { createDashboard, type Dashboard } from '../proxy/dashboard/index.js';
import { toDashboardEvent } from '../proxy/dashboard/hub.js';
import { readPairQuery, readStreamQuery } from '../proxy/dashboard/query.js';
import { DashboardStore, Ring } from '../proxy/dashboard/store.js';
import { SNIPPET_CHARS, turnRow, type DashboardEvent } from '../proxy/dashboard/views.js';
import { RequestError } from '../src/errors.js';
import type { FeedbackEvent } from '../src/events/feedback.js';
import type { PreferencePair } from '../src/events/preference.js';
import { nextTrainingEvent, trainingEventId, type TrainingEvent } from '../src/events/training.js';
import type { TurnEvent } from '../src/events/turn.js';
import { validateTrainingEvent } from '../src/events/validate.js';
import { silentLogger } from '../src/log.js';
import { createEmbeddedBus } from '../src/bus/embedded.js';
import type { Bus } from '../src/bus/types.js';
import { tempDirs } from './support/temp-dirs.js';
import { TOPICS } from '../src/topics.js';
import { createKeyStore } from '../src/auth/key-store.js';
import { launchChromium, watchPage } from './support/browser.js';
import { startInsitu } from './support/insitu.js';
import { startSimUpstream } from './support/sim-upstream.js';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, second)).toISOString();

function pairEvent(id: string, options: { tenant?: string; accepted?: boolean; second?: number } = {}): DashboardEvent {
  return { kind: 'preference', data: { pair_id: id, tenant: options.tenant ?? 't1', accepted: options.accepted ?? true, created_at: at(options.second ?? 0) } as PreferencePair };
}

function trainingEvent(jobId: string, overrides: Partial<TrainingEvent> = {}): TrainingEvent {
  const base: TrainingEvent = {
    schema: 'insitu.training', version: 1, event_id: trainingEventId(jobId, 1, 'queued', null), job_id: jobId, status: 'queued', stage: null, backend: 'openai',
    base_model: 'gpt-4o-mini', candidate_model: null, attempt: 1, dataset: null,
    hyperparameters: { sft: { epochs: 1, learning_rate: 1e-6, batch_size: 8, warmup_ratio: 0.1, scheduler: 'cosine' }, dpo: { epochs: 1, learning_rate: 5e-7, batch_size: 8, beta: 0.1 } },
    metrics: {}, retrying: false, error: null, evaluation: null, created_at: at(0),
  };
  return nextTrainingEvent(base, overrides, new Date(overrides.created_at ?? base.created_at));
}

describe('dashboard store', () => {
  test('a ring keeps the newest N and replaces an id seen again instead of adding it', () => {
    const ring = new Ring<{ id: string; v: number }>(3, (x) => x.id);
    for (const [id, v] of [['a', 1], ['b', 2], ['c', 3], ['d', 4]] as const) assert.equal(ring.push({ id, v }), true);
    assert.deepEqual(ring.items().map((x) => x.id), ['b', 'c', 'd']);
    assert.equal(ring.push({ id: 'c', v: 30 }), false);
    assert.deepEqual(ring.items().map((x) => `${x.id}${x.v}`), ['b2', 'd4', 'c30']);
  });

  test('backfill takes the newest of each topic, filters by tenant, keeps training jobs, and merges in time order', () => {
    const store = new DashboardStore({ ringSize: 10 });
    for (let i = 0; i < 5; i++) store.add(pairEvent(`p${i}`, { second: i * 2, tenant: i === 4 ? 't2' : 't1' }));
    store.add({ kind: 'training', data: trainingEvent('job-1', { created_at: at(3) }) });
    const all = store.backfill(2, null);
    assert.deepEqual(all.map((e) => (e.kind === 'preference' ? e.data.pair_id : e.kind)), ['training', 'p3', 'p4']);
    const t1 = store.backfill(2, 't1');
    assert.deepEqual(t1.map((e) => (e.kind === 'preference' ? e.data.pair_id : e.kind)), ['training', 'p2', 'p3']);
  });

  test('pairs page newest first; dropped pairs only when asked; has_more says when to page on', () => {
    const store = new DashboardStore();
    for (let i = 0; i < 5; i++) store.add(pairEvent(`p${i}`, { accepted: i !== 1, second: i }));
    const first = store.pairs({ offset: 0, limit: 2, tenant: null, includeDropped: false });
    assert.deepEqual(first.data.map((p) => p.pair_id), ['p4', 'p3']);
    assert.equal(first.total, 4);
    assert.equal(first.has_more, true);
    const last = store.pairs({ offset: 2, limit: 2, tenant: null, includeDropped: false });
    assert.deepEqual(last.data.map((p) => p.pair_id), ['p2', 'p0']);
    assert.equal(last.has_more, false);
    assert.deepEqual(store.pairs({ offset: 0, limit: 10, tenant: null, includeDropped: true }).data.map((p) => p.pair_id), ['p4', 'p3', 'p2', 'p1', 'p0']);
  });

  test('jobs: the latest event per job, most recently updated first; a re-delivered old step does not roll a job back', () => {
    const store = new DashboardStore();
    const queued = trainingEvent('job-a');
    const running = nextTrainingEvent(queued, { status: 'running', stage: 'sft' }, new Date(at(5)));
    store.add({ kind: 'training', data: queued });
    store.add({ kind: 'training', data: trainingEvent('job-b', { created_at: at(1) }) });
    store.add({ kind: 'training', data: running });
    assert.equal(store.add({ kind: 'training', data: queued }), false);
    assert.deepEqual(store.jobs().map((j) => `${j.job_id}:${j.status}`), ['job-a:running', 'job-b:queued']);
  });

  test('a turn becomes a row: last user message and answer as snippets, the served model', () => {
    const long = 'x'.repeat(SNIPPET_CHARS + 50);
    const turn = {
      turn_id: 'turn_1', conversation_id: 'conv_1', turn_index: 1, tenant: 't', user: 'u', model_requested: 'm', model_served: 'm-served', finish_reason: 'stop', created_at: at(0),
      request: { messages: [{ role: 'user', content: 'first' }, { role: 'assistant', content: 'a' }, { role: 'user', content: [{ type: 'text', text: 'second' }] }], params: {} },
      assistant: { role: 'assistant', content: long },
    } as unknown as TurnEvent;
    const row = turnRow(turn);
    assert.equal(row.user_message, 'second');
    assert.equal(row.model, 'm-served');
    assert.equal(row.answer!.length, SNIPPET_CHARS);
    assert.ok(row.answer!.endsWith('…'));
    const record = { topic: TOPICS.turns, partition: 0, offset: '0', key: 'conv_1', headers: {}, timestamp: 0 };
    assert.equal(toDashboardEvent({ ...record, value: 'not json' }), null);
    assert.equal(toDashboardEvent({ ...record, topic: TOPICS.dlq, value: JSON.stringify(turn) }), null);
    assert.equal(toDashboardEvent({ ...record, value: JSON.stringify(turn) })?.kind, 'turn');
  });

  test('bad query parameters are request errors naming the parameter', () => {
    const bad = (f: () => unknown, param: string) => assert.throws(f, (e: unknown) => e instanceof RequestError && e.status === 400 && e.param === param);
    bad(() => readStreamQuery(new URLSearchParams('backfill=501')), 'backfill');
    bad(() => readStreamQuery(new URLSearchParams('backfill=-1')), 'backfill');
    bad(() => readPairQuery(new URLSearchParams('limit=0')), 'limit');
    bad(() => readPairQuery(new URLSearchParams('offset=1.5')), 'offset');
    bad(() => readPairQuery(new URLSearchParams('include=some')), 'include');
    bad(() => readPairQuery(new URLSearchParams('tenant=')), 'tenant');
    assert.deepEqual(readPairQuery(new URLSearchParams('limit=3&include=all&tenant=t')), { offset: 0, limit: 3, tenant: 't', includeDropped: true });
  });
});

/** The proxy with the dashboard in front, as the lead mounts it: dashboard routes first, everything else to the proxy. */
async function startFront(dashboard: Dashboard, proxyUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(proxyUrl);
  const server = http.createServer((req, res) =>
    dashboard.handle(req, res, () => {
      const forward = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** The stream's text up to and including the block that starts with `marker`. */
async function readUntil(response: Response, marker: string): Promise<string> {
  const reader = response.body!.getReader();
  let text = '';
  while (!text.includes(`${marker}\n`)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString('utf8');
  }
  reader.releaseLock();
  return text;
}

const LONG = 'DNS, the Domain Name System, is a long story. It began in 1983 when Paul Mockapetris proposed it, and since then it has grown into a hierarchical, distributed database with root servers, top-level domains, authoritative servers, recursive resolvers and caches at every level, which we will now go through one by one in great detail.';
const SHORT = '- DNS maps names to IP addresses.\n- Resolvers ask root, TLD, then authoritative servers, and cache answers.';
const DSAT_MESSAGE = 'That is way too long. Shorter please, in bullet points.';

describe('dashboard in headless Chromium', () => {
  test('live turns and feedback, a preference pair side by side, and training jobs, from a real proxied chat', async () => {
    const tenant = `dash-${randomBytes(4).toString('hex')}`;
    const sim = await startSimUpstream();
    const insitu = await startInsitu({ INSITU_DEFAULT_TENANT: tenant, INSITU_UPSTREAM_URL: sim.url });
    const consumers = [await startFeedbackDetector(insitu.runtime), await preferenceBuilder.start(insitu.runtime)];
    const dashboard = createDashboard({ bus: insitu.runtime.bus, logger: silentLogger });
    const front = await startFront(dashboard, insitu.proxy.url);
    const feedback: FeedbackEvent[] = [];
    const pairs: PreferencePair[] = [];
    const reader = await insitu.runtime.bus.subscribe({
      group: `dash-reader-${randomBytes(4).toString('hex')}`, topics: [TOPICS.feedback, TOPICS.preferences], fromBeginning: true, ephemeral: true,
      handler: async (records) => {
        for (const r of records) (r.topic === TOPICS.feedback ? feedback : pairs).push(JSON.parse(r.value));
      },
    });
    const browser = await launchChromium();
    try {
      // A job already running before the page opens: the page reads it from GET /jobs.
      const running = trainingEvent(`job-${tenant}`, { status: 'running', stage: 'dpo', dataset: { snapshot_dir: '/data/training/x', train_pairs: 40, test_pairs: 10, sft_examples: 5, train_conversations: 30, test_conversations: 8 }, created_at: new Date().toISOString() });
      assert.equal(validateTrainingEvent(running).ok, true, JSON.stringify(validateTrainingEvent(running)));
      await insitu.runtime.bus.publish([{ topic: TOPICS.training, key: running.job_id, value: JSON.stringify(running) }]);

      // The data endpoints answer bad requests in the OpenAI error shape.
      const badPage = await fetch(`${front.url}/v1/insitu/dashboard/pairs?limit=0`);
      assert.equal(badPage.status, 400);
      assert.deepEqual(((await badPage.json()) as { error: { type: string; param: string } }).error, { message: 'limit must be an integer from 1 to 100.', type: 'invalid_request_error', param: 'limit', code: 'invalid_limit' });
      assert.equal((await fetch(`${front.url}/v1/insitu/dashboard/nothing`)).status, 404);
      assert.equal((await fetch(`${front.url}/insitu`, { redirect: 'manual' })).headers.get('location'), '/insitu/');
      assert.equal((await fetch(`${front.url}/insitu/..%2Findex.ts`)).status, 404);
      const jobs = (await (await fetch(`${front.url}/v1/insitu/dashboard/jobs`)).json()) as { data: TrainingEvent[] };
      for (let i = 0; i < 50 && !jobs.data.length; i++) {
        await new Promise((r) => setTimeout(r, 100));
        jobs.data = ((await (await fetch(`${front.url}/v1/insitu/dashboard/jobs`)).json()) as { data: TrainingEvent[] }).data;
      }
      assert.deepEqual(jobs.data.map((j) => j.status), ['running']);

      // The stream: the backfill from the rings, then `ready`; a second stream over the bound is refused.
      const limited = createDashboard({ bus: insitu.runtime.bus, logger: silentLogger, maxStreams: 1 });
      const limitedFront = await startFront(limited, insitu.proxy.url);
      try {
        const controller = new AbortController();
        const first = await fetch(`${limitedFront.url}/v1/insitu/dashboard/stream?backfill=5`, { signal: controller.signal });
        assert.match(first.headers.get('content-type') ?? '', /text\/event-stream/);
        const text = await readUntil(first, 'event: ready');
        assert.ok(text.includes(`event: training\ndata: ${JSON.stringify(running)}\n\n`), text);
        const second = await fetch(`${limitedFront.url}/v1/insitu/dashboard/stream`);
        assert.equal(second.status, 503);
        assert.equal(((await second.json()) as { error: { code: string } }).error.code, 'too_many_streams');
        controller.abort();
      } finally {
        await limited.close();
        await limitedFront.close();
      }

      const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
      const problems = watchPage(page, front.url);
      const response = await page.goto(`${front.url}/insitu/`);
      assert.equal(response?.status(), 200);
      assert.match(response?.headers()['content-security-policy'] ?? '', /default-src 'none'/);
      await page.locator('#status[data-state="live"]').waitFor({ timeout: 15_000 });
      await page.locator(`#jobs tr[data-id="job-${tenant}"]`).waitFor({ timeout: 15_000 });

      // The scripted chat through the proxy (openai SDK): a long answer, a DSAT follow-up, an accepted revision.
      const client = new OpenAI({ baseURL: `${front.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
      sim.enqueue({ kind: 'completion', content: LONG }, { kind: 'completion', content: SHORT }, { kind: 'completion', content: 'Glad it helped!' });
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'system', content: 'You are a helpful network tutor.' }];
      const turnIds: string[] = [];
      for (const q of ['Explain how DNS works.', DSAT_MESSAGE, 'Thanks, perfect!']) {
        messages.push({ role: 'user', content: q });
        const { data, response: answer } = await client.chat.completions.create({ model: 'tutor', messages, user: 'user-1' }).withResponse();
        turnIds.push(answer.headers.get('x-insitu-turn-id')!);
        messages.push(data.choices[0]!.message);
      }

      // The turn carrying the DSAT message, live.
      const turnRowLocator = page.locator(`#live li[data-kind="turn"][data-id="${turnIds[1]}"]`);
      await turnRowLocator.waitFor({ timeout: 20_000 });
      assert.equal(await turnRowLocator.locator('.user-message').textContent(), DSAT_MESSAGE);
      assert.equal(await turnRowLocator.locator('.answer').textContent(), SHORT);

      // The detector's DSAT on the long answer, live, with its rubric labels.
      for (let i = 0; i < 200 && !feedback.some((f) => f.feedback_turn_id === turnIds[1]); i++) await new Promise((r) => setTimeout(r, 100));
      const dsat = feedback.find((f) => f.feedback_turn_id === turnIds[1]);
      assert.ok(dsat, 'the feedback detector published no feedback on the DSAT turn');
      assert.equal(dsat.polarity, 'DSAT');
      assert.ok(dsat.dissatisfaction.includes('style'), dsat.dissatisfaction.join(','));
      const feedbackRow = page.locator(`#live li[data-kind="feedback"][data-id="${dsat.feedback_id}"]`);
      await feedbackRow.waitFor({ timeout: 20_000 });
      assert.equal(await feedbackRow.locator('.badge').textContent(), 'DSAT');
      assert.deepEqual(await feedbackRow.locator('.label-dsat').allTextContents(), dsat.dissatisfaction);
      assert.equal(await feedbackRow.locator('.detector').textContent(), dsat.detector);
      // The rubric chart counts it.
      await page.locator('#rubric-chart .bar-label', { hasText: 'style' }).first().waitFor({ timeout: 10_000 });

      // The pair, side by side: the page was open before it existed, so it came in live.
      for (let i = 0; i < 200 && pairs.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      const pair = pairs[0];
      assert.ok(pair, 'the preference builder published no pair');
      const card = page.locator(`#pairs article.pair[data-id="${pair.pair_id}"]`);
      await card.waitFor({ timeout: 20_000 });
      assert.equal(await card.locator('.column.rejected .content').textContent(), LONG);
      assert.equal(await card.locator('.column.chosen .content').textContent(), SHORT);
      assert.deepEqual(await card.locator('.column.prompt .content').allTextContents(), ['You are a helpful network tutor.', 'Explain how DNS works.']);
      assert.deepEqual(await card.locator('.preferences li').allTextContents(), pair.preferences);
      assert.equal(await card.locator('.mode').textContent(), 'in-situ');
      assert.equal(await card.locator('.filters .verdict').count(), pair.filters.length);
      const box = (side: string) => card.locator(`.column.${side}`).boundingBox();
      const [prompt, rejected, chosen] = [await box('prompt'), await box('rejected'), await box('chosen')];
      assert.ok(prompt && rejected && chosen && prompt.x < rejected.x && rejected.x < chosen.x && Math.abs(prompt.y - chosen.y) < 1, 'prompt, rejected and chosen are not side by side');

      // The evaluator's verdict arrives live: the job row shows the promotion and the checklist win rate.
      const promoted = nextTrainingEvent(running, {
        status: 'promoted', stage: null, candidate_model: 'ft:gpt-4o-mini:insitu:1',
        evaluation: { report_id: 'rep-1', baseline: 'gpt-4o-mini', with_checklist: { win: 6, tie: 2, lose: 2, n: 10 }, without_checklist: { win: 5, tie: 2, lose: 3, n: 10 }, promoted: true, reason: 'win rate above the gate' },
      });
      await insitu.runtime.bus.publish([{ topic: TOPICS.training, key: promoted.job_id, value: JSON.stringify(promoted) }]);
      const jobRow = page.locator(`#jobs tr[data-id="${promoted.job_id}"].status-promoted`);
      await jobRow.waitFor({ timeout: 15_000 });
      assert.equal(await jobRow.locator('.win-rate').textContent(), '60% / 20% / 20% (n=10)');
      assert.equal(await page.locator('#jobs tbody tr').count(), 1);

      const screenshot = join(tmpdir(), `insitu-dashboard-${tenant}.png`);
      await page.screenshot({ path: screenshot, fullPage: true });
      console.log(`dashboard screenshot: ${screenshot}`);
      assert.deepEqual(problems, { errors: [], requests: [] });
      await page.close();
    } finally {
      await browser.close();
      await reader.close();
      await dashboard.close();
      await front.close();
      for (const c of consumers) await c.close();
      await insitu.close();
      await sim.close();
    }
  });

  test('with INSITU_AUTH=keys the page asks for a virtual key, then shows the tenant\'s live data', async () => {
    const tenant = `dash-keys-${randomBytes(4).toString('hex')}`;
    const sim = await startSimUpstream();
    const insitu = await startInsitu({ INSITU_UPSTREAM_URL: sim.url, INSITU_AUTH: 'keys', INSITU_UPSTREAM_API_KEY: 'sk-upstream-dash' });
    const { key } = await createKeyStore(insitu.runtime.state).create({ tenant, name: 'dashboard' });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems = watchPage(page, insitu.proxy.url);
      await page.goto(`${insitu.proxy.url}/insitu/`);
      // The proxy serves the page itself; its data needs a key, so the key field appears.
      await page.locator('#key-label:not([hidden])').waitFor({ timeout: 15_000 });
      await page.fill('#key', key);
      await page.press('#key', 'Enter');
      await page.locator('#status[data-state="live"]').waitFor({ timeout: 15_000 });
      assert.equal(await page.locator('#key-label').isHidden(), true);
      const client = new OpenAI({ baseURL: `${insitu.proxy.url}/v1`, apiKey: key, maxRetries: 0 });
      await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Explain DNS with a key.' }] });
      await page.locator('#live', { hasText: 'Explain DNS with a key.' }).waitFor({ timeout: 15_000 });
      // Nothing failed or left the origin; the only console errors allowed are the 401s before the key.
      assert.deepEqual(problems.requests, []);
      assert.ok(problems.errors.every((e) => /401/.test(e)), JSON.stringify(problems.errors));
      await page.close();
    } finally {
      await browser.close();
      await insitu.close();
      await sim.close();
    }
  });
});

describe('dashboard on a large retained topic', () => {
  const tempDir = tempDirs('dash-');
  test('the shared subscription reads only the last ringSize records of each partition, not the whole topic', async () => {
    const embedded = createEmbeddedBus({ dataDir: tempDir('bus'), defaultPartitions: 2, logger: silentLogger, pollMs: 20 });
    // The real bus, counting the training records it hands to subscribers (the dashboard's tap is the only one).
    let delivered = 0;
    const bus: Bus = {
      ...embedded,
      kind: embedded.kind,
      subscribe: (options) => embedded.subscribe({ ...options, handler: async (records) => {
        delivered += records.filter((r) => r.topic === TOPICS.training).length;
        await options.handler(records);
      } }),
    };
    await bus.ensureTopics([TOPICS.turns, TOPICS.feedback, TOPICS.preferences, TOPICS.training].map((name) => ({ name, partitions: 2 })));
    const jobs = Array.from({ length: 300 }, (_, i) => trainingEvent(`job-large-${i}`, { created_at: new Date(Date.UTC(2026, 0, 1, 12, 0, 0, i)).toISOString() }));
    await bus.publish(jobs.map((job) => ({ topic: TOPICS.training, key: job.job_id, value: JSON.stringify(job) })));
    const dashboard = createDashboard({ bus, logger: silentLogger, ringSize: 5 });
    const front = await startFront(dashboard, 'http://127.0.0.1:9');
    const consumed = () => delivered;
    try {
      const res = await fetch(`${front.url}/v1/insitu/dashboard/jobs`);
      assert.equal(res.status, 200);
      // The newest job of each partition arrives last; once both are in, the replay is over.
      const newest = new Set(['job-large-299', 'job-large-298']);
      let listed: string[] = [];
      for (let i = 0; i < 200; i++) {
        listed = ((await (await fetch(`${front.url}/v1/insitu/dashboard/jobs`)).json()) as { data: TrainingEvent[] }).data.map((j) => j.job_id);
        if (listed.includes('job-large-299') && consumed() >= 10) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(listed.includes('job-large-299'), listed.join(', '));
      await new Promise((r) => setTimeout(r, 200)); // anything more it were to read would show now
      assert.equal(consumed(), 10, '5 records from each of the 2 partitions');
      assert.ok(listed.length <= 10 && [...newest].some((id) => listed.includes(id)));
    } finally {
      await dashboard.close();
      await front.close();
      await bus.close();
    }
  });
});
