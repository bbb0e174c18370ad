// The evaluator: the pure parts (TF-IDF, k-means, test-set selection, combining both judge orders, reading
// verdicts), evaluate() against simulated model and judge servers through the openai SDK, the consumer on both
// runtimes (succeeded -> evaluated -> promoted / rejected, report files, the route, no second evaluation on
// re-delivery) and `insitu eval`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate, evidenceOf } from '../consumers/evaluator/evaluate.js';
import { decidePromotion } from '../src/routing/promotion.js';
import { createEmbedder } from '../consumers/evaluator/embeddings.js';
import { JudgeChoiceError, readJudgeChoice } from '../consumers/evaluator/judge/answer.js';
import { createLlmPairwiseJudge, createLocalPairwiseJudge } from '../consumers/evaluator/judge/pairwise.js';
import { kMeans } from '../consumers/evaluator/kmeans.js';
import { combineOrders, ratesOf } from '../consumers/evaluator/outcome.js';
import { parsePairsJsonl } from '../consumers/evaluator/pairs-file.js';
import { formatReport } from '../consumers/evaluator/report.js';
import { createResponder } from '../consumers/evaluator/responder.js';
import { startEvaluator } from '../consumers/evaluator/runner.js';
import { testSampleOf } from '../consumers/evaluator/sample.js';
import { selectTestSet, vectorize } from '../consumers/evaluator/select.js';
import { tfidf } from '../consumers/evaluator/tfidf.js';
import { dot, fromDense } from '../consumers/evaluator/vectors.js';
import { evalCommand } from '../src/cli/eval.js';
import { UsageError } from '../src/cli/args.js';
import { loadConfig } from '../src/config.js';
import type { PreferencePair } from '../src/events/preference.js';
import { trainingEventId, type TrainingEvent } from '../src/events/training.js';
import { validatePreferencePair, validateTrainingEvent } from '../src/events/validate.js';
import { digest } from '../src/ids.js';
import { createLlmCaller } from '../src/llm/index.js';
import { silentLogger } from '../src/log.js';
import { createRouteStore } from '../src/routing/routes.js';
import { openRuntime } from '../src/runtime.js';
import { TOPICS } from '../src/topics.js';
import { onBothRuntimes } from './support/runtimes.js';
import { startSimUpstream, type Reply } from './support/sim-upstream.js';

// ---------- fixtures ----------

const THEMES = [
  { words: ['sourdough', 'bread', 'oven', 'flour', 'yeast', 'dough', 'crust', 'loaf'], preference: 'The user prefers concise answers.' },
  { words: ['router', 'network', 'packet', 'latency', 'firewall', 'subnet', 'switch', 'bandwidth'], preference: 'The user prefers bullet point lists.' },
  { words: ['roman', 'empire', 'caesar', 'senate', 'legion', 'province', 'republic', 'emperor'], preference: 'The user prefers short, brief replies.' },
];

function pair(n: number, overrides: { query?: string; preferences?: string[]; theme?: number } = {}): PreferencePair {
  const theme = THEMES[overrides.theme ?? n % THEMES.length]!;
  const w = theme.words;
  const query = overrides.query ?? `Explain the ${w[n % 8]} and the ${w[(n + 3) % 8]} with ${w[(n + 5) % 8]} please, case ${n}`;
  const value: PreferencePair = {
    schema: 'insitu.preference', version: 1, pair_id: `pp_${digest(`eval-pair-${n}-${query}`)}`, conversation_id: `conv_${n}`, tenant: 'acme', user: `u${n}`,
    rejected_turn_id: `turn_r${n}`, feedback_turn_id: `turn_f${n}`, chosen_turn_id: null,
    prompt: [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: query }],
    chosen: { role: 'assistant', content: '- short' }, rejected: { role: 'assistant', content: 'A long answer that goes on and on.' },
    preferences: overrides.preferences ?? [theme.preference],
    feedback: [{ feedback_id: `fb_${n}`, polarity: 'DSAT', satisfaction: [], dissatisfaction: ['style'], evidence: 'too long' }],
    mode: 'expert', models: { rejected: 'm', chosen: 'e', preferences: 'local', judge: null }, filters: [], accepted: true, created_at: '2024-05-01T10:00:00.000Z',
  };
  const valid = validatePreferencePair(value);
  assert.ok(valid.ok, JSON.stringify(valid));
  return value;
}

