// The local feedback detector and its evaluation: pure tests, no I/O.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CONVERSATION_STATES,
  DOMAINS,
  DSAT_RUBRICS,
  INTENTS,
  POLARITIES,
  RUBRIC_DEFINITIONS,
  SAT_RUBRICS,
} from '../src/feedback/rubrics.js';
import type { Detection, DetectionInput, Detector } from '../consumers/feedback-detector/detector.js';
import {
  binaryMetrics,
  cohenKappa,
  evaluateDetector,
  evaluateSync,
  formatTable6,
  labelledTurns,
  splitOf,
  type LabelledConversation,
} from '../consumers/feedback-detector/evaluate.js';
import { guessDomain } from '../consumers/feedback-detector/local/domain.js';
import { createLocalDetector, detectLocally } from '../consumers/feedback-detector/local/index.js';

const CODE_ANSWER = 'Here is a Python function that sorts the list with merge sort, followed by an explanation of each step.';

function judge(followUp: string, response = CODE_ANSWER, history: DetectionInput['history'] = [{ role: 'user', content: 'Write a sort function in Python.' }]) {
  return detectLocally({ history, response, followUp });
}

function assertWellFormed(d: Detection, followUp: string): void {
  assert.ok(POLARITIES.includes(d.polarity));
  assert.ok(CONVERSATION_STATES.includes(d.state));
  assert.ok(INTENTS.includes(d.intent));
  assert.ok(DOMAINS.includes(d.domain));
  assert.ok(d.confidence >= 0 && d.confidence <= 1, `confidence ${d.confidence}`);
  assert.equal(typeof d.summary, 'string');
  assert.ok(d.summary.length > 0 && !d.summary.slice(0, -1).includes('. '), 'one sentence');
  if (d.polarity === 'NONE') {
    assert.equal(d.evidence, null);
    assert.deepEqual([d.satisfaction, d.dissatisfaction], [[], []]);
  } else {
    assert.ok(d.evidence !== null && followUp.includes(d.evidence), `evidence ${JSON.stringify(d.evidence)} is a span of the follow-up`);
  }
}

function expectSat(followUp: string, rubric: (typeof SAT_RUBRICS)[number], opts: { response?: string } = {}) {
  const d = judge(followUp, opts.response);
  assertWellFormed(d, followUp);
  assert.equal(d.polarity, 'SAT', `${followUp} -> ${d.polarity} ${JSON.stringify(d)}`);
  assert.ok(d.satisfaction.includes(rubric), `${followUp}: expected ${rubric}, got ${d.satisfaction.join(',')}`);
  assert.equal(d.state, 'FEEDBACK');
  return d;
}

function expectDsat(followUp: string, rubric: (typeof DSAT_RUBRICS)[number], opts: { response?: string; history?: DetectionInput['history'] } = {}) {
  const d = judge(followUp, opts.response, opts.history);
  assertWellFormed(d, followUp);
  assert.ok(d.polarity === 'DSAT' || d.polarity === 'MIXED', `${followUp} -> ${d.polarity} ${JSON.stringify(d)}`);
  assert.ok(d.dissatisfaction.includes(rubric), `${followUp}: expected ${rubric}, got ${d.dissatisfaction.join(',')}`);
  return d;
}

describe('feedback label vocabularies', () => {
  it('has the 9 + 9 rubrics, 4 states, 4 intents, 50 domains and a definition for every label', () => {
    assert.equal(SAT_RUBRICS.length, 9);
    assert.equal(DSAT_RUBRICS.length, 9);
    assert.equal(CONVERSATION_STATES.length, 4);
    assert.equal(INTENTS.length, 4);
    assert.equal(DOMAINS.length, 50);
    assert.equal(new Set(DOMAINS).size, 50);
    assert.deepEqual([...POLARITIES], ['SAT', 'DSAT', 'MIXED', 'NONE']);
    for (const label of [...SAT_RUBRICS, ...DSAT_RUBRICS, ...CONVERSATION_STATES, ...INTENTS]) {
      assert.ok(RUBRIC_DEFINITIONS[label].length > 20, label);
    }
  });
});

