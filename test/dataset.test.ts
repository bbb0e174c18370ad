// The dataset store and its exports: append-only day files per tenant (path-safe tenant folders, torn lines,
// copies dropped on read), every export format's lines checked by its validator (and the validators shown to
// reject wrong shapes), the Table-2 statistics, `insitu export` as a process, and the dataset-store consumer on
// the embedded bus and on Kafka.
import { tempDirs } from './support/temp-dirs.js';
import { onBothRuntimes } from './support/runtimes.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBatch } from '../consumers/dataset-store/core.js';
import { startDatasetStore } from '../consumers/dataset-store/runner.js';
import { loadConfig } from '../src/config.js';
import { ExportError } from '../src/dataset/errors.js';
import { describeExport, EXPORT_FORMATS, exportDataset, findExportFormat } from '../src/dataset/export/index.js';
import { validateHindsightLine } from '../src/dataset/export/hindsight.js';
import { LLAMA_FACTORY_DATASET_INFO, toShareGpt, validateLlamaFactoryLine } from '../src/dataset/export/llama-factory.js';
import { validateOpenAIDpoLine } from '../src/dataset/export/openai-dpo.js';
import { validateSftLine } from '../src/dataset/export/sft.js';
import { approxTokens, createStatistics, formatTable2 } from '../src/dataset/export/stats.js';
import { validateTrlLine } from '../src/dataset/export/trl.js';
import { dayOf, parseDay, partitionFile, tenantFolder, tenantOfFolder, type DatasetKind, type DatasetRecord } from '../src/dataset/layout.js';
import { readDataset, type DatasetFilter } from '../src/dataset/reader.js';
import { createDatasetStore } from '../src/dataset/store.js';
import type { ChatMessage } from '../src/events/chat.js';
import type { TrainingExample } from '../src/events/example.js';
import type { PreferencePair } from '../src/events/preference.js';
import { validatePreferencePair, validateTrainingExample } from '../src/events/validate.js';
import { digest } from '../src/ids.js';
import { silentLogger } from '../src/log.js';
import { openRuntime } from '../src/runtime.js';
import { TOPICS } from '../src/topics.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const tempDir = tempDirs();

// ---- factories: valid events, checked against their schemas ----

const PROMPT: ChatMessage[] = [
  { role: 'system', content: 'You are a concise assistant.' },
  { role: 'user', content: 'Write a haiku about autumn.' },
  { role: 'assistant', content: 'Leaves fall, crisp and gold, whispering of colder days, the year exhales slow.' },
  { role: 'user', content: 'Too long. Make it shorter please.' },
];

function pair(n: number, overrides: Partial<PreferencePair> = {}): PreferencePair {
  const value: PreferencePair = {
    schema: 'insitu.preference', version: 1, pair_id: `pp_${digest(`pair-${n}`)}`, conversation_id: `conv_${n}`, tenant: 'acme', user: 'u1',
    rejected_turn_id: `turn_r${n}`, feedback_turn_id: `turn_f${n}`, chosen_turn_id: `turn_c${n}`, prompt: PROMPT.slice(0, 2),
    chosen: { role: 'assistant', content: `Leaves fall, gold. (${n})` }, rejected: { role: 'assistant', content: `A very long poem about leaves falling in autumn. (${n})` },
    preferences: ['The user prefers short poems.'],
    feedback: [{ feedback_id: `fb_${n}`, polarity: 'DSAT', satisfaction: [], dissatisfaction: ['style'], evidence: 'shorter please' }],
    mode: 'in-situ', models: { rejected: 'm', chosen: 'm', preferences: 'local', judge: null }, filters: [{ filter: 'length', verdict: 'pass', detail: null }],
    accepted: true, created_at: '2024-05-01T10:00:00.000Z', ...overrides,
  };
  const valid = validatePreferencePair(value);
  assert.ok(valid.ok, JSON.stringify(valid));
  return value;
}