const pairs = (count: number) => Array.from({ length: count }, (_, i) => pair(i));
const jsonl = (list: PreferencePair[]) => list.map((p) => JSON.stringify(p)).join('\n') + '\n';

const SHORT = (tag: string) => `- ${tag}: the key point.\n- ${tag}: one more point.`;
const LONG = (tag: string) =>
  `${tag}: Well, this is a long story that deserves a thorough treatment, so let me begin at the very beginning and walk through every consideration, ` +
  'every caveat and every historical detail that might possibly matter, before finally arriving, after many digressions, at something like an answer.';

/** The model server: each requested model answers in its own style, whatever the order of requests. */
function modelReplies(styles: Record<string, (tag: string) => string>, fail?: { model: string; marker: string }) {
  return (json: any): Reply | undefined => {
    const last = [...(json?.messages ?? [])].reverse().find((m: any) => m.role === 'user')?.content ?? '';
    if (fail && json?.model === fail.model && String(last).includes(fail.marker)) return { kind: 'error', status: 400 };
    const style = styles[json?.model];
    return style ? { kind: 'completion', content: style(String(json.model).toUpperCase()) } : undefined;
  };
}

// ---------- pure parts ----------

describe('tfidf', () => {
  test('a word every document shares weighs nothing; vectors are unit length; CJK characters are terms', () => {
    const { vocabulary, vectors } = tfidf(['the user likes bread', 'the user likes routers', 'the user 喜欢 面包']);
    const shared = vocabulary.indexOf('user');
    assert.ok(shared >= 0);
    for (const v of vectors) {
      assert.ok(!v.idx.includes(shared), 'a term in every document has idf 0');
      assert.ok(Math.abs(dot(v, v) - 1) < 1e-9);
    }
    assert.ok(vocabulary.includes('面') && vocabulary.includes('包'));
    assert.ok(dot(vectors[0]!, vectors[1]!) > 0, 'likes is shared by two of three');
  });
});

describe('kMeans', () => {
  const groups = [
    [[1, 0, 0], [0.95, 0.05, 0], [0.9, 0.1, 0.05]],
    [[0, 1, 0], [0.05, 0.97, 0], [0.1, 0.9, 0.1]],
    [[0, 0, 1], [0, 0.1, 0.95], [0.05, 0.05, 0.9]],
  ];
  const points = groups.flat().map((v) => fromDense(v));
  test('separates obvious clusters, numbered by first point', () => {
    const { assignments, k } = kMeans(points, { k: 3, dim: 3 });
    assert.equal(k, 3);
    assert.deepEqual(assignments, [0, 0, 0, 1, 1, 1, 2, 2, 2]);
  });
  test('is deterministic and caps k at the number of points', () => {
    assert.deepEqual(kMeans(points, { k: 3, dim: 3 }), kMeans(points, { k: 3, dim: 3 }));
    assert.equal(kMeans(points.slice(0, 2), { k: 5, dim: 3 }).assignments.length, 2);
    assert.ok(kMeans(points.slice(0, 2), { k: 5, dim: 3 }).k <= 2);
    assert.deepEqual(kMeans([], { k: 3, dim: 3 }), { assignments: [], k: 0, inertia: 0 });
  });
});