describe('local detector: satisfaction rubrics (English)', () => {
  it('gratitude', () => void expectSat('Thank you so much, that was really helpful!', 'gratitude'));
  it('learning', () => void expectSat('Oh interesting, I did not know that. Good to know.', 'learning'));
  it('compliance', () => void expectSat("Ok, I'll try that now.", 'compliance'));
  it('praise', () => void expectSat('Perfect, this is exactly what I needed!', 'praise'));
  it('personal details', () =>
    void expectSat("That's great, my daughter has a science fair next week, so this is perfect for her project.", 'personal_details'));
  it('humor', () => void expectSat('Haha, you are funny 😂', 'humor'));
  it('acknowledgment', () => void expectSat('Got it, that makes sense.', 'acknowledgment'));
  it('positive closure', () => void expectSat("Great, that's all I needed. Have a nice day!", 'positive_closure'));
  it('getting there (with the remaining complaint: MIXED)', () => {
    const d = judge("That's better, but still too long.");
    assert.equal(d.polarity, 'MIXED');
    assert.ok(d.satisfaction.includes('getting_there'));
    assert.ok(d.dissatisfaction.length > 0);
  });
});

describe('local detector: dissatisfaction rubrics (English)', () => {
  it('negative feedback', () => void expectDsat("This is useless. You're not helping at all.", 'negative_feedback'));
  it('revision', () => void expectDsat('Can you rewrite it? Try again with a different approach.', 'revision'));
  it('factual error', () => void expectDsat("That's wrong, Python's built-in sort is Timsort, not merge sort.", 'factual_error'));
  it('unrealistic expectation', () =>
    void expectDsat("Why can't you just do it? You should be able to browse the internet.", 'unrealistic_expectation'));
  it('no engagement', () => void expectDsat('Whatever. Never mind.', 'no_engagement'));
  it('ignored', () => void expectDsat("You didn't answer my question at all.", 'ignored'));
  it('lower quality', () => void expectDsat('ChatGPT gave me a much better answer yesterday.', 'lower_quality'));
  it('insufficient detail', () => void expectDsat('Can you give more details and some examples?', 'insufficient_detail'));
  it('style', () => void expectDsat('Way too long. Bullet points please.', 'style'));
});