function example(kind: 'sft' | 'hindsight', n: number, overrides: Partial<TrainingExample> = {}): TrainingExample {
  const value: TrainingExample = {
    schema: 'insitu.example', version: 1, example_id: `${kind === 'sft' ? 'sft' : 'hs'}_${digest(`${kind}-${n}`)}`, kind, conversation_id: `conv_${n}`, tenant: 'acme', user: null,
    turn_id: `turn_${n}`, feedback_id: `fb_${n}`, prompt: PROMPT, response: { role: 'assistant', content: `Leaves fall, gold. (${n})` },
    follow_up: kind === 'hindsight' ? 'Thanks, perfect!' : null,
    labels: { state: 'FEEDBACK', polarity: 'SAT', satisfaction: ['gratitude'], dissatisfaction: [] },
    model: 'm', filters: [], accepted: true, created_at: '2024-05-01T10:00:00.000Z', ...overrides,
  };
  const valid = validateTrainingExample(value);
  assert.ok(valid.ok, JSON.stringify(valid));
  return value;
}

async function readAll<K extends DatasetKind>(dataDir: string, kind: K, filter: DatasetFilter = {}) {
  const reader = readDataset({ dataDir, kind, ...filter });
  const records: DatasetRecord[] = [];
  for await (const r of reader) records.push(r);
  return { records, stats: reader.stats };
}

const ids = (records: DatasetRecord[]) => records.map((r) => (r.schema === 'insitu.preference' ? r.pair_id : r.example_id)).sort();
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));

// ---- layout ----

describe('dataset layout', () => {
  test('tenant folders are path-safe, reversible and collision-free', () => {
    for (const tenant of ['acme', 'Acme', 'acme.eu', '.', '..', '../../etc', 'a/b', 'a\\b', '%2E', 'ünï cödé', '租户', '-x', 'x'.repeat(300), '\ud800']) {
      const folder = tenantFolder(tenant);
      assert.match(folder, /^(?:[a-z0-9_.-]|%[0-9A-F]{2})+$|^~[A-Za-z0-9_-]{22}$/, tenant);
      assert.ok(!folder.startsWith('.') && folder.length <= 200, folder);
      const root = resolve('/data/datasets/pairs');
      assert.equal(dirname(resolve(root, folder, '2024-05-01.jsonl')), join(root, folder), `${tenant} must stay one folder below the kind`);
      if (!folder.startsWith('~')) assert.equal(tenantOfFolder(folder), tenant);
    }
    assert.equal(tenantFolder('acme'), 'acme');
    assert.equal(tenantFolder('../../etc'), '%2E.%2F..%2Fetc');
    const many = ['acme', 'Acme', 'ACME', '%41cme', 'a.b', 'a%2Eb', 'x'.repeat(300), 'x'.repeat(301), '\ud800', '\ud801', '\ufffd'];
    assert.equal(new Set(many.map(tenantFolder)).size, many.length);
    assert.equal(tenantOfFolder('..'), null);
    assert.equal(tenantOfFolder('%zz'), null);
    assert.equal(tenantOfFolder('%61cme'), null, 'not the canonical form of acme');
  });

  test('days: the UTC day of created_at; strict YYYY-MM-DD for filters', () => {
    assert.equal(dayOf('2024-05-01T23:30:00-02:00'), '2024-05-02');
    assert.equal(dayOf('not a date'), null);
    assert.equal(parseDay('2024-02-29'), '2024-02-29');
    assert.equal(parseDay('2023-02-29'), null);
    assert.equal(parseDay('2024-5-1'), null);
  });
});

// ---- store ----

