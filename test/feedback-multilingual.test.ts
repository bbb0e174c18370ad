// The local detector in languages other than English and Chinese: per language a satisfied follow-up, a
// dissatisfied one, a negated cue, and politeness that is not praise; plus language gating (English text
// runs no other lexicon) and evidence spans that are verbatim pieces of what the user wrote. Pure, no I/O.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DsatRubric, SatRubric } from '../src/feedback/rubrics.js';
import { detectLocally, type LocalDetection } from '../consumers/feedback-detector/local/index.js';
import { languageBit, type Language } from '../consumers/feedback-detector/local/languages.js';
import { prepareText } from '../consumers/feedback-detector/local/text.js';

const RESPONSE = 'Here is the summary of the article you sent, in five paragraphs.';

function judge(followUp: string): LocalDetection {
  const d = detectLocally({ history: [{ role: 'user', content: 'Summarize this article.' }], response: RESPONSE, followUp });
  if (d.evidence !== null) assert.ok(followUp.includes(d.evidence), `evidence ${JSON.stringify(d.evidence)} is a span of ${JSON.stringify(followUp)}`);
  return d;
}

function expectSat(followUp: string, rubric: SatRubric): void {
  const d = judge(followUp);
  assert.equal(d.polarity, 'SAT', `${followUp}: ${d.polarity} ${d.cues.join('; ')}`);
  assert.ok(d.satisfaction.includes(rubric), `${followUp}: ${d.satisfaction.join(',')} lacks ${rubric}`);
  assert.ok(d.evidence !== null && d.evidence.length > 0);
}

function expectDsat(followUp: string, rubric: DsatRubric): void {
  const d = judge(followUp);
  assert.equal(d.polarity, 'DSAT', `${followUp}: ${d.polarity} ${d.cues.join('; ')}`);
  assert.ok(d.dissatisfaction.includes(rubric), `${followUp}: ${d.dissatisfaction.join(',')} lacks ${rubric}`);
}

function expectNone(followUp: string): void {
  const d = judge(followUp);
  assert.equal(d.polarity, 'NONE', `${followUp}: ${d.polarity} ${d.cues.join('; ')}`);
}

interface LanguageCases {
  lang: Language;
  sat: [string, SatRubric][];
  dsat: [string, DsatRubric][];
  /** A negated positive cue reads as dissatisfaction. */
  negated: [string, DsatRubric][];
  /** An idiom holding a negator that is positive as a whole. */
  idiom: [string, SatRubric];
  /** Thanks followed by a complaint. */
  polite: [string, DsatRubric];
  /** A request that mentions no feedback at all. */
  neutral: string;
}