describe('local detector: negation, politeness, corrections, repeats', () => {
  it('reads negated cues the right way round', () => {
    assert.equal(judge('not helpful').polarity, 'DSAT');
    assert.ok(judge('That was not helpful at all.').dissatisfaction.includes('negative_feedback'));
    assert.equal(judge('Not bad, not bad at all!').polarity, 'SAT');
    const np = judge('No problem, thanks!', 'Sorry, I could not find any vegan restaurants nearby.');
    assert.equal(np.polarity, 'SAT');
    assert.ok(np.satisfaction.includes('acknowledgment'));
    assert.notEqual(judge("It isn't perfect.").polarity, 'SAT');
    assert.notEqual(judge("I don't like it.").polarity, 'SAT');
  });

  it('does not take politeness for praise: "thanks, but that\'s wrong"', () => {
    const d = judge("Thanks, but that's wrong.");
    assert.equal(d.polarity, 'DSAT');
    assert.ok(d.dissatisfaction.includes('factual_error'));
    assert.ok(!d.satisfaction.includes('gratitude'));
    assert.ok(d.evidence?.includes("that's wrong"));
    assert.equal(judge('Thanks! But the code does not compile.').polarity, 'DSAT');
  });

  it('mixed signals: merit granted, change requested', () => {
    const d = judge('Great answer, but can you make it shorter?');
    assert.equal(d.polarity, 'MIXED');
    assert.ok(d.satisfaction.includes('getting_there'));
    assert.ok(d.dissatisfaction.includes('style'));
  });

  it('corrections are revisions', () => {
    const d = expectDsat('No, I meant the other function, the one that parses dates.', 'revision');
    assert.equal(d.state, 'REFINEMENT');
    expectDsat('No, I need it for 4 people.', 'revision', {
      response: 'I will book a table for 2 at 7 pm at Luigi. Is that right?',
    });
  });

  it('a repeated request is a revision; repeated after a refusal, an unrealistic expectation', () => {
    const history = [{ role: 'user', content: 'How do I convert a string to a date in Java?' }];
    const d = expectDsat('How do I convert a string into a date in Java??', 'revision', {
      response: 'In Python you can use datetime.strptime.',
      history,
    });
    assert.equal(d.state, 'REFINEMENT');
    expectDsat('Please just tell me how to convert a string to a date in Java.', 'unrealistic_expectation', {
      response: "Sorry, I can't help with that.",
      history,
    });
  });

  it('style complaints', () => {
    for (const s of ['Too long.', 'Bullet points please.', 'In English please.', 'Can you make it more concise?']) {
      expectDsat(s, 'style');
    }
  });

  it('neutral continuations and new topics have polarity NONE', () => {
    for (const s of ['Now write a function that reverses a string.', 'What is the time complexity of this?', 'Can you also add type hints?']) {
      const d = judge(s);
      assertWellFormed(d, s);
      assert.equal(d.polarity, 'NONE', s);
    }
    // evaluative words that describe the requested task are not feedback on the last answer
    for (const s of ['Write a great cover letter for a nurse position.', 'Write a poem about a terrible, awful day.']) {
      assert.equal(judge(s).polarity, 'NONE', s);
    }
    // nor does pasted material, while a short closing remark after it still counts
    const pasted = 'Summarize this: ' + 'The committee thanked the volunteers for their excellent work. '.repeat(20);
    assert.equal(judge(pasted).polarity, 'NONE');
    assert.equal(judge('Here is what I got. It works, thanks!').polarity, 'SAT');
    const longComplaint = 'That is wrong. Here is the log: ' + 'frame '.repeat(300) + 'please fix it';
    const lc = judge(longComplaint);
    assert.equal(lc.polarity, 'DSAT');
    assert.ok(lc.evidence !== null && longComplaint.includes(lc.evidence) && lc.evidence.length < 200);
    const nt = judge('I also need a hotel in Paris for two nights.');
    assert.equal(nt.polarity, 'NONE');
    assert.equal(nt.state, 'NEWTOPIC');
  });
});

describe('local detector: Chinese cues', () => {
  it('satisfaction', () => {
    const d = judge('谢谢，太好了！');
    assert.equal(d.polarity, 'SAT');
    assert.ok(d.satisfaction.includes('gratitude') && d.satisfaction.includes('praise'));
    assert.equal(judge('不错，很有帮助').polarity, 'SAT');
    assert.ok(judge('明白了，原来如此。').satisfaction.includes('learning'));
  });

  it('dissatisfaction', () => {
    assert.ok(expectDsat('不对，你错了。', 'factual_error').evidence?.includes('不对'));
    expectDsat('太长了，简短一点。', 'style');
    expectDsat('你没有回答我的问题。', 'ignored');
    expectDsat('请重新写一遍。', 'revision');
    expectDsat('不太好，没什么用。', 'negative_feedback');
  });

  it('idioms with a negator are not negative', () => {
    assert.equal(judge('不好意思，我想再问一个问题').polarity, 'NONE');
    assert.equal(judge('没问题，谢谢！').polarity, 'SAT');
  });
});

