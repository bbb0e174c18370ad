// Preference summarisation: the local summariser on English and Chinese feedback (deterministic, no network),
// the model answer reader, and the A.2 summariser against a simulated OpenAI-compatible model over real HTTP
// with the official SDK (good, fenced, listed, repaired, retried and failing answers; fallback to local).
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatMessage } from '../src/events/chat.js';
import type { DsatRubric } from '../src/feedback/rubrics.js';
import { createLogger } from '../src/log.js';
import {
  createPreferenceSummarizer,
  findQueryTurn,
  PreferenceAnswerError,
  readPreferenceAnswer,
  summarizePreferencesLocally,
  type PreferenceInput,
} from '../consumers/preference-builder/preferences/index.js';
import { startSimUpstream, type SimUpstream } from './support/sim-upstream.js';

const input = (followUp: string, dissatisfaction: DsatRubric[], evidence: string | null = null, history?: ChatMessage[]): PreferenceInput => ({
  history: history ?? [{ role: 'user', content: 'Explain how HTTP caching works.' }],
  rejected: 'HTTP caching is a mechanism ... (a long answer)',
  followUp,
  feedback: { dissatisfaction, satisfaction: [], evidence, state: 'FEEDBACK', summary: 'The user objects.' },
});

const local = (followUp: string, dissatisfaction: DsatRubric[], evidence: string | null = null) => summarizePreferencesLocally(input(followUp, dissatisfaction, evidence)).preferences;