const CASES: LanguageCases[] = [
  {
    lang: 'de',
    sat: [['Vielen Dank, das hat mir sehr geholfen!', 'gratitude'], ['Perfekt, genau das wollte ich.', 'praise'], ['Ok, verstanden.', 'acknowledgment'], ['Jetzt funktioniert es!', 'compliance'], ['Das wusste ich nicht, interessant.', 'learning']],
    dsat: [['Das ist falsch.', 'factual_error'], ['Das ist nicht das, was ich gefragt habe.', 'ignored'], ['Zu lang, bitte kürzer.', 'style'], ['Kannst du das genauer erklären? Mehr Details bitte.', 'insufficient_detail'], ['Vergiss es.', 'no_engagement'], ['Das ist nutzlos.', 'negative_feedback']],
    negated: [['Das ist nicht gut.', 'negative_feedback'], ['Das hilft mir nicht.', 'negative_feedback']],
    idiom: ['Nicht schlecht!', 'praise'],
    polite: ['Danke, aber das ist falsch.', 'factual_error'],
    neutral: 'Schreib mir eine E-Mail an meinen Chef über den Urlaub.',
  },
  {
    lang: 'fr',
    sat: [['Merci beaucoup, c\'est parfait !', 'praise'], ['Merci infiniment pour ton aide', 'gratitude'], ['Ah d\'accord, je ne savais pas.', 'learning'], ['Ça marche maintenant, merci', 'compliance']],
    dsat: [['C\'est faux.', 'factual_error'], ['Ce n\'est pas ce que j\'ai demandé.', 'ignored'], ['Trop long, plus court s\'il te plaît.', 'style'], ['Réécris-le, encore une fois', 'revision'], ['Laisse tomber.', 'no_engagement'], ['C\'est nul.', 'negative_feedback']],
    negated: [['Ce n\'est pas utile.', 'negative_feedback'], ['Ça ne marche pas.', 'negative_feedback']],
    idiom: ['Pas mal du tout !', 'praise'],
    polite: ['Merci, mais c\'est faux.', 'factual_error'],
    neutral: 'Peux-tu écrire un poème sur la mer ?',
  },
  {
    lang: 'es',
    sat: [['¡Muchas gracias, perfecto!', 'praise'], ['Muchas gracias por tu ayuda', 'gratitude'], ['Ya funciona, gracias', 'compliance'], ['No lo sabía, interesante.', 'learning']],
    dsat: [['Eso está mal.', 'factual_error'], ['No es lo que pregunté.', 'ignored'], ['Demasiado largo, más corto por favor.', 'style'], ['Necesito más detalles y un ejemplo.', 'insufficient_detail'], ['Olvídalo.', 'no_engagement'], ['Es inútil.', 'negative_feedback']],
    negated: [['No es muy útil.', 'negative_feedback'], ['No funciona.', 'negative_feedback']],
    idiom: ['No está nada mal.', 'praise'],
    polite: ['Gracias, pero está mal.', 'factual_error'],
    neutral: 'Escribe un correo para mi jefe sobre las vacaciones.',
  },
  {
    lang: 'pt',
    sat: [['Muito obrigado, funcionou!', 'compliance'], ['Perfeito, adorei!', 'praise'], ['Muito obrigada pela ajuda', 'gratitude'], ['Entendi, faz sentido.', 'acknowledgment']],
    dsat: [['Isso está errado.', 'factual_error'], ['Não foi o que eu pedi.', 'ignored'], ['Muito longo, mais curto por favor.', 'style'], ['Esquece.', 'no_engagement'], ['Tente de novo.', 'revision']],
    negated: [['Não ajudou.', 'negative_feedback'], ['Não está bom.', 'negative_feedback']],
    idiom: ['Nada mal!', 'praise'],
    polite: ['Obrigado, mas está errado.', 'factual_error'],
    neutral: 'Escreva um e-mail para o meu chefe sobre as férias.',
  },
  {
    lang: 'it',
    sat: [['Grazie mille, perfetto!', 'praise'], ['Ti ringrazio, molto utile', 'gratitude'], ['Ora funziona, grazie', 'compliance'], ['Non lo sapevo, interessante.', 'learning']],
    dsat: [['È sbagliato.', 'factual_error'], ['Non è quello che ho chiesto.', 'ignored'], ['Troppo lungo, più breve per favore.', 'style'], ['Lascia perdere.', 'no_engagement'], ['Riprova.', 'revision']],
    negated: [['Non è utile.', 'negative_feedback'], ['Non funziona.', 'negative_feedback']],
    idiom: ['Niente male!', 'praise'],
    polite: ['Grazie, ma è sbagliato.', 'factual_error'],
    neutral: 'Scrivi una email al mio capo sulle ferie.',
  },
  {
    lang: 'ru',
    sat: [['Спасибо большое, очень помогло!', 'gratitude'], ['Отлично, молодец!', 'praise'], ['Понятно, спасибо.', 'acknowledgment'], ['Теперь работает!', 'compliance'], ['Не знал этого, интересно.', 'learning']],
    dsat: [['Это неправильно.', 'factual_error'], ['Это не то, что я просил.', 'ignored'], ['Слишком длинно, покороче пожалуйста.', 'style'], ['Перепиши ещё раз.', 'revision'], ['Забудь.', 'no_engagement'], ['Бесполезно.', 'negative_feedback']],
    negated: [['Это не хорошо.', 'negative_feedback'], ['Не помогло.', 'negative_feedback']],
    idiom: ['Неплохо!', 'praise'],
    polite: ['Спасибо, но это неправильно.', 'factual_error'],
    neutral: 'Напиши письмо начальнику об отпуске.',
  },
  {
    lang: 'ja',
    sat: [['ありがとうございます、完璧です！', 'praise'], ['本当に助かりました。', 'gratitude'], ['わかりました。', 'acknowledgment'], ['動きました！ありがとう', 'compliance'], ['知らなかった、勉強になりました。', 'learning']],
    dsat: [['違います。', 'factual_error'], ['質問に答えてください。', 'ignored'], ['長すぎます。もっと簡潔にしてください。', 'style'], ['もう一度書き直してください。', 'revision'], ['もういいです。', 'no_engagement'], ['最悪です。', 'negative_feedback']],
    negated: [['役に立ちません。', 'negative_feedback'], ['よくないです。', 'negative_feedback']],
    idiom: ['悪くないですね。', 'praise'],
    polite: ['ありがとう、でも間違っています。', 'factual_error'],
    neutral: '上司に休暇についてのメールを書いてください。',
  },
  {
    lang: 'ko',
    sat: [['정말 감사합니다, 도움이 많이 됐어요!', 'gratitude'], ['완벽해요, 최고!', 'praise'], ['이해했어요, 맞아요.', 'acknowledgment'], ['이제 잘 돼요!', 'compliance'], ['몰랐어요, 신기하네요.', 'learning']],
    dsat: [['틀렸어요.', 'factual_error'], ['그게 아니라 제 질문에 답해 주세요.', 'ignored'], ['너무 길어요. 짧게 해 주세요.', 'style'], ['다시 써 주세요.', 'revision'], ['그만해.', 'no_engagement'], ['최악이에요.', 'negative_feedback']],
    negated: [['안 좋아요.', 'negative_feedback'], ['좋지 않아요.', 'negative_feedback'], ['도움이 안 됐어요.', 'negative_feedback']],
    idiom: ['나쁘지 않네요.', 'praise'],
    polite: ['감사합니다. 하지만 틀렸어요.', 'factual_error'],
    neutral: '상사에게 휴가에 관한 이메일을 써 주세요.',
  },
  {
    lang: 'tr',
    sat: [['Çok teşekkürler, harika!', 'praise'], ['Teşekkürler, çok işime yaradı.', 'gratitude']],
    dsat: [['Yanlış.', 'factual_error'], ['İşe yaramadı.', 'negative_feedback'], ['Çok uzun, daha kısa yaz.', 'style']],
    negated: [['Bu doğru değil.', 'factual_error']],
    idiom: ['Fena değil!', 'praise'],
    polite: ['Teşekkürler ama bu yanlış.', 'factual_error'],
    neutral: 'Müdürüme izin hakkında bir e-posta yaz.',
  },
  {
    lang: 'pl',
    sat: [['Bardzo dziękuję, świetnie!', 'praise'], ['Dzięki, bardzo mi pomogło.', 'gratitude']],
    dsat: [['To jest źle.', 'factual_error'], ['Nie działa.', 'negative_feedback'], ['Za długie, krócej proszę.', 'style']],
    negated: [['To nie jest dobre.', 'negative_feedback']],
    idiom: ['Nieźle!', 'praise'],
    polite: ['Dzięki, ale to nieprawda.', 'factual_error'],
    neutral: 'Czy możesz napisać maila do szefa o urlopie?',
  },
  {
    lang: 'nl',
    sat: [['Dank je wel, geweldig!', 'praise'], ['Heel erg bedankt voor je hulp', 'gratitude']],
    dsat: [['Dat is fout.', 'factual_error'], ['Het werkt niet.', 'negative_feedback'], ['Te lang, korter graag.', 'style']],
    negated: [['Dat is niet goed.', 'negative_feedback']],
    idiom: ['Niet slecht!', 'praise'],
    polite: ['Bedankt, maar dat klopt niet.', 'factual_error'],
    neutral: 'Schrijf een mail aan mijn baas over mijn vakantie.',
  },
  {
    lang: 'id',
    sat: [['Terima kasih banyak, mantap!', 'praise'], ['Makasih, sangat membantu.', 'gratitude']],
    dsat: [['Itu salah.', 'factual_error'], ['Tidak membantu.', 'negative_feedback'], ['Terlalu panjang, lebih singkat ya.', 'style']],
    negated: [['Ini tidak bagus.', 'negative_feedback']],
    idiom: ['Lumayan!', 'praise'],
    polite: ['Terima kasih, tapi itu salah.', 'factual_error'],
    neutral: 'Tolong tulis email ke atasan saya tentang cuti.',
  },
  {
    lang: 'vi',
    sat: [['Cảm ơn bạn rất nhiều, tuyệt vời!', 'praise'], ['Cảm ơn nhiều, rất hữu ích.', 'gratitude']],
    dsat: [['Sai rồi.', 'factual_error'], ['Vô dụng.', 'negative_feedback'], ['Dài quá, ngắn gọn hơn.', 'style']],
    negated: [['Không tốt.', 'negative_feedback']],
    idiom: ['Cũng không tệ!', 'praise'],
    polite: ['Cảm ơn, nhưng sai rồi.', 'factual_error'],
    neutral: 'Viết email cho sếp về kỳ nghỉ của tôi.',
  },
  {
    lang: 'ar',
    sat: [['شكرا جزيلا، ممتاز!', 'praise'], ['شكرا، مفيد جدا.', 'gratitude']],
    dsat: [['هذا خطأ.', 'factual_error'], ['لا يعمل.', 'negative_feedback'], ['طويل جدا، اختصر.', 'style']],
    negated: [['هذا ليس جيد.', 'negative_feedback']],
    idiom: ['ليس سيئا!', 'praise'],
    polite: ['شكرا، لكن هذا خطأ.', 'factual_error'],
    neutral: 'اكتب رسالة إلى مديري عن الإجازة.',
  },
];