describe('dataset store', () => {
  test('appends accepted records to their tenant and day files, skips the rest, reads each record once', async () => {
    const dataDir = tempDir('store');
    const store = createDatasetStore({ dataDir });
    const p1 = pair(1);
    const p2 = pair(2, { created_at: '2024-05-02T00:00:01.000Z' });
    const p3 = pair(3, { tenant: 'globex' });
    const dropped = pair(4, { accepted: false, filters: [{ filter: 'length', verdict: 'drop', detail: 'too long' }] });
    const first = await store.append([p1, p2, p3, dropped, example('sft', 1), example('hindsight', 1)]);
    assert.deepEqual(first, { written: 5, notAccepted: 1, repeated: 0, undated: [] });
    assert.deepEqual(filesUnder(join(dataDir, 'datasets')).map((f) => relative(join(dataDir, 'datasets'), f)).sort(), [
      'hindsight/acme/2024-05-01.jsonl', 'pairs/acme/2024-05-01.jsonl', 'pairs/acme/2024-05-02.jsonl', 'pairs/globex/2024-05-01.jsonl', 'sft/acme/2024-05-01.jsonl',
    ]);
    // Re-delivery after a crash: the same records again, in a later batch (and twice within one batch).
    const again = await store.append([p1, p1, p3]);
    assert.deepEqual(again, { written: 2, notAccepted: 0, repeated: 1, undated: [] });
    assert.equal(readFileSync(partitionFile(dataDir, 'pairs', 'acme', '2024-05-01'), 'utf8').trim().split('\n').length, 2, 'append-only: the copy is on disk');

    const all = await readAll(dataDir, 'pairs');
    assert.deepEqual(ids(all.records), ids([p1, p2, p3]));
    assert.equal(all.stats.duplicates, 2);
    assert.deepEqual(all.records.find((r) => r.conversation_id === 'conv_1'), p1);
    assert.deepEqual(ids((await readAll(dataDir, 'pairs', { tenant: 'globex' })).records), ids([p3]));
    assert.deepEqual(ids((await readAll(dataDir, 'pairs', { since: '2024-05-02' })).records), ids([p2]));
    assert.deepEqual(ids((await readAll(dataDir, 'pairs', { until: '2024-05-01' })).records), ids([p1, p3]));
    assert.deepEqual(ids((await readAll(dataDir, 'pairs', { tenant: 'nobody' })).records), []);
    assert.equal((await readAll(dataDir, 'sft')).records.length, 1);
    assert.equal((await readAll(dataDir, 'hindsight')).records.length, 1);
  });

  test("a tenant named '../../etc' stays inside its kind folder", async () => {
    const dataDir = tempDir('tenant');
    const store = createDatasetStore({ dataDir: join(dataDir, 'd') });
    await store.append([pair(1, { tenant: '../../etc' }), pair(2, { tenant: '/abs' })]);
    assert.equal(existsSync(join(dataDir, 'etc')), false);
    const files = filesUnder(dataDir).map((f) => relative(dataDir, f)).sort();
    assert.deepEqual(files, ['d/datasets/pairs/%2E.%2F..%2Fetc/2024-05-01.jsonl', 'd/datasets/pairs/%2Fabs/2024-05-01.jsonl']);
    assert.deepEqual((await readAll(join(dataDir, 'd'), 'pairs', { tenant: '../../etc' })).records.map((r) => r.tenant), ['../../etc']);
  });

  test('a torn last line (crash mid-write) is ended before the next append and skipped on read', async () => {
    const dataDir = tempDir('torn');
    const store = createDatasetStore({ dataDir });
    await store.append([pair(1)]);
    const file = partitionFile(dataDir, 'pairs', 'acme', '2024-05-01');
    appendFileSync(file, JSON.stringify(pair(2)).slice(0, 40));
    await store.append([pair(3)]);
    const { records, stats } = await readAll(dataDir, 'pairs');
    assert.deepEqual(ids(records), ids([pair(1), pair(3)]));
    assert.equal(stats.unreadable, 1);
    appendFileSync(file, JSON.stringify({ ...pair(5), accepted: false }) + '\n' + JSON.stringify({ hello: 1 }) + '\n');
    assert.equal((await readAll(dataDir, 'pairs')).stats.invalid, 2, 'hand-added lines that are not accepted records are not read');
  });

  test('a record without a timestamp is not placed', async () => {
    const store = createDatasetStore({ dataDir: tempDir('undated') });
    const result = await store.append([pair(1, { created_at: 'yesterday' })]);
    assert.deepEqual(result, { written: 0, notAccepted: 0, repeated: 0, undated: [pair(1).pair_id] });
  });
});

// ---- formats ----

const MULTI = pair(7, {
  prompt: [
    { role: 'assistant', content: 'Hi! How can I help?' },
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Haiku about autumn.' },
    { role: 'user', content: 'In English.' },
    { role: 'assistant', content: 'Leaves fall slowly down.' },
    { role: 'system', content: 'Answer in lower case.' },
    { role: 'user', content: 'Shorter.' },
  ],
});

