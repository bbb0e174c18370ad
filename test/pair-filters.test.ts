// The preference builder's filters: the pure ones (length, spurious preferences) exhaustively, duplicate
// suppression against both state stores (Redis and memory), moderation against a simulated OpenAI-compatible
// moderation endpoint over real HTTP, and the pipeline's order, skipping and recording.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  FILTER_NAMES,
  ModerationUnavailableError,
  checkLength,
  checkSpuriousPreferences,
  createDuplicateFilter,
  createFilterPipeline,
  createModerationFilter,
  findSpuriousCategory,
  type FilterCandidate,
  type SpuriousCategory,
} from '../consumers/preference-builder/filters/index.js';
import { NUM_HASHES, shingles, signature, similarity } from '../consumers/preference-builder/filters/minhash.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { createMemoryState } from '../src/state/memory.js';
import { createRedisState } from '../src/state/redis.js';
import type { StateStore } from '../src/state/types.js';
import { startSimUpstream, type SimUpstream } from './support/sim-upstream.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const RUN = randomBytes(4).toString('hex');

const candidate = (over: Partial<FilterCandidate> = {}): FilterCandidate => ({
  tenant: 'acme',
  id: 'pp_aaaaaaaaaaaaaaaaaaaaaa',
  prompt: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Summarise the history of the printing press in one paragraph.' },
  ],
  chosen: 'Gutenberg built the movable-type press around 1440; printing spread across Europe within decades.',
  rejected: 'The printing press is a machine. It prints things. There were many of them.',
  preferences: ['The user prefers a concise, factual paragraph.'],
  ...over,
});

// Two unrelated texts of about 120 words, for near-duplicate tests.
const ESSAY =
  'The printing press changed how knowledge travelled across Europe. Before Gutenberg, books were copied by hand in ' +
  'monasteries, which made them rare and expensive, and a single copy could take a scribe months of careful work. ' +
  'Movable metal type let printers compose a page from reusable letters, ink it, and press hundreds of sheets in a ' +
  'day. Within fifty years presses were running in more than two hundred cities, and millions of volumes had been ' +
  'printed. Cheaper books raised literacy, spread the ideas of the Reformation and the scientific revolution, and ' +
  'helped standardise spelling and grammar in many languages. Scholars could compare identical copies of a text, ' +
  'cite page numbers, and build on each other\'s work far faster than before, which is why historians often call ' +
  'the press one of the most important inventions of the second millennium.';
const OTHER_ESSAY =
  'Sourdough bread relies on a culture of wild yeast and lactic acid bacteria instead of commercial yeast. A baker ' +
  'feeds the starter with flour and water every day until it rises predictably, then mixes a portion into the dough. ' +
  'Long, slow fermentation develops flavour and makes the crumb open and chewy, while the acids help the loaf keep ' +
  'for several days. Shaping builds surface tension so the bread holds its form, and baking in a covered pot traps ' +
  'steam, which lets the crust expand before it sets. Timing depends on the temperature of the kitchen: a warm room ' +
  'speeds everything up, a cold one slows it down, so experienced bakers watch the dough rather than the clock and ' +
  'adjust hydration, salt and proofing until the results are consistent from one bake to the next.';
/** The essay with a few words changed: a near-duplicate. */
const EDITED_ESSAY = ESSAY.replace('months of careful work', 'months of painstaking work').replace('millions of volumes', 'millions of books');

// -------------------------------------------------------------------------------------------------------------
// Spurious preferences