describe('local detector: other languages', () => {
  for (const c of CASES) {
    describe(c.lang, () => {
      it('reads satisfaction', () => {
        for (const [text, rubric] of c.sat) expectSat(text, rubric);
      });
      it('reads dissatisfaction', () => {
        for (const [text, rubric] of c.dsat) expectDsat(text, rubric);
      });
      it('turns a negated positive cue into dissatisfaction', () => {
        for (const [text, rubric] of c.negated) expectDsat(text, rubric);
      });
      it('reads an idiom with a negator inside as a whole', () => {
        expectSat(c.idiom[0], c.idiom[1]);
      });
      it('does not count thanks before a complaint as praise', () => {
        expectDsat(c.polite[0], c.polite[1]);
      });
      it('finds nothing in a plain request, and recognises the language', () => {
        expectNone(c.neutral);
        assert.ok(prepareText(c.neutral.toLowerCase()).langs & languageBit(c.lang), `${c.lang} is plausible for ${c.neutral}`);
      });
    });
  }
});

describe('local detector: language gating', () => {
  const ENGLISH = [
    'Thanks, that is perfect!',
    'No, that is wrong. I asked for the weather in Paris.',
    'Can you make it shorter and use bullet points?',
    'Not bad, thank you',
    'Please book a table for two at 7 pm on Friday.',
  ];
  it('runs no other lexicon on English text', () => {
    const others = ['de', 'fr', 'es', 'pt', 'it', 'ru', 'ja', 'ko', 'tr', 'pl', 'nl', 'id', 'vi', 'ar'] as const;
    for (const text of ENGLISH) {
      const langs = prepareText(text.toLowerCase()).langs;
      for (const l of others) assert.equal(langs & languageBit(l), 0, `${l} gated on for ${text}`);
    }
  });
  it('keeps English verdicts', () => {
    expectSat(ENGLISH[0] as string, 'praise');
    expectDsat(ENGLISH[1] as string, 'factual_error');
    expectDsat(ENGLISH[2] as string, 'style');
    expectSat(ENGLISH[3] as string, 'praise');
    expectNone(ENGLISH[4] as string);
  });
  it('does not read English word pieces inside accented words ("útil" holds "til")', () => {
    const d = judge('No es muy útil.');
    assert.ok(!d.cues.some((c) => c.startsWith('learning')), d.cues.join('; '));
  });
  it('reads praise words inside a request as part of the task, not as feedback', () => {
    for (const text of ['Escribe un poema excelente sobre el mar.', 'Écris une histoire géniale sur un chat.', 'Напиши отличное письмо начальнику.', 'Scrivi una storia perfetta sul mare.']) expectNone(text);
  });
  it('reads a leading no in other languages as an answer to the response\'s question', () => {
    for (const text of ['Nein.', 'Нет.', 'いいえ。', '아니요.', 'Hayır.']) {
      const d = detectLocally({ history: [{ role: 'user', content: 'Book a table.' }], response: 'Shall I book it for Friday at 7 pm?', followUp: text });
      assert.equal(d.polarity, 'DSAT', `${text}: ${d.cues.join('; ')}`);
    }
  });
  it('notices a repeated request in scripts without ASCII words, and not a new one', () => {
    const repeat = (previous: string, followUp: string) =>
      detectLocally({ history: [{ role: 'user', content: previous }], response: 'Sure, here it is: ...', followUp });
    for (const [previous, followUp] of [
      ['Напиши письмо начальнику об отпуске на следующей неделе.', 'Я прошу: напиши письмо начальнику об отпуске на следующей неделе.'],
      ['来週の休暇について上司へのメールを書いてください。', '来週の休暇について上司へのメールを書いてください！'],
      ['Schreib eine E-Mail an meinen Chef wegen Urlaub nächste Woche.', 'Schreib eine E-Mail an meinen Chef wegen Urlaub nächste Woche!'],
    ] as const) {
      const d = repeat(previous, followUp);
      assert.ok(d.dissatisfaction.includes('revision') && d.cues.includes('revision:repeats request'), `${followUp}: ${d.cues.join('; ')}`);
    }
    assert.equal(repeat('Schreib eine E-Mail an meinen Chef wegen Urlaub.', 'Und jetzt ein Gedicht über den Sommer im Garten.').polarity, 'NONE');
  });
  it('reads "I don\'t understand" as wanting a clearer answer, and an ordinary question as no feedback', () => {
    for (const text of ['Je ne comprends pas.', 'No entiendo.', 'Ich verstehe nicht.', 'Non ho capito.', 'Не понимаю.', 'わかりません。']) expectDsat(text, 'insufficient_detail');
    for (const text of ['Kannst du mir noch ein Beispiel geben?', 'Bu kodu nasıl düzeltebilirim?', 'Как приготовить борщ?', '東京でおすすめのレストランはどこですか？']) expectNone(text);
  });
  it('reads "in <language>, please" as a style request, and a translation task as no complaint', () => {
    for (const text of ['En español, por favor.', "En français s'il te plaît", 'In italiano, per favore', 'На русском, пожалуйста', 'Antworte bitte auf Deutsch.', '日本語で答えてください。']) expectDsat(text, 'style');
    for (const text of ['Bene, ora traduci in inglese.', 'Ahora tradúcelo al inglés.', '이제 영어로 번역해 주세요.']) expectNone(text);
  });
  it('picks the best-supported Latin language, not every one sharing an accent', () => {
    const langs = prepareText('non è utile, grazie').langs;
    assert.ok(langs & languageBit('it'));
    assert.equal(langs & languageBit('fr'), 0);
  });
});