describe('export formats', () => {
  const format = (name: string) => findExportFormat(name)!;
  const line = (name: string, record: DatasetRecord) => {
    const converted = format(name).convert(record);
    assert.ok(converted.ok, JSON.stringify(converted));
    return converted.line as Record<string, unknown>;
  };

  test('openai-dpo: input.messages is the prompt with its system messages, one assistant message per output', () => {
    const p = pair(1, { prompt: PROMPT });
    const l = line('openai-dpo', p);
    assert.deepEqual(l, {
      input: { messages: PROMPT },
      preferred_output: [{ role: 'assistant', content: p.chosen.content }],
      non_preferred_output: [{ role: 'assistant', content: p.rejected.content }],
    });
    assert.deepEqual(validateOpenAIDpoLine(l), []);
    assert.deepEqual(validateOpenAIDpoLine(JSON.parse(JSON.stringify(line('openai-dpo', MULTI)))), []);
    // The validator fails wrong shapes.
    assert.ok(validateOpenAIDpoLine({ ...l, preferred_output: { role: 'assistant', content: 'x' } }).length > 0);
    assert.ok(validateOpenAIDpoLine({ ...l, non_preferred_output: [{ role: 'user', content: 'x' }] }).length > 0);
    assert.ok(validateOpenAIDpoLine({ ...l, input: { messages: PROMPT.slice(0, 3) } }).some((e) => /last message/.test(e)));
    assert.ok(validateOpenAIDpoLine({ ...l, pair_id: 'x' }).some((e) => /unexpected "pair_id"/.test(e)));
    assert.ok(validateOpenAIDpoLine({ input: { messages: [] }, preferred_output: [], non_preferred_output: [] }).length >= 3);
  });

  test('trl: conversational prompt / chosen / rejected, each output one assistant message', () => {
    const p = pair(1, { prompt: PROMPT });
    const l = line('trl', p);
    assert.deepEqual(l, { prompt: PROMPT, chosen: [{ role: 'assistant', content: p.chosen.content }], rejected: [{ role: 'assistant', content: p.rejected.content }] });
    assert.deepEqual(validateTrlLine(l), []);
    assert.ok(validateTrlLine({ ...l, chosen: p.chosen.content }).length > 0, 'a string is the standard format, not the conversational one');
    assert.ok(validateTrlLine({ ...l, prompt: [{ role: 'tool', content: 'x' }] }).length > 0);
    assert.ok(validateTrlLine({ prompt: l.prompt, chosen: l.chosen }).some((e) => /missing "rejected"/.test(e)));
  });

  test('llama-factory: sharegpt turns alternate from human and end with human; system messages go to the system column', () => {
    const p = pair(1, { prompt: PROMPT });
    assert.deepEqual(line('llama-factory', p), {
      conversations: [
        { from: 'human', value: PROMPT[1]!.content },
        { from: 'gpt', value: PROMPT[2]!.content },
        { from: 'human', value: PROMPT[3]!.content },
      ],
      chosen: { from: 'gpt', value: p.chosen.content },
      rejected: { from: 'gpt', value: p.rejected.content },
      system: PROMPT[0]!.content,
    });
    // A greeting first, two system messages, two user messages in a row: reshaped to what LLaMA-Factory accepts.
    assert.deepEqual(toShareGpt(MULTI.prompt), {
      system: 'Be brief.\n\nAnswer in lower case.',
      conversations: [
        { from: 'human', value: 'Haiku about autumn.\n\nIn English.' },
        { from: 'gpt', value: 'Leaves fall slowly down.' },
        { from: 'human', value: 'Shorter.' },
      ],
    });
    assert.equal(toShareGpt(pair(2).prompt.slice(1)).system, '', 'the system column is always there');
    assert.deepEqual(validateLlamaFactoryLine(line('llama-factory', MULTI)), []);
    const l = line('llama-factory', p);
    assert.ok(validateLlamaFactoryLine({ ...l, conversations: (l.conversations as unknown[]).slice(0, 2) }).some((e) => /odd count/.test(e)));
    assert.ok(validateLlamaFactoryLine({ ...l, conversations: [{ from: 'gpt', value: 'x' }] }).length > 0);
    assert.ok(validateLlamaFactoryLine({ ...l, chosen: [{ from: 'gpt', value: 'x' }] }).length > 0);
    assert.ok(validateLlamaFactoryLine({ ...l, rejected: { from: 'human', value: 'x' } }).length > 0);
    assert.ok(validateLlamaFactoryLine({ conversations: l.conversations, chosen: l.chosen, rejected: l.rejected }).some((e) => /missing "system"/.test(e)));
  });

  test('sft: OpenAI chat fine-tuning messages; earlier assistant turns are not trained (weight 0)', () => {
    const e = example('sft', 1);
    const l = line('sft', e);
    assert.deepEqual(l, {
      messages: [PROMPT[0], PROMPT[1], { ...PROMPT[2], weight: 0 }, PROMPT[3], { role: 'assistant', content: e.response.content }],
    });
    assert.deepEqual(validateSftLine(l), []);
    assert.ok(validateSftLine({ messages: PROMPT }).length > 0, 'must end with the assistant response');
    assert.ok(validateSftLine({ messages: [...PROMPT, { role: 'assistant', content: 'x', weight: 0 }] }).length > 0);
    assert.ok(validateSftLine({ messages: [{ role: 'user', content: 'q', weight: 1 }, { role: 'assistant', content: 'a' }] }).length > 0);
  });

  test('hindsight: context, response, follow-up and labels', () => {
    const e = example('hindsight', 1);
    const l = line('hindsight', e);
    assert.deepEqual(l, { example_id: e.example_id, context: PROMPT, response: e.response.content, follow_up: 'Thanks, perfect!', labels: e.labels, model: 'm' });
    assert.deepEqual(validateHindsightLine(l), []);
    assert.ok(validateHindsightLine({ ...l, follow_up: null }).length > 0);
    assert.ok(validateHindsightLine({ ...l, labels: { ...e.labels, satisfaction: ['made_up'] } }).length > 0);
    assert.equal(format('hindsight').convert({ ...e, follow_up: null }).ok, false);
  });

  test('pairs no format can train on are skipped with a reason', () => {
    for (const f of ['openai-dpo', 'trl', 'llama-factory']) {
      assert.deepEqual(format(f).convert(pair(1, { chosen: { role: 'assistant', content: 'same' }, rejected: { role: 'assistant', content: 'same' } })), { ok: false, reason: 'chosen equals rejected' });
      assert.deepEqual(format(f).convert(pair(1, { prompt: PROMPT.slice(0, 3) })), { ok: false, reason: 'prompt does not end with a user message' });
    }
  });
});