describe('selectTestSet', () => {
  const base = pairs(18);
  const odd = pair(100, { theme: 0, preferences: ['The user wants everything written in French verse.'] });
  const duplicate = pair(101, { theme: 1, query: base[1]!.prompt[1]!.content });
  const samples = [...base, odd, duplicate].map(testSampleOf);

  test('caps each cluster, keeps the most central preferences, drops near-duplicate queries', async () => {
    const vectors = await vectorize(samples);
    assert.equal(vectors.kind, 'tfidf');
    const selection = selectTestSet(samples, vectors, { clusters: 3, perCluster: 4, dedupJaccard: 0.8 });
    assert.equal(selection.pool, samples.length);
    assert.equal(selection.clusters.length, 3);
    for (const c of selection.clusters) {
      const chosen = selection.selected.filter((s) => s.cluster === c.cluster);
      assert.equal(chosen.length, c.selected);
      assert.ok(chosen.length <= 4);
      const order = chosen.map((s) => s.centrality);
      assert.deepEqual(order, [...order].sort((a, b) => b - a), 'most central first');
      assert.ok(c.label.length > 0);
    }
    assert.equal(selection.selected.length, 12);
    assert.ok(!selection.selected.some((s) => s.sample.pair_id === odd.pair_id), 'the odd preference is the least central');
    const query = base[1]!.prompt[1]!.content;
    assert.ok(selection.selected.filter((s) => s.sample.query === query).length <= 1, 'one of two identical queries at most');
    // The clusters follow the themes: every selected sample of one cluster shares its theme's preference.
    for (const c of selection.clusters) {
      const prefs = new Set(selection.selected.filter((s) => s.cluster === c.cluster).map((s) => s.sample.preferences[0]));
      assert.equal(prefs.size, 1);
    }
  });

  test('counts the near-duplicate it passes over and is deterministic', async () => {
    const all = [...base, duplicate].map(testSampleOf);
    const vectors = await vectorize(all);
    const a = selectTestSet(all, vectors, { clusters: 3, perCluster: 10, dedupJaccard: 0.8 });
    assert.equal(a.duplicatesRemoved, 1);
    assert.equal(a.selected.length, all.length - 1);
    assert.deepEqual(selectTestSet(all, vectors, { clusters: 3, perCluster: 10, dedupJaccard: 0.8 }), a);
  });
});

describe('combining both orders', () => {
  test('the outcome table', () => {
    assert.equal(combineOrders('A++', 'B+'), 'win');
    assert.equal(combineOrders('A+', 'A=B'), 'win');
    assert.equal(combineOrders('A=B', 'B++'), 'win');
    assert.equal(combineOrders('A=B', 'A=B'), 'tie');
    assert.equal(combineOrders('B+', 'A+'), 'lose');
    assert.equal(combineOrders('A=B', 'A+'), 'lose');
    assert.equal(combineOrders('B++', 'A=B'), 'lose');
  });
  test('a judge that always picks the first (or second) response yields ties, not wins', () => {
    for (const c of ['A++', 'A+'] as const) assert.equal(combineOrders(c, c), 'tie');
    for (const c of ['B++', 'B+'] as const) assert.equal(combineOrders(c, c), 'tie');
  });
  test('rates', () => {
    assert.deepEqual(ratesOf(['win', 'win', 'tie', 'lose']), { win: 0.5, tie: 0.25, lose: 0.25, n: 4 });
    assert.deepEqual(ratesOf([]), { win: 0, tie: 0, lose: 0, n: 0 });
  });
});

describe('reading the judge verdict', () => {
  test('tolerates fences, text around the JSON and loose spellings', () => {
    assert.equal(readJudgeChoice('```json\n{"analysis of A": "ok", "choice": "A+"}\n```'), 'A+');
    assert.equal(readJudgeChoice('Here is my verdict: {"choice": "B++"} I hope this helps.'), 'B++');
    assert.equal(readJudgeChoice('{"choice": "a+"}'), 'A+');
    assert.equal(readJudgeChoice('{"choice": "B = A"}'), 'A=B');
    assert.equal(readJudgeChoice('{"choice": " [b+] "}'), 'B+');
  });
  test('refuses what is not a verdict', () => {
    for (const text of ['{"analysis of A": "fine"}', '{"choice": "C+"}', '{"choice": "A+++"}', '{"choice": 1}', 'A is better.', '["A+"]', '']) {
      assert.throws(() => readJudgeChoice(text), JudgeChoiceError, text);
    }
  });
  test('test-pairs.jsonl lines that are not pairs are counted, not fatal', () => {
    const file = parsePairsJsonl(`${JSON.stringify(pair(1))}\nnot json\n{"schema":"insitu.preference"}\n\n${JSON.stringify(pair(2))}\n`);
    assert.equal(file.pairs.length, 2);
    assert.deepEqual(file.invalidLines, [2, 3]);
  });
});