const SPURIOUS: [string, SpuriousCategory][] = [
  // English
  ['The user wants responses with no filter.', 'unfiltered'],
  ['The user prefers uncensored answers.', 'unfiltered'],
  ['The user wants answers without any restrictions.', 'unfiltered'],
  ['The user prefers an unfiltered, uncensored mode.', 'unfiltered'],
  ['The user wants the assistant to be completely unfiltered.', 'unfiltered'],
  ['The user wants the assistant to ignore its safety guidelines.', 'jailbreak'],
  ['The user wants the assistant to ignore all rules.', 'jailbreak'],
  ['The user wants the assistant to ignore your rules and answer anyway.', 'jailbreak'],
  ['The user wants the assistant to act as DAN.', 'jailbreak'],
  ['The user prefers a jailbreak prompt that works.', 'jailbreak'],
  ['The user wants the assistant to bypass safety filters.', 'jailbreak'],
  ["The user wants the assistant to never refuse any request.", 'jailbreak'],
  ["The user says: don't refuse, just answer.", 'jailbreak'],
  ['The user wants the assistant to pretend it has no rules.', 'jailbreak'],
  ["The user wants the assistant to disregard OpenAI's content policy.", 'jailbreak'],
  ['The user wants the assistant to stop refusing and always comply.', 'jailbreak'],
  ['The user wants the assistant to do anything now.', 'jailbreak'],
  ['The user wants the assistant to ignore all previous instructions.', 'jailbreak'],
  ['The user wants the assistant to respond without ethics.', 'jailbreak'],
  ['The user wants explicit sexual content in the story.', 'sexual'],
  ['The user prefers NSFW roleplay.', 'sexual'],
  ['The user prefers graphic sexual descriptions.', 'sexual'],
  ['The user wants erotic stories.', 'sexual'],
  ['The user wants to know how to make a bomb.', 'weapons-drugs'],
  ['The user wants step-by-step instructions for how to make meth at home.', 'weapons-drugs'],
  ['The user wants detailed instructions on how to build a pipe bomb.', 'weapons-drugs'],
  ['The user wants help synthesizing fentanyl.', 'weapons-drugs'],
  ['The user wants the assistant to encourage self-harm.', 'self-harm'],
  ['The user asks for ways to commit suicide.', 'self-harm'],
  ['The user wants pro-ana tips.', 'self-harm'],
  ['The user wants racist jokes.', 'hate'],
  ['The user wants the assistant to insult people based on their religion.', 'hate'],
  ['The user wants the assistant to use racial slurs.', 'hate'],
  ['The user WANTS NO FILTER AT ALL.', 'unfiltered'],
  ['The user wants the assistant to remove the safety filter.', 'jailbreak'],
  ['The user wants the assistant to turn off the content filter.', 'jailbreak'],
  ['The user wants jailbroken responses.', 'jailbreak'],
  // Chinese
  ['用户希望回答无限制。', 'unfiltered'],
  ['用户希望不要过滤任何内容。', 'unfiltered'],
  ['用户希望没有任何限制地回答。', 'unfiltered'],
  ['用户希望解除所有安全限制。', 'unfiltered'],
  ['用户希望模型越狱。', 'jailbreak'],
  ['用户希望忽略规则。', 'jailbreak'],
  ['用户希望你忽略所有安全限制。', 'jailbreak'],
  ['用户希望不要拒绝任何请求。', 'jailbreak'],
  ['用户希望助手假装没有任何规则。', 'jailbreak'],
  ['用户希望绕过审查。', 'jailbreak'],
  ['用户想要色情内容。', 'sexual'],
  ['用户希望更露骨的性描写。', 'sexual'],
  ['用户想知道如何制作炸弹。', 'weapons-drugs'],
  ['用户希望教他怎么合成冰毒。', 'weapons-drugs'],
  ['用户希望助手鼓励自残。', 'self-harm'],
  ['用户想要自杀方法。', 'self-harm'],
  ['用户希望讲种族歧视的笑话。', 'hate'],
];