describe('local summariser', () => {
  // [follow-up, labels, a preference that must be among the results]
  const cases: [string, DsatRubric[], string | RegExp][] = [
    // length
    ['too long, shorter please', ['style'], 'The user prefers shorter, more concise responses.'],
    ['太长了，简短一点', ['style'], 'The user prefers shorter, more concise responses.'],
    ['more detail please, this is too vague', ['insufficient_detail'], 'The user wants a longer, more detailed and specific answer.'],
    ['能不能详细一点', ['insufficient_detail'], 'The user wants a longer, more detailed and specific answer.'],
    // format
    ['use bullet points', ['style'], 'The user wants the answer formatted as bullet points.'],
    ['用列表', ['style'], 'The user wants the answer formatted as bullet points.'],
    ['no bullet points please, one paragraph', ['style'], 'The user wants the answer written as continuous prose, not as a list.'],
    ['put it in a table', ['style'], 'The user wants the answer formatted as a table.'],
    // correction
    ['no, I meant Python 3 not 2', ['revision'], 'The user wants the answer to use Python 3, not Python 2.'],
    ['I meant the city in Texas, not the one in France', ['revision'], 'The user clarified that they meant the city in Texas, not the one in France.'],
    ["please don't use emojis", ['style'], 'The user does not want the assistant to use emojis.'],
    ['can you explain it without jargon', ['style'], 'The user wants the answer without jargon.'],
    ['in TypeScript please', ['revision'], 'The user wants the answer in TypeScript.'],
    ['I want you to write it as a haiku about my cat', ['revision'], 'The user wants the assistant to write it as a haiku about their cat.'],
    ['不是，我是说Python 3，不是Python 2', ['revision'], 'The user clarified what they meant: "我是说Python 3，不是Python 2".'],
    ['我要的是一首关于秋天的诗', ['revision'], 'The user stated what they want: "我要的是一首关于秋天的诗".'],
    // factual error (the evidence's sentence is quoted)
    ["That's wrong. The capital of Australia is Canberra, not Sydney.", ['factual_error'], 'The user expects factually correct information; the previous answer was wrong: "That\'s wrong".'],
    ['Thanks, but the capital of Australia is wrong.', ['factual_error'], /^The user expects factually correct information; the previous answer was wrong: "Thanks, but the capital of Australia is wrong"\.$/],
    ['不对，这个日期错了', ['factual_error'], /^The user expects factually correct information; the previous answer was wrong: "不对，这个日期错了"\.$/],
    ['it throws a TypeError: undefined is not a function', ['factual_error'], /^The user expects code that runs correctly; the previous code failed: "it throws a TypeError/],
    // language
    ['answer in Chinese', ['style'], 'The user wants responses in Chinese.'],
    ['用中文回答', ['style'], 'The user wants responses in Chinese.'],
    ['please reply in English only', ['style'], 'The user wants responses in English.'],
    // tone and politeness
    ['too formal, more casual please', ['style'], 'The user prefers a more casual, natural and conversational tone.'],
    ['请写得正式一点', ['style'], 'The user prefers a more formal, professional tone.'],
    ["you're being rude and condescending", ['negative_feedback'], 'The user wants a respectful tone, without lecturing or condescension.'],
    ['不要说教', ['style'], 'The user wants a respectful tone, without lecturing or condescension.'],
    ['stop apologizing and just answer', ['style'], 'The user wants a direct answer without apologies, disclaimers or filler.'],
    // incomplete answer
    ['the code is incomplete, give me the full code', ['insufficient_detail'], 'The user wants a complete answer, not one that is cut off or missing parts.'],
    ['没写完，继续', ['insufficient_detail'], 'The user wants a complete answer, not one that is cut off or missing parts.'],
    // repetition, ignored instruction
    ['you keep repeating the same answer', ['revision'], 'The user does not want the assistant to repeat itself or give the same answer again.'],
    ['又重复了', ['revision'], 'The user does not want the assistant to repeat itself or give the same answer again.'],
    ['You ignored my instruction. I said no more than 3 sentences.', ['ignored'], 'The user wants their original instruction followed: "no more than 3 sentences".'],
    ['You ignored my instruction. I said no more than 3 sentences.', ['ignored'], 'The user wants their instructions followed exactly and their actual question answered.'],
    ['答非所问', ['ignored'], 'The user wants their instructions followed exactly and their actual question answered.'],
    // labels without specific words: a sentence from the label
    ["why can't you just do it?", ['unrealistic_expectation'], 'The user expects the assistant to help with the request as far as it can instead of only stating a limitation.'],
    ['whatever', ['no_engagement'], 'The user prefers a direct answer to what they asked, without unsolicited questions or offers.'],
    ['the old version was better', ['lower_quality'], 'The user expects an answer at least as good as earlier ones or other tools: "the old version was better".'],
    ['this is useless', ['negative_feedback'], 'The user was unhappy with the previous answer and wants a better one: "this is useless".'],
    ['hmm', ['factual_error'], 'The user expects factually correct information; the previous answer was wrong: "hmm".'],
    // edges: nothing to quote, emoji, an angry "what is wrong with you" that is not a factual complaint
    ['```\nfoo()\n```', ['negative_feedback'], 'The user was unhappy with the previous answer and wants a better one.'],
    ['stop using so many emojis 🙄', ['style'], 'The user wants the assistant to stop using so many emojis.'],
    ['What is wrong with you, I told you to use metric units', ['negative_feedback', 'ignored'], 'The user had asked the assistant to use metric units.'],
  ];
  for (const [followUp, labels, expected] of cases) {
    test(`${JSON.stringify(followUp)} -> ${String(expected)}`, () => {
      const preferences = local(followUp, labels, labels.includes('factual_error') && followUp.startsWith("That's wrong") ? "That's wrong" : null);
      if (typeof expected === 'string') assert.ok(preferences.includes(expected), `got ${JSON.stringify(preferences)}`);
      else assert.ok(preferences.some((p) => expected.test(p)), `got ${JSON.stringify(preferences)}`);
    });
  }

  test('every sentence is complete, short, deduplicated; 1-4 for a dissatisfied input; deterministic', () => {
    for (const [followUp, labels] of cases) {
      const a = local(followUp, labels);
      assert.deepEqual(local(followUp, labels), a);
      assert.ok(a.length >= 1 && a.length <= 4, `${followUp}: ${a.length}`);
      assert.equal(new Set(a).size, a.length);
      for (const p of a) {
        assert.match(p, /^[A-Z].*\.$/s, p);
        assert.ok(p.length <= 200, `${p.length}: ${p}`);
      }
    }
  });

  test('several wishes in one message give several sentences, in the order the user said them', () => {
    assert.deepEqual(local('Too long and too formal. Use bullet points, and answer in Chinese.', ['style', 'revision']), [
      'The user prefers shorter, more concise responses.',
      'The user prefers a more casual, natural and conversational tone.',
      'The user wants the answer formatted as bullet points.',
      'The user wants responses in Chinese.',
    ]);
  });

  test('secrets, pasted code and long pastes never reach a sentence', () => {
    const paste = `no, my api key is sk-proj-abcdefghijklmnopqrstuvwx and it still fails with password=hunter2 \`\`\`\nconst secretToken = 'zzz';\n\`\`\` ${'lorem ipsum dolor sit amet '.repeat(40)}`;
    const preferences = local(paste, ['negative_feedback']);
    assert.ok(preferences.length >= 1);
    for (const p of preferences) {
      assert.ok(!p.includes('sk-proj') && !p.includes('hunter2') && !p.includes('secretToken'), p);
      assert.ok(p.length <= 200, p);
    }
  });

  test('a follow-up with no dissatisfaction and no request gives no preference', () => {
    assert.deepEqual(local('thanks, that was perfect', []), []);
  });

  test('query turn: the first attempt before feedback, stepping back over earlier complaints', () => {
    const history: ChatMessage[] = [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Write a poem about autumn leaves.' },
      { role: 'assistant', content: 'Autumn leaves are falling down, twenty long stanzas ...' },
      { role: 'user', content: 'Too long, make it much shorter please.' },
    ];
    assert.equal(findQueryTurn(history), 1);
    assert.equal(summarizePreferencesLocally(input('still too long', ['style'], null, history)).queryTurn, 1);
    const newTopic: ChatMessage[] = [
      { role: 'user', content: 'What is the capital of Norway?' },
      { role: 'assistant', content: 'Oslo.' },
      { role: 'user', content: 'Write a haiku about the sea.' },
    ];
    assert.equal(findQueryTurn(newTopic), 2);
    assert.equal(findQueryTurn([{ role: 'system', content: 'x' }]), null);
  });
});

describe('reading the model answer', () => {
  const history: ChatMessage[] = [
    { role: 'user', content: 'q0' },
    { role: 'assistant', content: 'a1' },
    { role: 'user', content: 'q2' },
  ];
  test('one object, fenced, with chatter around it', () => {
    const r = readPreferenceAnswer('Sure [see below]:\n```json\n{"query": 2, "preferences": [" The user prefers short answers. "]}\n```\nDone.', history);
    assert.deepEqual(r.value, { preferences: ['The user prefers short answers.'], queryTurn: 2 });
    assert.deepEqual(r.repairs, []);
  });
  test("A.2's list form, strings only, query checked", () => {
    const r = readPreferenceAnswer('[{"query": "turn 0", "preferences": ["A.", 3, "", "A.", "B."]}]', history);
    assert.deepEqual(r.value, { preferences: ['A.', 'B.'], queryTurn: 0 });
    assert.equal(r.repairs?.length, 3);
    assert.equal(readPreferenceAnswer('{"query": 1, "preferences": ["A."]}', history).value.queryTurn, null);
    assert.equal(readPreferenceAnswer('{"query": 7, "preferences": ["A."]}', history).value.queryTurn, null);
    assert.equal(readPreferenceAnswer('{"preferences": ["A."]}', history).value.queryTurn, null);
  });
  test('no usable preference is unreadable (retriable)', () => {
    for (const bad of ['The user wants it short.', '{"query": 0, "preferences": []}', '{"query": 0, "preferences": ["", 5]}', '{"query": 0, "preferences": "short"}', '[]', '42']) {
      assert.throws(() => readPreferenceAnswer(bad, history), (e: unknown) => e instanceof PreferenceAnswerError && e.retriable, bad);
    }
  });
});

describe('model summariser over HTTP', () => {
  let sim: SimUpstream;
  before(async () => (sim = await startSimUpstream()));
  after(async () => sim.close());
  beforeEach(() => sim.reset());

  const judge = (url: string) => ({ url, model: 'pref-model', apiKey: 'pref-secret-key', timeoutMs: 2000, retries: 2, concurrency: 2 });
  const summarizer = (logs: string[] = []) =>
    createPreferenceSummarizer({ judge: judge(sim.url), backoffMs: 5, logger: createLogger({ level: 'debug', write: (l) => logs.push(l) }) });
  const history: ChatMessage[] = [
    { role: 'user', content: 'Write a poem about autumn leaves.' },
    { role: 'assistant', content: 'Autumn leaves, twenty stanzas ...' },
    { role: 'user', content: 'Shorter please.' },
  ];
  const dsat = input('Still too long! Four lines at most.', ['style', 'revision'], 'Still too long', history);
  const good = JSON.stringify({ query: 0, preferences: ['The user prefers short poems of at most four lines.', 'The user wants their length limit respected.'] });

  test('a good answer: the preferences, the query turn, the model as author; the request carries the conversation', async () => {
    sim.enqueue({ kind: 'completion', content: good, usage: { prompt_tokens: 420, completion_tokens: 35 } });
    const s = summarizer();
    assert.equal(s.by, 'pref-model');
    const r = await s.summarize(dsat);
    assert.deepEqual(r, { preferences: ['The user prefers short poems of at most four lines.', 'The user wants their length limit respected.'], queryTurn: 0, by: 'pref-model' });
    const sent = sim.requests[0]!.json;
    assert.equal(sent.model, 'pref-model');
    assert.equal(sim.requests[0]!.headers.authorization, 'Bearer pref-secret-key');
    const prompt: string = sent.messages[1].content;
    assert.match(prompt, /\[turn 0\] user: Write a poem about autumn leaves\./);
    assert.match(prompt, /\[turn 2\] user: Shorter please\./);
    assert.match(prompt, /\[turn 3\] assistant .*: HTTP caching is a mechanism/);
    assert.match(prompt, /\[turn 4\] user .*: Still too long! Four lines at most\./);
    assert.match(prompt, /"preferences"/);
    assert.match(prompt, /unsafe/);
    const stats = s.stats();
    assert.deepEqual([stats.byModel, stats.byLocal, stats.fallbacks, stats.llm?.promptTokens, stats.llm?.completionTokens], [1, 0, 0, 420, 35]);
  });

  test('a fenced answer with trailing text is read', async () => {
    sim.enqueue({ kind: 'completion', content: 'Here you go:\n```json\n' + good + '\n```\nLet me know if you need more.' });
    const r = await summarizer().summarize(dsat);
    assert.equal(r.preferences.length, 2);
    assert.equal(sim.requests.length, 1);
  });

  test("A.2's list-of-objects answer is read", async () => {
    sim.enqueue({ kind: 'completion', content: `[${good}]` });
    const r = await summarizer().summarize(dsat);
    assert.deepEqual([r.queryTurn, r.preferences.length, r.by], [0, 2, 'pref-model']);
  });

  test('a query that is not a user turn is repaired to null and counted', async () => {
    sim.enqueue({ kind: 'completion', content: JSON.stringify({ query: 1, preferences: ['The user prefers short poems.'] }) });
    const s = summarizer();
    const r = await s.summarize(dsat);
    assert.equal(r.queryTurn, null);
    assert.deepEqual(r.preferences, ['The user prefers short poems.']);
    assert.equal(s.stats().llm?.repairs, 1);
    assert.equal(sim.requests.length, 1);
  });

  test('empty preferences are retried, then the good answer is used', async () => {
    sim.enqueue({ kind: 'completion', content: '{"query": 0, "preferences": []}' }, { kind: 'completion', content: good });
    const s = summarizer();
    const r = await s.summarize(dsat);
    assert.equal(r.by, 'pref-model');
    assert.equal(sim.requests.length, 2);
    assert.equal(s.stats().llm?.retries, 1);
  });

  test('a 500 is retried, then the good answer is used', async () => {
    sim.enqueue({ kind: 'error', status: 500 }, { kind: 'completion', content: good });
    const s = summarizer();
    const r = await s.summarize(dsat);
    assert.equal(r.by, 'pref-model');
    assert.equal(sim.requests.length, 2);
    assert.deepEqual([s.stats().llm?.retries, s.stats().fallbacks], [1, 0]);
  });

  test('persistent garbage falls back to the local summary after the retries, counted', async () => {
    sim.enqueue({ kind: 'completion', content: 'I cannot decide.' }, { kind: 'completion', content: '{"preferences": [1, 2]}' }, { kind: 'completion', content: 'nope' });
    const s = summarizer();
    const r = await s.summarize(dsat);
    assert.deepEqual(r, summarizePreferencesLocally(dsat));
    assert.equal(r.by, 'local');
    assert.ok(r.preferences.includes('The user prefers shorter, more concise responses.'));
    assert.equal(sim.requests.length, 3);
    const stats = s.stats();
    assert.deepEqual([stats.summaries, stats.byModel, stats.byLocal, stats.fallbacks, stats.llm?.failures, stats.llm?.calls], [1, 0, 1, 1, 1, 3]);
  });

  test('a client error is not retried; the fallback is logged without the API key', async () => {
    sim.enqueue({ kind: 'error', status: 400, body: { error: { message: 'bad request for key pref-secret-key', type: 'invalid_request_error', param: null, code: null } } });
    const logs: string[] = [];
    const r = await summarizer(logs).summarize(dsat);
    assert.equal(r.by, 'local');
    assert.equal(sim.requests.length, 1);
    assert.ok(logs.some((l) => l.includes('bad request for key')), logs.join('\n'));
    assert.ok(logs.every((l) => !l.includes('pref-secret-key')), logs.join('\n'));
  });

  test('without a model configured, summaries are local and nothing is sent', async () => {
    const s = createPreferenceSummarizer({ judge: undefined });
    assert.equal(s.by, 'local');
    const r = await s.summarize(dsat);
    assert.equal(r.by, 'local');
    assert.equal(sim.requests.length, 0);
    assert.equal(s.stats().llm, null);
  });
});