// ---------- evaluate() against simulated servers ----------

describe('evaluate', () => {
  test('LLM judge: candidate wins with the checklist, both orders asked, a malformed verdict retried, a failed generation counted', async () => {
    const models = await startSimUpstream();
    const judgeServer = await startSimUpstream();
    try {
      const list = pairs(12);
      const failing = list[4]!.prompt[1]!.content;
      models.respondWith(modelReplies({ cand: SHORT, base: LONG }, { model: 'cand', marker: failing }));
      // A judge that follows the checklist (shorter wins) and, without one, likes length: the two variants differ.
      judgeServer.respondWith((json) => {
        const text: string = json.messages[1].content;
        const a = /<response_A>\n([\s\S]*?)\n<\/response_A>/.exec(text)![1]!;
        const b = /<response_B>\n([\s\S]*?)\n<\/response_B>/.exec(text)![1]!;
        const shorterFirst = a.length < b.length;
        const choice = text.includes('<checklist>') ? (shorterFirst ? 'A++' : 'B++') : shorterFirst ? 'B+' : 'A+';
        return { kind: 'completion', content: JSON.stringify({ 'analysis of A': '...', 'analysis of B': '...', choice }) };
      });
      judgeServer.enqueue({ kind: 'completion', content: 'Response A is clearly better, I would say.' });
      const judge = createLlmPairwiseJudge(createLlmCaller({ baseURL: judgeServer.url, model: 'judge-sim', apiKey: 'sk-judge-secret', timeoutMs: 10_000, retries: 2, concurrency: 4, backoffMs: 1 }));
      const progress: number[] = [];
      const report = await evaluate({
        samples: list, candidate: 'cand', baseline: 'base', judge,
        responder: createResponder({ url: models.url, apiKey: undefined, backoffMs: 1 }),
        selection: { clusters: 3, perCluster: 10, dedupJaccard: 0.8 },
        concurrency: 3,
        onProgress: (p) => progress.push(p.judged),
      });

      assert.equal(report.sizes.pool, 12);
      assert.equal(report.sizes.selected, 12);
      assert.equal(report.failures.generation, 1);
      assert.equal(report.sizes.answered, 11);
      assert.equal(report.failures.judge, 0);
      assert.equal(report.judge, 'judge-sim');
      assert.deepEqual(report.with_checklist, { win: 1, tie: 0, lose: 0, n: 11 });
      assert.deepEqual(report.without_checklist, { win: 0, tie: 0, lose: 1, n: 11 });
      assert.ok(report.with_checklist.win > 0.55);
      assert.equal(report.clusters.reduce((s, c) => s + c.with_checklist.n, 0), 11);
      assert.equal(Math.max(...progress), 12);
      const failed = report.samples.find((s) => s.query === failing)!;
      assert.equal(failed.candidate_response, null);
      assert.equal(failed.with_checklist, null);
      assert.match(failed.error!, /cand could not answer/);

      // The models got the prompt only, never the preferences.
      assert.equal(models.requests.length, 2 * 12);
      for (const r of models.requests) assert.ok(!JSON.stringify(r.json.messages).includes('prefers'));
      // 4 judgements per answered sample, plus the malformed answer asked again.
      const asked = judgeServer.requests.map((r) => r.json.messages[1].content as string);
      assert.equal(asked.length, 4 * 11 + 1);
      const candidateAs = (slot: 'A' | 'B') => asked.filter((t) => new RegExp(`<response_${slot}>\\n- CAND`).test(t)).length;
      assert.ok(candidateAs('A') >= 2 * 11 && candidateAs('B') >= 2 * 11, 'the candidate is shown in both positions');
      assert.equal(asked.filter((t) => t.includes('<checklist>')).length >= 2 * 11, true);
      assert.ok(asked.some((t) => t.includes('- The user prefers bullet point lists.')));
      assert.match(formatReport(report), /\| with checklist \| 100\.0 \| 0\.0 \| 0\.0 \| 11 \|/);
    } finally {
      await models.close();
      await judgeServer.close();
    }
  });

  test('429 and 5xx answers are retried with backoff; a judge that keeps failing counts as failures and the gate refuses', async () => {
    const models = await startSimUpstream();
    const judgeServer = await startSimUpstream();
    try {
      models.respondWith(modelReplies({ cand: SHORT, base: LONG }));
      models.enqueue({ kind: 'error', status: 429 }, { kind: 'error', status: 503 });
      // The judge prefers the shorter answer, but is down (500) for every comparison of the first four prompts.
      judgeServer.respondWith((json) => {
        const text: string = json.messages[1].content;
        if (/case [0-3]\n/.test(text)) return { kind: 'error', status: 500 };
        const a = /<response_A>\n([\s\S]*?)\n<\/response_A>/.exec(text)![1]!;
        const b = /<response_B>\n([\s\S]*?)\n<\/response_B>/.exec(text)![1]!;
        return { kind: 'completion', content: JSON.stringify({ choice: a.length < b.length ? 'A+' : 'B+' }) };
      });
      judgeServer.enqueue({ kind: 'error', status: 429 });
      const judge = createLlmPairwiseJudge(createLlmCaller({ baseURL: judgeServer.url, model: 'judge-sim', apiKey: undefined, timeoutMs: 10_000, retries: 2, concurrency: 4, backoffMs: 1 }));
      const report = await evaluate({
        samples: pairs(12), candidate: 'cand', baseline: 'base', judge, concurrency: 3,
        responder: createResponder({ url: models.url, apiKey: undefined, backoffMs: 1 }),
        selection: { clusters: 3, perCluster: 10, dedupJaccard: 0.8 },
      });
      assert.equal(report.failures.generation, 0, 'the 429 and the 503 were retried');
      assert.equal(report.sizes.answered, 12);
      assert.equal(report.failures.judge, 2 * 4, 'both variants of the four prompts the judge never answered');
      assert.deepEqual(report.with_checklist, { win: 1, tie: 0, lose: 0, n: 8 });
      const failedCalls = judgeServer.requests.filter((r) => /case [0-3]\n/.test(r.json.messages[1].content)).length;
      assert.equal(failedCalls, 4 * 4 * 3, 'each failing judgement was tried 1 + 2 times, no more');
      const gate = decidePromotion(evidenceOf(report), { minWin: 0.55, maxLose: 0.3, minN: 5, maxJudgeFailures: 0.2, canaryPercent: 0 });
      assert.equal(gate.promote, false);
      assert.match(gate.reason, /4 of 12 comparisons failed/);
    } finally {
      await models.close();
      await judgeServer.close();
    }
  });

  test('local checklist judge with embeddings from the endpoint; a judge that always says A gives ties', async () => {
    const models = await startSimUpstream();
    try {
      models.respondWith(modelReplies({ cand: SHORT, base: LONG }));
      const responder = createResponder({ url: models.url, apiKey: undefined });
      const embedder = createEmbedder({ url: models.url, model: 'sim-embedding', apiKey: undefined });
      const selection = { clusters: 2, perCluster: 3, dedupJaccard: 0.8 };
      const local = await evaluate({ samples: pairs(9), candidate: 'cand', baseline: 'base', responder, judge: createLocalPairwiseJudge(), embedder, selection });
      assert.equal(local.vectors, 'embeddings:sim-embedding');
      assert.equal(local.judge, 'local-checklist');
      assert.equal(local.sizes.selected, 6);
      assert.equal(local.with_checklist.win, 1);
      assert.ok(models.requests.some((r) => r.path === '/v1/embeddings'));

      const biased = await evaluate({ samples: pairs(9), candidate: 'cand', baseline: 'base', responder, judge: { name: 'always-a', compare: async () => 'A+' }, selection });
      assert.deepEqual(biased.with_checklist, { win: 0, tie: 1, lose: 0, n: 6 });
    } finally {
      await models.close();
    }
  });
});