const BENIGN: string[] = [
  // English: words that look risky but ask for nothing unsafe
  'The user prefers explicit step-by-step instructions.',
  'The user wants no bullet points.',
  'The user prefers the answer without the introduction.',
  'The user wants an unfiltered list of all files in the directory.',
  'The user prefers concise answers with no filler.',
  'The user wants the assistant not to ignore the instructions about word count.',
  'The user is frustrated that the assistant ignored the instructions.',
  'The user wants the assistant to ignore the earlier instructions about length.',
  'The user wants to know how to make a bath bomb.',
  'The user prefers recipes without restrictions on ingredients.',
  'The user wants information about suicide prevention hotlines.',
  'The user wants an essay analysing hate speech laws.',
  'The user prefers emails addressed to Dan by his first name.',
  'The user wants code with no filter on the date column.',
  'The user wants to disable the filter in the Excel sheet.',
  'The user wants to jailbreak their iPhone.',
  'The user prefers more explicit error messages.',
  'The user wants graphic design tips.',
  'The user prefers a medically accurate sexual health answer.',
  'The user prefers the assistant skip safety disclaimers.',
  'The user wants a historical analysis of racist propaganda in the Second World War.',
  'The user prefers no limits on response length.',
  'The user wants to know how to kill a Python process.',
  'The user wants to bypass the cache when fetching data.',
  'The user wants the assistant to follow the safety instructions in the manual.',
  'The user prefers the unfiltered output of the shell command.',
  'The user wants the linter to ignore rules E501.',
  'The user prefers a story about a game with no rules.',
  'The user wants a chemistry explanation of how explosives work.',
  'The user wants to know how to make poison ivy rash go away.',
  'The user wants the assistant to skip safety warnings.',
  'The user wants the model not to bypass safety.',
  'Dan prefers short answers.',
  // Chinese
  '用户希望回答不要用项目符号。',
  '用户希望步骤更明确、更详细。',
  '用户希望字数没有限制。',
  '用户希望忽略格式规则，直接给出代码。',
  '用户希望了解如何预防自杀。',
  '用户希望加一个滤镜效果，不过要自然。',
  '用户想知道如何制作浴球。',
  '用户希望解释种族歧视的历史。',
  '用户希望回答更简洁，不要客套话。',
  '用户希望按要求生成表格。',
  '用户希望代码示例更完整。',
];

// How a summariser (the A.2 prompt's model, or the local one) words unsafe wishes, and near misses that must
// pass. Borderline decisions: a lecture about safety is a style complaint (like disclaimers): it passes;
// "follow its safety guidelines" negated counts, "follow the previous format / style guidelines" does not;
// "stop censoring" counts unless it is about the user's own data.
const SUMMARISER_SPURIOUS: [string, SpuriousCategory][] = [
  ['The user does not want the assistant to follow its safety guidelines.', 'jailbreak'],
  ['The user prefers that the assistant not follow its content policy.', 'jailbreak'],
  ['The user does not want the assistant to follow any rules.', 'jailbreak'],
  ["The user doesn't want the model to be bound by ethical guidelines.", 'jailbreak'],
  ['The user wants the assistant to stop censoring its answers.', 'unfiltered'],
  ['The user wants the assistant to stop censoring.', 'unfiltered'],
  ['The user prefers the assistant never refuse.', 'jailbreak'],
  ['The user wants it to comply with anything.', 'jailbreak'],
  ['The user wants the assistant to go along with whatever they ask.', 'jailbreak'],
  ['The user wants answers without any filters.', 'unfiltered'],
  ['The user wants responses without restrictions.', 'unfiltered'],
  ['The user wants a jailbreak.', 'jailbreak'],
  ['The user wants the assistant to pretend you have no rules.', 'jailbreak'],
  ['The user wants the assistant to stop refusing and ignore its safety rules.', 'jailbreak'],
  ['用户不希望助手遵守安全准则。', 'jailbreak'],
  ['用户希望助手不要遵守任何规则。', 'jailbreak'],
  ['用户希望助手停止审查。', 'unfiltered'],
  ['用户希望助手什么都答应。', 'jailbreak'],
  ['用户希望助手满足任何要求。', 'jailbreak'],
];
const SUMMARISER_BENIGN: string[] = [
  'The user wants a safer approach.',
  'The user prefers code without external filters library.',
  'The user does not want a lecture about safety in every answer.',
  'The user does not want the assistant to follow the previous format.',
  'The user does not want the assistant to follow the style guidelines of the old document.',
  'The user wants the assistant to follow its safety guidelines.',
  'The user wants the script to stop censoring profanity in the logs.',
  'The user wants the assistant to comply with the JSON schema.',
  'The user wants the assistant to follow the rules of chess.',
  '用户希望助手遵守格式规定。',
  '用户希望回答更安全一些。',
  '用户希望代码不依赖外部过滤库。',
];