// ---- statistics ----

describe('Table-2 statistics', () => {
  test('approximate tokens: 4 characters each, 1 per CJK character', () => {
    assert.equal(approxTokens(''), 0);
    assert.equal(approxTokens('abcd'), 1);
    assert.equal(approxTokens('abcde'), 2);
    assert.equal(approxTokens('你好世界'), 4);
    assert.equal(approxTokens('hi 你好'), 3);
    assert.equal(approxTokens('😀😀😀😀'), 1, 'code points, not UTF-16 units');
  });

  test('counts, conversations, mean lengths and the multi-turn share, per source of responses', () => {
    const stats = createStatistics('pairs');
    const a = pair(1, { prompt: [{ role: 'user', content: 'x'.repeat(40) }], chosen: { role: 'assistant', content: 'y'.repeat(8) }, rejected: { role: 'assistant', content: 'z'.repeat(16) } });
    const b = pair(2, { conversation_id: 'conv_1', prompt: PROMPT.map((m) => ({ ...m, content: 'w'.repeat(20) })), chosen: { role: 'assistant', content: 'y'.repeat(24) }, rejected: { role: 'assistant', content: 'z'.repeat(32) } });
    const c = pair(3, { mode: 'expert', models: { rejected: 'm', chosen: 'gpt-4o', preferences: 'local', judge: null } });
    for (const p of [a, b, c]) stats.add(p);
    const result = stats.result();
    assert.equal(result.total.count, 3);
    assert.equal(result.total.conversations, 2);
    assert.deepEqual(result.groups.map((g) => [g.label, g.count]), [['↪ in-situ · m', 2], ['↪ expert · gpt-4o', 1]]);
    const inSitu = result.groups[0]!;
    assert.equal(inSitu.promptTokens, (10 + 20) / 2);
    assert.equal(inSitu.chosenTokens, (2 + 6) / 2);
    assert.equal(inSitu.rejectedTokens, (4 + 8) / 2);
    assert.equal(inSitu.responseTokens, 5);
    assert.equal(inSitu.multiTurn, 0.5);
    const table = formatTable2(result);
    const [header, total, first] = table.split('\n');
    assert.match(header!, /# Pairs\s+# Conv\.\s+Prompt Length \(≈tok\)\s+Response Length \(≈tok\)\s+Multi-Turn\?/);
    assert.match(total!, /^Insitu\s+3\s+2\s+\d+\s+\d+\s+✓ 33%$/);
    assert.match(first!, /^↪ in-situ · m\s+2\s+1\s+15\s+5\s+✓ 50%$/);
    assert.match(table, /approximate tokens: 1 per 4 characters/);
    assert.match(formatTable2(createStatistics('examples').result()), /# Examples[\s\S]*Insitu\s+0\s+0\s+—\s+—\s+—/);
  });
});

// ---- exports end to end ----

async function fillStore(dataDir: string) {
  const store = createDatasetStore({ dataDir });
  await store.append([
    pair(1, { prompt: PROMPT }), pair(2, { tenant: 'globex', created_at: '2024-05-03T08:00:00.000Z' }), MULTI, pair(8, { accepted: false }),
    pair(9, { chosen: { role: 'assistant', content: 'same' }, rejected: { role: 'assistant', content: 'same' } }),
    example('sft', 1), example('sft', 2, { tenant: 'globex' }), example('hindsight', 1), example('hindsight', 2, { model: 'other' }),
  ]);
  await store.append([pair(1, { prompt: PROMPT }), example('sft', 1)]); // re-delivered copies
}

const VALIDATORS: Record<string, (line: unknown) => string[]> = {
  'openai-dpo': validateOpenAIDpoLine, trl: validateTrlLine, 'llama-factory': validateLlamaFactoryLine, sft: validateSftLine, hindsight: validateHindsightLine,
};

function exportedLines(file: string, name: string): unknown[] {
  const text = readFileSync(file, 'utf8');
  return name === 'llama-factory' ? (JSON.parse(text) as unknown[]) : text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

describe('insitu export', () => {
  test('every format: fixed file names under --out, every line valid, copies and unusable pairs left out', async () => {
    const dataDir = tempDir('export-data');
    await fillStore(dataDir);
    const outDir = join(tempDir('export-out'), 'nested', 'out');
    const expected: Record<string, { file: string; count: number }> = {
      'openai-dpo': { file: 'openai-dpo.jsonl', count: 3 }, trl: { file: 'trl.jsonl', count: 3 }, 'llama-factory': { file: 'llama-factory/insitu_pairs.json', count: 3 },
      sft: { file: 'sft.jsonl', count: 2 }, hindsight: { file: 'hindsight.jsonl', count: 2 },
    };
    for (const format of EXPORT_FORMATS) {
      const result = await exportDataset({ dataDir, format, outDir });
      assert.equal(result.files[0], join(outDir, expected[format.name]!.file));
      assert.equal(result.written, expected[format.name]!.count, format.name);
      const lines = exportedLines(result.files[0]!, format.name);
      assert.equal(lines.length, result.written);
      for (const l of lines) assert.deepEqual(VALIDATORS[format.name]!(l), [], `${format.name}: ${JSON.stringify(l)}`);
      assert.equal(result.read.duplicates, format.name === 'hindsight' ? 0 : 1, `${format.name}: the re-delivered copy is dropped`);
      if (format.source === 'pairs') assert.deepEqual(result.skipped, { 'chosen equals rejected': 1 });
      assert.equal(result.statistics.total.count, result.written);
      assert.match(describeExport(result), /# (Pairs|Examples)/);
    }
    const info = JSON.parse(readFileSync(join(outDir, 'llama-factory', 'dataset_info.json'), 'utf8'));
    assert.deepEqual(info, {
      insitu_pairs: { file_name: 'insitu_pairs.json', formatting: 'sharegpt', ranking: true, columns: { messages: 'conversations', chosen: 'chosen', rejected: 'rejected', system: 'system' } },
    });
    assert.deepEqual(info, LLAMA_FACTORY_DATASET_INFO);
    assert.deepEqual(filesUnder(outDir).map((f) => relative(outDir, f)).sort(), [
      'hindsight.jsonl', 'llama-factory/dataset_info.json', 'llama-factory/insitu_pairs.json', 'openai-dpo.jsonl', 'sft.jsonl', 'trl.jsonl',
    ], 'nothing else (no temporary files) and nothing outside --out');
  });

  test('filters by tenant and days; an empty selection writes an empty, valid file', async () => {
    const dataDir = tempDir('export-filter');
    await fillStore(dataDir);
    const outDir = tempDir('export-filter-out');
    const trl = findExportFormat('trl')!;
    assert.equal((await exportDataset({ dataDir, format: trl, outDir, tenant: 'globex' })).written, 1);
    assert.equal((await exportDataset({ dataDir, format: trl, outDir, since: '2024-05-02', until: '2024-05-03' })).written, 1);
    const lf = await exportDataset({ dataDir, format: findExportFormat('llama-factory')!, outDir, tenant: 'nobody' });
    assert.equal(lf.written, 0);
    assert.deepEqual(JSON.parse(readFileSync(lf.files[0]!, 'utf8')), []);
  });

  test('keeps other entries of an existing dataset_info.json; refuses a symlinked sub-folder', async () => {
    const dataDir = tempDir('export-info');
    await fillStore(dataDir);
    const outDir = tempDir('export-info-out');
    mkdirSync(join(outDir, 'llama-factory'));
    writeFileSync(join(outDir, 'llama-factory', 'dataset_info.json'), JSON.stringify({ mine: { file_name: 'mine.json' } }));
    await exportDataset({ dataDir, format: findExportFormat('llama-factory')!, outDir });
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(join(outDir, 'llama-factory', 'dataset_info.json'), 'utf8'))).sort(), ['insitu_pairs', 'mine']);

    const elsewhere = tempDir('export-elsewhere');
    const linked = tempDir('export-linked-out');
    symlinkSync(elsewhere, join(linked, 'llama-factory'));
    await assert.rejects(exportDataset({ dataDir, format: findExportFormat('llama-factory')!, outDir: linked }), ExportError);
    assert.deepEqual(readdirSync(elsewhere), []);
  });

  const run = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [CLI, 'export', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });

  test('as a process: writes the file, prints where and the Table-2 statistics', async () => {
    const dataDir = tempDir('cli-data');
    await fillStore(dataDir);
    const outDir = join(tempDir('cli-out'), 'out');
    const r = run(['--format', 'openai-dpo', '--out', outDir, '--since', '2024-05-01'], { INSITU_DATA_DIR: dataDir });
    assert.equal(r.status, 0, r.stderr);
    const file = join(outDir, 'openai-dpo.jsonl');
    assert.ok(r.stdout.includes(`exported 3 pairs as OpenAI preference fine-tuning (DPO) JSONL to ${file}`), r.stdout);
    assert.match(r.stdout, /1 duplicates dropped/);
    assert.match(r.stdout, /skipped 1: chosen equals rejected \(1\)/);
    assert.match(r.stdout, /# Pairs\s+# Conv\.\s+Prompt Length \(≈tok\)\s+Response Length \(≈tok\)\s+Multi-Turn\?/);
    assert.match(r.stdout, /^Insitu\s+3\s+3\s/m);
    for (const l of exportedLines(file, 'openai-dpo')) assert.deepEqual(validateOpenAIDpoLine(l), []);

    const lf = run(['--format', 'llama-factory', '--out', outDir, '--tenant', 'acme'], { INSITU_DATA_DIR: dataDir });
    assert.equal(lf.status, 0, lf.stderr);
    assert.match(lf.stdout, /also wrote .*dataset_info\.json/);
    assert.equal(exportedLines(join(outDir, 'llama-factory', 'insitu_pairs.json'), 'llama-factory').length, 2);
  });

  test('as a process: bad arguments exit 2 with one clear line', () => {
    const env = { INSITU_DATA_DIR: tempDir('cli-bad') };
    const cases: [string[], RegExp][] = [
      [['--out', '/tmp/x'], /needs --format \(openai-dpo, trl, llama-factory, sft, hindsight\)/],
      [['--format', 'csv', '--out', '/tmp/x'], /--format csv: use one of/],
      [['--format', 'trl'], /needs --out/],
      [['--format', 'trl', '--out', '/tmp/x', '--since', '2024-13-01'], /--since 2024-13-01: expected a date YYYY-MM-DD/],
      [['--format', 'trl', '--out', '/tmp/x', '--since', '2024-05-02', '--until', '2024-05-01'], /is after --until/],
      [['--format', 'trl', '--out', '/tmp/x', 'extra'], /unexpected argument 'extra'/],
      [['--format'], /--format needs a value/],
    ];
    for (const [args, message] of cases) {
      const r = run(args, env);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, message);
    }
  });
});