describe('local detector: domain guesses', () => {
  // one conversation opening per domain of A.1 ('other' is what nothing matches)
  const openings: Record<Exclude<(typeof DOMAINS)[number], 'other'>, string> = {
    ai_machine_learning_and_data_science: 'How do I split a dataset for deep learning?',
    astrology: 'What does my horoscope say for a Scorpio?',
    biology_and_life_science: 'How does a cell copy its DNA?',
    business_and_marketing: 'Give me a marketing strategy for my startup.',
    career_and_job_application: 'Review my resume before the interview.',
    clothing_and_fashion: 'What outfit goes with these jeans?',
    cooking_food_and_drinks: 'A recipe for dinner tonight?',
    crafts: 'How do I knit a scarf for a beginner in crochet?',
    culture_and_history: 'Tell me the history of the Roman empire.',
    cybersecurity: 'Is this email phishing? It asks for my password.',
    dating_friendships_and_relationships: 'My girlfriend and I argue about our relationship.',
    design: 'Suggest a logo font and a color palette.',
    education: 'Help me study for my exam at university.',
    entertainment: 'Recommend a movie or a series on Netflix.',
    environment_agriculture_and_energy: 'How does solar power cut carbon pollution?',
    family_parenting_and_weddings: 'Tips for parenting a toddler before our wedding?',
    finance_and_economics: 'Should I invest money or pay off the loan?',
    games: 'Best opening in chess, or a Minecraft build?',
    geography_and_geology: 'What is the capital of Peru, and is that mountain a volcano?',
    health_and_medicine: "My doctor's clinic says the pain is a symptom of what?",
    housing_and_homes: 'Should I rent an apartment or buy a house?',
    humor_and_sarcasm: 'Tell me a funny joke.',
    language: 'Translate this into Spanish and fix the grammar.',
    law_and_politics: 'Is this contract legal under the law?',
    literature_and_poetry: 'Write a poem like a novel by that author.',
    manufacturing_and_materials: 'Which steel alloy suits welding in a factory?',
    math_logic_and_statistics: 'Solve this equation and the probability.',
    music_and_audio: 'Add this song to my playlist.',
    news: 'What is the latest news headline?',
    pets_and_animals: 'My dog and my cat fight.',
    philosophy: 'Is free will compatible with ethics, as Kant asks?',
    physics_chemistry_and_astronomy: 'How far is the nearest star from our planet in the galaxy?',
    productivity: 'I procrastinate; how do I build a habit and a routine?',
    psychology_and_emotions: 'I feel lonely and depressed.',
    religion_and_mythology: 'What does the Bible say about prayer?',
    shipping_and_delivery: 'Where is my package? The courier tracking is stuck.',
    shopping_and_gifts: 'A gift to buy for my sister?',
    small_talk: 'Hi! How is it going?',
    social_media: 'Write an Instagram caption with a hashtag for my followers.',
    software_and_web_development: 'Why does my Python function throw this bug?',
    sports_and_fitness: 'A workout plan for the gym.',
    taxation: 'Can I claim this deduction on my tax return?',
    technology: 'My laptop will not connect to wifi.',
    time_and_dates: 'Set a reminder in my calendar.',
    transportation_automotive_and_aerospace: 'When does the next train leave the station?',
    travel: 'Find a hotel near the airport for my trip.',
    visual_arts_and_photography: 'Which camera for portrait photography?',
    weather: 'What is the weather forecast: rain or snow?',
    writing_journalism_and_publishing: 'Draft an article for my blog.',
  };
  it('reaches every one of the 49 named domains from an opening about it', () => {
    assert.equal(Object.keys(openings).length, DOMAINS.length - 1);
    for (const [domain, text] of Object.entries(openings)) assert.equal(guessDomain(text.toLowerCase()), domain, text);
  });
  it('reads Chinese terms (longest first), possessives and word prefixes; nothing known is other', () => {
    assert.equal(guessDomain('怎么防范网络安全漏洞'), 'cybersecurity');
    assert.equal(guessDomain("the dentist's address"), 'health_and_medicine');
    assert.equal(guessDomain('encrypting files'), 'cybersecurity');
    assert.equal(guessDomain('hmm, okay then'), 'other');
    assert.equal(detectLocally({ history: [{ role: 'user', content: 'Find me a hotel in Rome.' }], response: 'Hotel Roma.', followUp: 'Thanks!' }).domain, 'travel');
  });
});