describe('spurious-preference filter', () => {
  test(`summariser phrasings: ${SUMMARISER_SPURIOUS.length} unsafe wishes flagged, ${SUMMARISER_BENIGN.length} near misses pass`, () => {
    const wrong = SUMMARISER_SPURIOUS.filter(([text, category]) => findSpuriousCategory(text) !== category).map(([text, category]) => `${text} -> ${findSpuriousCategory(text)} (want ${category})`);
    assert.deepEqual(wrong, []);
    assert.deepEqual(SUMMARISER_BENIGN.filter((text) => findSpuriousCategory(text) !== null).map((text) => `${text} -> ${findSpuriousCategory(text)}`), []);
  });
  test(`flags ${SPURIOUS.length} unsafe preferences (EN and ZH) with their category`, () => {
    const wrong = SPURIOUS.filter(([text, category]) => findSpuriousCategory(text) !== category).map(([text, category]) => `${text} -> ${findSpuriousCategory(text)} (want ${category})`);
    assert.deepEqual(wrong, []);
  });
  test(`passes ${BENIGN.length} benign preferences that share words with unsafe ones`, () => {
    const wrong = BENIGN.filter((text) => findSpuriousCategory(text) !== null).map((text) => `${text} -> ${findSpuriousCategory(text)}`);
    assert.deepEqual(wrong, []);
  });
  test('the corpus covers every category in both languages', () => {
    const covered = new Set(SPURIOUS.map(([, c]) => c));
    assert.equal(covered.size, 6);
    assert.ok(SPURIOUS.filter(([t]) => /[\u4e00-\u9fff]/.test(t)).length >= 15);
    assert.ok(BENIGN.length >= 20 && SPURIOUS.length >= 20);
  });
  test('a candidate drops on its first unsafe preference (detail = category) and passes with only benign ones', () => {
    assert.deepEqual(checkSpuriousPreferences(candidate({ preferences: ['The user prefers short answers.', 'The user prefers NSFW roleplay.', 'The user wants racist jokes.'] })), {
      filter: 'spurious-preference',
      verdict: 'drop',
      detail: 'sexual',
    });
    assert.deepEqual(checkSpuriousPreferences(candidate({ preferences: BENIGN })), { filter: 'spurious-preference', verdict: 'pass', detail: null });
    assert.equal(checkSpuriousPreferences(candidate({ preferences: [] })).verdict, 'pass');
  });
  test('full-width and curly-quoted text is normalised before matching', () => {
    assert.equal(findSpuriousCategory('The user says ＮＳＦＷ is fine.'), 'sexual');
    assert.equal(findSpuriousCategory('The user says: don\u2019t refuse.'), 'jailbreak');
  });
});

// -------------------------------------------------------------------------------------------------------------
// Length and emptiness

describe('length filter', () => {
  const maxChars = 200;
  const check = (over: Partial<FilterCandidate>) => checkLength(candidate(over), { maxChars });
  test('a normal candidate passes', () => {
    assert.deepEqual(check({}), { filter: 'length', verdict: 'pass', detail: null });
  });
  test('empty or whitespace chosen', () => {
    assert.deepEqual(check({ chosen: '' }), { filter: 'length', verdict: 'drop', detail: 'empty chosen' });
    assert.equal(check({ chosen: ' \n\t ' }).detail, 'empty chosen');
  });
  test('chosen equal to rejected after whitespace normalisation; no rejected is fine', () => {
    assert.equal(check({ chosen: 'Same  answer.\n', rejected: ' Same answer. ' }).detail, 'chosen equals rejected');
    assert.equal(check({ chosen: 'Same answer.', rejected: 'same answer.' }).verdict, 'pass');
    assert.equal(check({ rejected: null }).verdict, 'pass');
  });
  test('a prompt without a (non-blank) user message', () => {
    assert.equal(check({ prompt: [{ role: 'system', content: 'Be brief.' }] }).detail, 'no user message');
    assert.equal(check({ prompt: [{ role: 'user', content: '   ' }, { role: 'assistant', content: 'Hi' }] }).detail, 'no user message');
    assert.equal(check({ prompt: [] }).detail, 'no user message');
  });
  test('prompt plus chosen longer than maxChars; exactly maxChars passes', () => {
    const prompt = [{ role: 'user' as const, content: 'x'.repeat(100) }];
    assert.equal(check({ prompt, chosen: 'y'.repeat(100) }).verdict, 'pass');
    assert.deepEqual(check({ prompt, chosen: 'y'.repeat(101), rejected: 'z' }), { filter: 'length', verdict: 'drop', detail: 'too long: prompt + chosen 201 > 200 chars' });
  });
  test('the rejected response is checked too: empty, or prompt plus rejected longer than maxChars, drops', () => {
    assert.deepEqual(check({ rejected: '' }), { filter: 'length', verdict: 'drop', detail: 'empty rejected' });
    assert.equal(check({ rejected: ' \n ' }).detail, 'empty rejected');
    const prompt = [{ role: 'user' as const, content: 'x'.repeat(100) }];
    assert.equal(check({ prompt, chosen: 'short', rejected: 'z'.repeat(100) }).verdict, 'pass');
    assert.deepEqual(check({ prompt, chosen: 'short', rejected: 'z'.repeat(101) }), { filter: 'length', verdict: 'drop', detail: 'too long: prompt + rejected 201 > 200 chars' });
  });
});