// ---------- the consumer ----------

function succeeded(jobId: string, candidate: string | null, snapshotDir: string): TrainingEvent {
  const event: TrainingEvent = {
    schema: 'insitu.training', version: 1, event_id: trainingEventId(jobId, 1, 'succeeded', null), job_id: jobId, status: 'succeeded', stage: null,
    backend: 'command', base_model: 'base', candidate_model: candidate, attempt: 1,
    dataset: { snapshot_dir: snapshotDir, train_pairs: 40, test_pairs: 12, sft_examples: 0, train_conversations: 20, test_conversations: 12 },
    hyperparameters: { sft: { epochs: 1, learning_rate: 5e-6, batch_size: 128, warmup_ratio: 0.1, scheduler: 'cosine' }, dpo: { epochs: 1, learning_rate: 5e-7, batch_size: 32, beta: 0.1 } },
    metrics: { train_loss: 0.4 }, retrying: false, error: null, evaluation: null, created_at: new Date().toISOString(),
  };
  assert.ok(validateTrainingEvent(event).ok);
  return event;
}

async function waitFor<T>(what: () => T | undefined, label: string, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = what();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

onBothRuntimes('evaluator consumer', async (env) => {
  const run = randomBytes(4).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'insitu-eval-'));
  const models = await startSimUpstream();
  const styles = modelReplies({ [`good-${run}`]: SHORT, [`bad-${run}`]: (t) => LONG(t) + LONG(t), [`flaky-${run}`]: SHORT, base: LONG });
  // A candidate that answers only the first six test prompts (and wins those) and fails on the others.
  models.respondWith((json) => {
    const last = String([...(json?.messages ?? [])].reverse().find((m: any) => m.role === 'user')?.content ?? '');
    if (json?.model === `flaky-${run}` && !/case [0-5]$/.test(last)) return { kind: 'error', status: 500 };
    return styles(json);
  });
  const alias = `ev${run}`;
  const config = loadConfig({
    INSITU_DATA_DIR: dataDir, INSITU_EVAL_URL: models.url, INSITU_SERVED_ALIAS: alias, INSITU_TRAIN_BASE_MODEL: 'base',
    INSITU_EVAL_CLUSTERS: '3', INSITU_EVAL_PER_CLUSTER: '3', INSITU_PUBLISH_LINGER_MS: '1', INSITU_PROMOTE_MIN_N: '5', ...env,
  });
  const runtime = await openRuntime(config, silentLogger);
  const seen: TrainingEvent[] = [];
  const reader = await runtime.bus.subscribe({
    group: `ev-reader-${run}`, topics: [TOPICS.training], fromBeginning: true, ephemeral: true,
    handler: async (records) => {
      for (const r of records) {
        const event = JSON.parse(r.value) as TrainingEvent;
        assert.ok(validateTrainingEvent(event).ok, r.value);
        assert.equal(r.key, event.job_id);
        seen.push(event);
      }
    },
  });
  const evaluator = await startEvaluator(runtime, { statePrefix: `test:evaluator:${run}` });
  const publish = (event: TrainingEvent) => runtime.bus.publish([{ topic: TOPICS.training, key: event.job_id, value: JSON.stringify(event) }]);
  let second: Awaited<ReturnType<typeof startEvaluator>> | undefined;
  const find = (job: string, status: TrainingEvent['status']) => seen.find((e) => e.job_id === job && e.status === status);
  try {
    const snapshot = join(dataDir, 'training', `job-${run}`);
    mkdirSync(snapshot, { recursive: true });
    writeFileSync(join(snapshot, 'test-pairs.jsonl'), jsonl(pairs(12)));
    const routes = createRouteStore(runtime.state);

    // A candidate that wins every comparison it could answer but failed a third or more of them: the failures
    // count against it, so it is not promoted, and the report says why.
    const flaky = succeeded(`job-flaky-${run}`, `flaky-${run}`, snapshot);
    await publish(flaky);
    const refusedFlaky = await waitFor(() => find(flaky.job_id, 'rejected'), 'the flaky candidate rejected');
    const flakyEvaluation = refusedFlaky.evaluation!;
    assert.equal(flakyEvaluation.with_checklist.win, 1, 'it won every comparison judged');
    assert.equal(flakyEvaluation.attempted, 9);
    assert.ok(flakyEvaluation.with_checklist.n < 9 && flakyEvaluation.with_checklist.n >= 3, JSON.stringify(flakyEvaluation));
    assert.match(flakyEvaluation.reason, /\d of 9 comparisons failed .*INSITU_PROMOTE_MAX_JUDGE_FAILURES/);
    assert.match(readFileSync(join(dataDir, 'evaluations', `${flakyEvaluation.report_id}.md`), 'utf8'), /promotion gate: refuses: .*comparisons failed/);
    assert.equal(await routes.get(alias), null);

    // A better candidate: evaluated, then promoted; the alias now routes to it.
    const good = succeeded(`job-good-${run}`, `good-${run}`, snapshot);
    await publish(good);
    const promoted = await waitFor(() => find(good.job_id, 'promoted'), 'promoted');
    const evaluated = find(good.job_id, 'evaluated')!;
    assert.ok(evaluated, 'evaluated is published before promoted');
    assert.ok(seen.indexOf(evaluated) < seen.indexOf(promoted));
    assert.equal(evaluated.evaluation!.baseline, 'base');
    assert.equal(evaluated.evaluation!.promoted, false);
    assert.equal(promoted.evaluation!.promoted, true);
    assert.ok(promoted.evaluation!.with_checklist.win >= config.promotion.minWin);
    assert.equal(promoted.evaluation!.with_checklist.n, 9);
    assert.equal(promoted.candidate_model, `good-${run}`);
    const reportId = promoted.evaluation!.report_id;
    const reportFile = join(dataDir, 'evaluations', `${reportId}.json`);
    assert.ok(existsSync(reportFile) && existsSync(join(dataDir, 'evaluations', `${reportId}.md`)));
    assert.equal(JSON.parse(readFileSync(reportFile, 'utf8')).candidate, `good-${run}`);
    assert.equal((await routes.get(alias))?.model, `good-${run}`);

    // A worse candidate is compared with the promoted one and rejected; the route stays.
    const bad = succeeded(`job-bad-${run}`, `bad-${run}`, snapshot);
    await publish(bad);
    const rejected = await waitFor(() => find(bad.job_id, 'rejected'), 'rejected');
    assert.equal(rejected.evaluation!.baseline, `good-${run}`);
    assert.equal(rejected.evaluation!.promoted, false);
    assert.match(rejected.evaluation!.reason, /win rate under/);
    assert.equal((await routes.get(alias))?.model, `good-${run}`);

    // Without test pairs: rejected with the reason, nothing evaluated.
    const empty = succeeded(`job-empty-${run}`, `good2-${run}`, join(dataDir, 'training', 'missing'));
    await publish(empty);
    const refused = await waitFor(() => find(empty.job_id, 'rejected'), 'rejected without evaluation');
    assert.match(refused.error!, /cannot read the test pairs/);
    assert.equal(find(empty.job_id, 'evaluated'), undefined);

    // The first job delivered again: recognised, not evaluated twice.
    await evaluator.idle();
    const requestsBefore = models.requests.length;
    const duplicatesBefore = evaluator.stats().duplicates;
    await publish(good);
    await waitFor(() => (evaluator.stats().duplicates > duplicatesBefore ? true : undefined), 'the re-delivered event');
    await evaluator.idle();
    assert.equal(models.requests.length, requestsBefore);
    assert.equal(seen.filter((e) => e.job_id === good.job_id && e.status === 'evaluated').length, 1);
    assert.deepEqual({ ...evaluator.stats(), received: undefined }, { received: undefined, duplicates: 1, evaluated: 3, promoted: 1, rejected: 3, notEvaluable: 1 });

    // An evaluator stopped mid-evaluation: the job stays recorded and the next evaluator finishes it.
    await evaluator.close();
    const waiting: ((text: string) => void)[] = [];
    const stuck = { answer: () => new Promise<string>((resolve) => waiting.push(resolve)) };
    const first = await startEvaluator(runtime, { statePrefix: `test:evaluator:${run}`, responder: stuck });
    const resumed = succeeded(`job-resume-${run}`, `bad-${run}`, snapshot);
    await publish(resumed);
    await waitFor(() => (first.stats().received > 0 ? true : undefined), 'the job recorded');
    await first.close();
    second = await startEvaluator(runtime, { statePrefix: `test:evaluator:${run}` });
    const finished = await waitFor(() => find(resumed.job_id, 'rejected'), 'the resumed job');
    assert.equal(finished.evaluation!.baseline, `good-${run}`);
    for (const release of waiting) release('- too late');
    await second.idle();
    assert.equal(seen.filter((e) => e.job_id === resumed.job_id && e.status === 'evaluated').length, 1);
    assert.equal(first.stats().evaluated, 0);
  } finally {
    await second?.close();
    await evaluator.close();
    await reader.close();
    await runtime.close();
    await models.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

// ---------- insitu eval ----------

describe('insitu eval', () => {
  test('prints the Table-3 report, writes it, shows progress; --job reads the snapshot', async () => {
    const models = await startSimUpstream();
    const dataDir = mkdtempSync(join(tmpdir(), 'insitu-evalcli-'));
    try {
      models.respondWith(modelReplies({ cand: SHORT, base: LONG }));
      const config = loadConfig({ INSITU_DATA_DIR: dataDir, INSITU_EVAL_URL: models.url, INSITU_EVAL_CLUSTERS: '3', INSITU_EVAL_PER_CLUSTER: '2' });
      const file = join(dataDir, 'pairs.jsonl');
      writeFileSync(file, jsonl(pairs(9)));
      let out = '';
      let err = '';
      const io = { config, logger: silentLogger, out: (t: string) => void (out += t), err: (t: string) => void (err += t) };
      const outDir = join(dataDir, 'reports');
      const result = await evalCommand(['--candidate', 'cand', '--baseline', 'base', '--pairs', file, '--out', outDir], io);
      assert.match(out, /\| Evaluation \| Win % \| Tie % \| Lose % \| n \|/);
      assert.match(out, /\| with checklist \| 100\.0 \| 0\.0 \| 0\.0 \| 6 \|/);
      assert.match(out, /## Per cluster/);
      assert.match(err, /judged 6\/6/);
      assert.ok(existsSync(join(outDir, `${result.report.report_id}.md`)));
      assert.equal(result.promotion, null);

      const snapshot = join(dataDir, 'training', 'job-7');
      mkdirSync(snapshot, { recursive: true });
      writeFileSync(join(snapshot, 'test-pairs.jsonl'), jsonl(pairs(6)));
      out = '';
      const byJob = await evalCommand(['--candidate', 'cand', '--baseline', 'base', '--job', 'job-7', '--json'], io);
      const printed = JSON.parse(out);
      assert.equal(printed.report_id, byJob.report.report_id);
      assert.equal(printed.samples, undefined, 'the JSON summary leaves per-sample verdicts to the file');
      assert.ok(existsSync(join(dataDir, 'evaluations', `${byJob.report.report_id}.json`)));
    } finally {
      await models.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('usage errors', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'insitu-evalcli-'));
    try {
      const config = loadConfig({ INSITU_DATA_DIR: dataDir });
      const io = { config, logger: silentLogger, out: () => undefined, err: () => undefined };
      const file = join(dataDir, 'pairs.jsonl');
      writeFileSync(file, jsonl(pairs(3)));
      const cases: [string[], RegExp][] = [
        [['--candidate', 'c', '--baseline', 'b', '--pairs', join(dataDir, 'nope.jsonl')], /no such file/],
        [['--candidate', 'c', '--baseline', 'b', '--pairs', dataDir], /is a folder, expected a file/],
        [['--candidate', 'c', '--baseline', 'b'], /use one of --pairs/],
        [['--candidate', 'c', '--baseline', 'b', '--pairs', file, '--job', 'j'], /use one of --pairs/],
        [['--candidate', 'c', '--baseline', 'b', '--job', '../etc'], /not a job id/],
        [['--baseline', 'b', '--pairs', file], /needs --candidate/],
        [['--candidate', 'c', '--pairs', file], /needs --baseline/],
        [['--candidate', 'c', '--baseline', 'b', '--pairs', file, '--promote'], /in memory/],
        [['--candidate', 'c', '--baseline', 'b', '--pairs', file, '--bogus'], /unexpected argument '--bogus'/],
      ];
      for (const [argv, message] of cases) await assert.rejects(evalCommand(argv, io), (e: unknown) => e instanceof UsageError && message.test(e.message), argv.join(' '));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