describe('local detector as a Detector', () => {
  it('detect() resolves to the same verdict as detectLocally()', async () => {
    const detector: Detector = createLocalDetector();
    assert.equal(detector.name, 'local');
    const input = { history: [], response: 'Paris is the capital of France.', followUp: 'Great, thanks!' };
    const { scores: _a, cues: _b, ...sync } = detectLocally(input);
    const asyncResult = (await detector.detect(input)) as Detection & { scores?: unknown; cues?: unknown };
    const { scores: _c, cues: _d, ...rest } = asyncResult;
    assert.deepEqual(rest, sync);
  });

  it('copes with empty and null-ish input', () => {
    const d = detectLocally({ history: [{ role: 'assistant', content: null }], response: '', followUp: '' });
    assert.equal(d.polarity, 'NONE');
  });
});

describe('evaluation', () => {
  // Ten labelled turns; the fake detector answers from a table keyed by follow-up.
  const plan: [gold: 'SAT' | 'DSAT' | 'NEUTRAL', predicted: Detection['polarity']][] = [
    ['SAT', 'SAT'],
    ['SAT', 'SAT'],
    ['SAT', 'NONE'],
    ['DSAT', 'DSAT'],
    ['DSAT', 'MIXED'],
    ['NEUTRAL', 'SAT'],
    ['NEUTRAL', 'NONE'],
    ['NEUTRAL', 'NONE'],
    ['NEUTRAL', 'DSAT'],
    ['NEUTRAL', 'NONE'],
  ];
  const conversations: LabelledConversation[] = [0, 1].map((c) => {
    const conversation: LabelledConversation['conversation'] = [];
    const labels: LabelledConversation['labels'] = [];
    for (let k = 0; k < 5; k++) {
      const i = c * 5 + k;
      conversation.push({ role: 'user', content: `u${i}` }, { role: 'assistant', content: `a${i}` });
    }
    conversation.push({ role: 'user', content: `last${c}` });
    // label the user turns 2, 4, 6, 8, 10 (each answers the assistant message before it)
    for (let k = 0; k < 5; k++) labels.push({ turn_index: 2 * k + 2, gold: (plan[c * 5 + k] as [never, never])[0] });
    return { conversation_id: `conv-${c}`, source: 'test', conversation, labels };
  });
  const predicted = new Map<string, Detection['polarity']>();
  conversations.forEach((conv, c) =>
    conv.labels.forEach((l, k) => predicted.set(conv.conversation[l.turn_index]?.content ?? '', (plan[c * 5 + k] as [never, Detection['polarity']])[1])),
  );
  const seen: DetectionInput[] = [];
  const fake = (input: DetectionInput): Detection => {
    seen.push(input);
    return {
      state: 'CONTINUATION', satisfaction: [], dissatisfaction: [], intent: 'information_seeking', domain: 'other',
      summary: 'x.', polarity: predicted.get(input.followUp) ?? 'NONE', confidence: 1, evidence: null,
    };
  };

  it('builds inputs from the conversation with labels stripped', () => {
    const { turns, skipped } = labelledTurns({ ...conversations[0]!, labels: [...conversations[0]!.labels, { turn_index: 3, gold: 'SAT' }] });
    assert.equal(skipped, 1, 'a label on an assistant message is skipped');
    const t = turns[1]!; // turn_index 4
    assert.equal(t.input.followUp, 'u2');
    assert.equal(t.input.response, 'a1');
    assert.deepEqual(t.input.history.map((m) => m.content), ['u0', 'a0', 'u1']);
    assert.ok(!('labels' in t.input));
  });

  it('computes accuracy, precision, recall, F1 and kappa (checked by hand), MIXED counting as DSAT', () => {
    const report = evaluateSync('fake', fake, conversations);
    assert.equal(seen.length, 10);
    assert.equal(report.turns, 10);
    // SAT: tp 2 (turns 1, 2), fp 1 (turn 6), fn 1 (turn 3), tn 6
    assert.deepEqual([report.sat.tp, report.sat.fp, report.sat.fn, report.sat.tn], [2, 1, 1, 6]);
    assert.equal(report.sat.accuracy, 0.8);
    assert.ok(Math.abs(report.sat.precision - 2 / 3) < 1e-12);
    assert.ok(Math.abs(report.sat.recall - 2 / 3) < 1e-12);
    assert.ok(Math.abs(report.sat.f1 - 2 / 3) < 1e-12);
    // po = 0.8, pe = (3*3 + 7*7) / 100 = 0.58, kappa = 0.22 / 0.42
    assert.ok(Math.abs(report.sat.kappa - 0.22 / 0.42) < 1e-12);
    // DSAT: tp 2 (turns 4, 5 [MIXED]), fp 1 (turn 9), fn 0, tn 7
    assert.deepEqual([report.dsat.tp, report.dsat.fp, report.dsat.fn, report.dsat.tn], [2, 1, 0, 7]);
    assert.equal(report.dsat.accuracy, 0.9);
    assert.ok(Math.abs(report.dsat.precision - 2 / 3) < 1e-12);
    assert.equal(report.dsat.recall, 1);
    assert.ok(Math.abs(report.dsat.f1 - 0.8) < 1e-12);
    // po = 0.9, pe = (3*2 + 7*8) / 100 = 0.62, kappa = 0.28 / 0.38
    assert.ok(Math.abs(report.dsat.kappa - 0.28 / 0.38) < 1e-12);
    assert.equal(report.confusion.DSAT.MIXED, 1);
    const table = formatTable6(report);
    assert.match(table, /Accuracy\s+Precision\s+Recall\s+F1\s+κ/);
    assert.match(table, /^SAT\s+80\.0\s+66\.7\s+66\.7\s+66\.7\s+52\.4/m);
    assert.match(table, /^DSAT\s+90\.0\s+66\.7\s+100\.0\s+80\.0\s+73\.7/m);
  });

  it('evaluateDetector runs an async Detector to the same numbers', async () => {
    const detector: Detector = { name: 'fake', detect: async (input) => fake(input) };
    const report = await evaluateDetector(detector, conversations, { concurrency: 3 });
    assert.deepEqual([report.sat.tp, report.sat.fp, report.sat.fn, report.sat.tn], [2, 1, 1, 6]);
    assert.deepEqual([report.dsat.tp, report.dsat.fp, report.dsat.fn, report.dsat.tn], [2, 1, 0, 7]);
  });

  it('handles degenerate tables', () => {
    assert.deepEqual(binaryMetrics(0, 0, 0, 0), { n: 0, tp: 0, fp: 0, fn: 0, tn: 0, accuracy: 0, precision: 0, recall: 0, f1: 0, kappa: 0 });
    assert.equal(cohenKappa(5, 0, 0, 5), 1);
    // both raters constant and identical: chance agreement is 1, kappa is taken as 1 (perfect agreement)
    assert.equal(cohenKappa(0, 0, 0, 10), 1);
    assert.equal(cohenKappa(0, 10, 0, 0), 0);
  });

  it('splits conversations deterministically about 70/30', () => {
    let develop = 0;
    for (let i = 0; i < 2000; i++) {
      const s = splitOf(`conv-${i}`);
      assert.equal(s, splitOf(`conv-${i}`));
      if (s === 'develop') develop++;
    }
    assert.ok(develop > 1300 && develop < 1500, `${develop} of 2000 in develop`);
  });
});