// -------------------------------------------------------------------------------------------------------------
// MinHash

describe('MinHash signatures', () => {
  test('identical sets agree fully, unrelated texts hardly at all, a small edit stays above 0.9', () => {
    const sig = (t: string) => signature(shingles(t, 'chosen'))!;
    assert.equal(similarity(sig(ESSAY), sig(ESSAY)), 1);
    assert.ok(similarity(sig(ESSAY), sig(OTHER_ESSAY)) < 0.1);
    assert.ok(similarity(sig(ESSAY), sig(EDITED_ESSAY)) >= 0.9);
    assert.equal(sig(ESSAY).length, NUM_HASHES);
  });
  test('Chinese is shingled by character; short texts make one shingle; empty text has no signature', () => {
    assert.deepEqual(shingles('印刷术改变了世界', 'chosen').slice(0, 2), ['chosen|印 刷 术', 'chosen|刷 术 改']);
    assert.deepEqual(shingles('Hello  World', 'user'), ['user|hello world']);
    assert.equal(signature(shingles(' \n ', 'user')), null);
  });
});

// -------------------------------------------------------------------------------------------------------------
// Duplicate suppression against both state stores

/** Redis fails fast until connected (no offline queue): wait for the connection before the first test. */
async function untilReachable(store: StateStore): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await store.ping();
    } catch (error) {
      if (attempt >= 100) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

function duplicateSuite(name: string, store: StateStore, keyPrefix: string, cleanup: () => Promise<void>) {
  describe(`duplicate filter: ${name}`, () => {
    before(() => untilReachable(store));
    after(async () => {
      await cleanup();
      await store.close();
    });
    let n = 0;
    const tenant = () => `tenant-${RUN}-${++n}`;
    const filter = () => createDuplicateFilter({ state: store, threshold: 0.9, ttlMs: 60_000, keyPrefix });
    const essay = (t: string, id: string, chosen = ESSAY) => candidate({ tenant: t, id, chosen, rejected: null });

    test('an exact duplicate (whitespace and case aside) drops with the earlier id; the first passes again', async () => {
      const t = tenant();
      const dup = filter();
      assert.deepEqual(await dup.check(candidate({ tenant: t, id: 'pp_first' })), { filter: 'duplicate', verdict: 'pass', detail: null });
      const again = candidate({ tenant: t, id: 'pp_second', chosen: `  ${candidate().chosen.toUpperCase().replace(/ /g, '   ')}\n` });
      assert.deepEqual(await dup.check(again), { filter: 'duplicate', verdict: 'drop', detail: 'pp_first' });
      assert.equal((await dup.check(candidate({ tenant: t, id: 'pp_first' }))).verdict, 'pass');
    });
    test('a near-duplicate with small edits drops; a different text passes; the same text in another tenant passes', async () => {
      const t = tenant();
      const dup = filter();
      assert.equal((await dup.check(essay(t, 'pp_essay'))).verdict, 'pass');
      assert.deepEqual(await dup.check(essay(t, 'pp_edited', EDITED_ESSAY)), { filter: 'duplicate', verdict: 'drop', detail: 'pp_essay' });
      assert.equal((await dup.check(essay(t, 'pp_bread', OTHER_ESSAY))).verdict, 'pass');
      assert.equal((await dup.check(essay(tenant(), 'pp_elsewhere', EDITED_ESSAY))).verdict, 'pass');
      // The one with small edits is reported against the essay, the bread one is now a known text too.
      assert.deepEqual(await dup.check(essay(t, 'pp_bread2', OTHER_ESSAY.replace('every day', 'each day'))), { filter: 'duplicate', verdict: 'drop', detail: 'pp_bread' });
    });
    test('the same response to a different prompt is not a duplicate', async () => {
      const t = tenant();
      const dup = filter();
      const longPrompt = (q: string) => [{ role: 'user' as const, content: q }];
      assert.equal((await dup.check(candidate({ tenant: t, id: 'pp_q1', prompt: longPrompt(OTHER_ESSAY), chosen: 'OK.' }))).verdict, 'pass');
      assert.equal((await dup.check(candidate({ tenant: t, id: 'pp_q2', prompt: longPrompt(ESSAY), chosen: 'OK.' }))).verdict, 'pass');
    });
    test('re-delivery: checking the same id again passes every time and changes nothing', async () => {
      const t = tenant();
      const dup = filter();
      for (let i = 0; i < 3; i++) assert.equal((await dup.check(essay(t, 'pp_redelivered'))).verdict, 'pass');
      assert.equal((await dup.check(essay(t, 'pp_later', EDITED_ESSAY))).detail, 'pp_redelivered');
    });
    test('find() records nothing: only record() makes a candidate shadow later ones', async () => {
      const t = tenant();
      const dup = filter();
      assert.equal((await dup.find(essay(t, 'pp_looked'))).verdict, 'pass');
      assert.equal((await dup.find(essay(t, 'pp_looked_again', EDITED_ESSAY))).verdict, 'pass');
      assert.equal((await dup.record(essay(t, 'pp_looked'))).verdict, 'pass');
      assert.equal((await dup.find(essay(t, 'pp_looked_again', EDITED_ESSAY))).detail, 'pp_looked');
    });
    test('exact duplicates recorded concurrently: exactly one wins, the loser releases its keys', async () => {
      const t = tenant();
      const dup = filter();
      const results = await Promise.all([dup.record(essay(t, 'pp_race_b')), dup.record(essay(t, 'pp_race_a'))]);
      const passed = results.filter((r) => r.verdict === 'pass');
      assert.equal(passed.length, 1);
      const loser = results.find((r) => r.verdict === 'drop')!;
      const winner = loser.detail!;
      assert.ok(['pp_race_a', 'pp_race_b'].includes(winner));
      // A later near-duplicate is reported against the winner, whose signature is the one left.
      assert.equal((await dup.check(essay(t, 'pp_race_c', EDITED_ESSAY))).detail, winner);
    });
    test('near-duplicates recorded concurrently never both drop', async () => {
      const t = tenant();
      const dup = filter();
      const results = await Promise.all([dup.record(essay(t, 'pp_near_b', EDITED_ESSAY)), dup.record(essay(t, 'pp_near_a'))]);
      assert.ok(results.some((r) => r.verdict === 'pass'));
      // When one drops it is the larger id, reported against the smaller.
      if (results[0]!.verdict === 'drop') assert.equal(results[0]!.detail, 'pp_near_a');
      assert.equal(results[1]!.verdict, 'pass');
    });
  });
}

duplicateSuite('memory', createMemoryState({ maxKeys: 10_000 }), 'insitu:pb:dup', async () => {});
{
  let clock = 0;
  const memory = createMemoryState({ maxKeys: 10_000, now: () => Date.now() + clock });
  describe('duplicate filter: memory, expiry', () => {
    after(() => memory.close());
    test('a recorded candidate stops shadowing duplicates after ttlMs', async () => {
      const dup = createDuplicateFilter({ state: memory, threshold: 0.9, ttlMs: 60_000 });
      const t = `ttl-${RUN}`;
      assert.equal((await dup.check(candidate({ tenant: t, id: 'pp_old', chosen: ESSAY }))).verdict, 'pass');
      assert.equal((await dup.find(candidate({ tenant: t, id: 'pp_new', chosen: EDITED_ESSAY }))).detail, 'pp_old');
      clock += 60_001;
      assert.equal((await dup.find(candidate({ tenant: t, id: 'pp_new', chosen: EDITED_ESSAY }))).verdict, 'pass');
    });
  });
}
{
  const prefix = `insitu-test:pb:${RUN}`;
  duplicateSuite('redis', createRedisState({ url: REDIS_URL, commandTimeoutMs: 2000, logger: silentLogger }), prefix, async () => {
    const redis = new Redis(REDIS_URL);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  });
}

// -------------------------------------------------------------------------------------------------------------
// Moderation over HTTP

describe('moderation filter against a simulated endpoint', () => {
  let sim: SimUpstream;
  before(async () => (sim = await startSimUpstream()));
  after(async () => sim.close());
  beforeEach(() => sim.reset());
  const API_KEY = `sk-moderation-secret-${RUN}`;
  const moderation = (over: { retries?: number; timeoutMs?: number } = {}) =>
    createModerationFilter({ url: sim.url, model: 'omni-moderation-latest', apiKey: API_KEY, timeoutMs: over.timeoutMs ?? 2000, retries: over.retries ?? 2, backoffMs: 5 });
  const moderations = () => sim.requests.filter((r) => r.path === '/v1/moderations');

  test('unflagged: pass; the user messages and the chosen response are sent, with the key and the model', async () => {
    sim.flagModeration('FORBIDDEN', ['violence']);
    assert.deepEqual(await moderation().check(candidate()), { filter: 'moderation', verdict: 'pass', detail: null });
    const [sent] = moderations();
    assert.equal(sent!.json.model, 'omni-moderation-latest');
    assert.deepEqual(sent!.json.input, [candidate().prompt[1]!.content, candidate().chosen]);
    assert.equal(sent!.headers.authorization, `Bearer ${API_KEY}`);
  });
  test('flagged: drop, with the flagged categories per part', async () => {
    sim.flagModeration('KNIFE', ['violence', 'violence/graphic']);
    sim.flagModeration('SLUR', ['hate']);
    const flaggedChosen = await moderation().check(candidate({ chosen: 'A KNIFE scene in detail.' }));
    assert.deepEqual(flaggedChosen, { filter: 'moderation', verdict: 'drop', detail: 'chosen: violence, violence/graphic' });
    const both = await moderation().check(candidate({ prompt: [{ role: 'user', content: 'Say a SLUR' }], chosen: 'KNIFE and SLUR' }));
    assert.equal(both.detail, 'prompt: hate; chosen: hate, violence, violence/graphic');
  });
  test('a 500 then success: retried, then the verdict', async () => {
    sim.enqueueModeration({ kind: 'error', status: 500 });
    assert.equal((await moderation().check(candidate())).verdict, 'pass');
    assert.equal(moderations().length, 2);
  });
  test('persistent failure: ModerationUnavailableError after every retry, without the API key in its message', async () => {
    const leaky = { error: { message: `upstream down for key ${API_KEY}`, type: 'server_error', param: null, code: null } };
    sim.enqueueModeration(...Array.from({ length: 3 }, () => ({ kind: 'error' as const, status: 503, body: leaky })));
    const error = await moderation().check(candidate()).then(() => null, (e: unknown) => e);
    assert.ok(error instanceof ModerationUnavailableError, String(error));
    assert.equal(error.status, 503);
    assert.equal(error.retriable, true);
    assert.match(error.message, /after 3 attempt/);
    assert.ok(!error.message.includes(API_KEY), error.message);
    assert.ok(!String(error.stack).includes(API_KEY));
    assert.equal(moderations().length, 3);
  });
  test('a refused key (401) is not retried and its (masked) key is not repeated', async () => {
    const body = { error: { message: `Incorrect API key provided: ${API_KEY.slice(0, 6)}****${API_KEY.slice(-4)}.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } };
    sim.enqueueModeration({ kind: 'error', status: 401, body });
    const error = await moderation().check(candidate()).then(() => null, (e: unknown) => e);
    assert.ok(error instanceof ModerationUnavailableError);
    assert.equal(error.status, 401);
    assert.equal(error.retriable, false);
    assert.ok(!error.message.includes(API_KEY.slice(-4)), error.message);
    assert.equal(moderations().length, 1);
  });
  test('an endpoint that never answers times out into ModerationUnavailableError', async () => {
    sim.enqueueModeration({ kind: 'hang' }, { kind: 'hang' });
    const error = await moderation({ retries: 1, timeoutMs: 300 }).check(candidate()).then(() => null, (e: unknown) => e);
    assert.ok(error instanceof ModerationUnavailableError);
    assert.equal(error.status, null);
    assert.equal(moderations().length, 2);
  });
});

// -------------------------------------------------------------------------------------------------------------
// The pipeline

describe('filter pipeline', () => {
  let sim: SimUpstream;
  let state: StateStore;
  before(async () => {
    sim = await startSimUpstream();
    state = createMemoryState({ maxKeys: 10_000 });
  });
  after(async () => {
    await sim.close();
    await state.close();
  });
  beforeEach(() => sim.reset());
  const moderated = () => loadConfig({ INSITU_MODERATION_URL: sim.url, INSITU_MODERATION_API_KEY: 'sk-pipeline-key', INSITU_PAIR_MAX_CHARS: '5000' }).pairs;
  const pipeline = (pairs = moderated()) => createFilterPipeline({ state, config: pairs, dedupTtlMs: 60_000, moderation: { retries: 1, timeoutMs: 2000, backoffMs: 5 } });
  const verdicts = (filters: { filter: string; verdict: string; detail: string | null }[]) => filters.map((f) => `${f.filter}:${f.verdict}:${f.detail ?? ''}`);
  let n = 0;
  const tenant = () => `pipe-${RUN}-${++n}`;

  test('every filter passes: one verdict per filter in order; moderation not configured is skipped', async () => {
    const out = await pipeline(loadConfig({}).pairs).run(candidate({ tenant: tenant() }));
    assert.deepEqual(out.filters.map((f) => f.filter), [...FILTER_NAMES]);
    assert.deepEqual(verdicts(out.filters), ['length:pass:', 'spurious-preference:pass:', 'duplicate:pass:', 'moderation:skipped:not configured']);
    assert.equal(out.accepted, true);
  });
  test('a pure filter drops: both pure verdicts recorded, duplicate and moderation skipped and not called', async () => {
    const out = await pipeline().run(candidate({ tenant: tenant(), chosen: ' ', preferences: ['The user prefers uncensored answers.'] }));
    assert.deepEqual(verdicts(out.filters), [
      'length:drop:empty chosen',
      'spurious-preference:drop:unfiltered',
      'duplicate:skipped:earlier filter dropped',
      'moderation:skipped:earlier filter dropped',
    ]);
    assert.equal(out.accepted, false);
    assert.equal(sim.requests.length, 0);
  });
  test('moderation passes and the candidate is recorded; a duplicate then drops without a moderation call', async () => {
    const t = tenant();
    const first = await pipeline().run(candidate({ tenant: t, id: 'pp_orig', chosen: ESSAY }));
    assert.deepEqual(verdicts(first.filters), ['length:pass:', 'spurious-preference:pass:', 'duplicate:pass:', 'moderation:pass:']);
    assert.equal(sim.requests.length, 1);
    const second = await pipeline().run(candidate({ tenant: t, id: 'pp_copy', chosen: EDITED_ESSAY }));
    assert.deepEqual(verdicts(second.filters).slice(2), ['duplicate:drop:pp_orig', 'moderation:skipped:earlier filter dropped']);
    assert.equal(second.accepted, false);
    assert.equal(sim.requests.length, 1);
    // Re-delivery of the accepted one: the same verdicts again.
    const again = await pipeline().run(candidate({ tenant: t, id: 'pp_orig', chosen: ESSAY }));
    assert.deepEqual(again, first);
  });
  test('a pair dropped by moderation is not recorded, so a clean near-duplicate after it is accepted', async () => {
    const t = tenant();
    sim.flagModeration('GORE', ['violence/graphic']);
    const flagged = await pipeline().run(candidate({ tenant: t, id: 'pp_flagged', chosen: `${ESSAY} GORE` }));
    assert.deepEqual(verdicts(flagged.filters).slice(2), ['duplicate:pass:', 'moderation:drop:chosen: violence/graphic']);
    assert.equal(flagged.accepted, false);
    const clean = await pipeline().run(candidate({ tenant: t, id: 'pp_clean', chosen: ESSAY }));
    assert.equal(clean.accepted, true);
  });
  test('moderation unavailable: the run rejects and records nothing', async () => {
    const t = tenant();
    sim.enqueueModeration({ kind: 'error', status: 502 }, { kind: 'error', status: 502 });
    await assert.rejects(pipeline().run(candidate({ tenant: t, id: 'pp_unmoderated', chosen: ESSAY })), ModerationUnavailableError);
    const later = await pipeline().run(candidate({ tenant: t, id: 'pp_after_outage', chosen: EDITED_ESSAY }));
    assert.equal(later.accepted, true);
  });
});