// ---- the consumer ----

describe('dataset-store consumer core', () => {
  test('valid records pass, invalid ones are named and skipped', () => {
    const at = (topic: string, value: string, offset: number) => ({ topic, partition: 0, offset: String(offset), key: 'k', value, headers: {}, timestamp: 0 });
    const { records, skipped } = readBatch([
      at(TOPICS.preferences, JSON.stringify(pair(1)), 0),
      at(TOPICS.preferences, JSON.stringify(example('sft', 1)), 1),
      at(TOPICS.examples, JSON.stringify(example('sft', 1)), 2),
      at(TOPICS.examples, '{not json', 3),
      at(TOPICS.preferences, JSON.stringify(pair(2, { created_at: 'soon' })), 4),
    ]);
    assert.deepEqual(ids(records), ids([pair(1), example('sft', 1)]));
    assert.deepEqual(skipped.map((s) => [s.offset, s.reason]), [['1', 'invalid against its schema'], ['3', 'not JSON'], ['4', 'created_at is not a timestamp']]);
  });
});

async function consumerEndToEnd(env: Record<string, string>) {
  const dataDir = tempDir('consumer');
  const runtime = await openRuntime(loadConfig({ INSITU_DATA_DIR: dataDir, INSITU_BUS_PARTITIONS: '1', ...env }), silentLogger);
  const consumer = await startDatasetStore(runtime);
  const publish = (topic: string, records: DatasetRecord[]) =>
    runtime.bus.publish(records.map((r) => ({ topic, key: r.conversation_id, value: JSON.stringify(r) })));
  const waitFor = async (kind: DatasetKind, id: string) => {
    for (let i = 0; i < 300; i++) {
      if (ids((await readAll(dataDir, kind)).records).includes(id)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`${kind} ${id} was never stored`);
  };
  try {
    const p1 = pair(1);
    const p2 = pair(2, { tenant: '../../etc' });
    const rejected = pair(3, { accepted: false, filters: [{ filter: 'moderation', verdict: 'drop', detail: 'flagged' }] });
    const s1 = example('sft', 1);
    const h1 = example('hindsight', 1);
    await publish(TOPICS.preferences, [p1, p2, rejected]);
    await runtime.bus.publish([{ topic: TOPICS.preferences, key: 'bad', value: '{"schema":"insitu.preference"}' }, { topic: TOPICS.examples, key: 'bad', value: 'not json' }]);
    await publish(TOPICS.examples, [s1, h1]);
    await waitFor('pairs', p2.pair_id);
    await waitFor('hindsight', h1.example_id);
    // p1 re-delivered (as after a crash before the commit), then a last pair: once that one is stored, the copy
    // before it in the same partition has been handled too.
    const last = pair(4);
    await publish(TOPICS.preferences, [p1]);
    await publish(TOPICS.preferences, [last]);
    await waitFor('pairs', last.pair_id);

    const pairs = await readAll(dataDir, 'pairs');
    assert.deepEqual(ids(pairs.records), ids([p1, p2, last]));
    assert.deepEqual(pairs.records.find((r) => r.conversation_id === 'conv_1'), p1);
    assert.equal(pairs.stats.duplicates, 1, 'the copy is on disk and dropped on read');
    assert.deepEqual(ids((await readAll(dataDir, 'sft')).records), ids([s1]));
    assert.deepEqual(ids((await readAll(dataDir, 'hindsight')).records), ids([h1]));
    const stored = filesUnder(join(dataDir, 'datasets')).map((f) => readFileSync(f, 'utf8')).join('');
    assert.equal(stored.includes(rejected.pair_id), false, 'accepted=false is never stored');
    assert.ok(existsSync(partitionFile(dataDir, 'pairs', '../../etc', '2024-05-01')));
    assert.ok(partitionFile(dataDir, 'pairs', '../../etc', '2024-05-01').startsWith(join(dataDir, 'datasets', 'pairs') + '/'));
  } finally {
    await consumer.close();
    await runtime.close();
  }
}

onBothRuntimes('dataset-store consumer end to end', consumerEndToEnd, { redis: false });
