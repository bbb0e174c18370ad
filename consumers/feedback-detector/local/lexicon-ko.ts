// Korean cues, grouped by rubric like lexicon-en.ts (same weight scale). Words carry endings (좋아요, 좋네요,
// 좋습니다), so cues are stems or phrases; negation is 안/못 before (안 좋아) or 지 않/지 못 after the stem
// (좋지 않아), see negation.ts. Idioms holding a negator (나쁘지 않다, 괜찮아요) come first.
import type { CueSpec } from './cues.js';

export const KO_CUES: readonly CueSpec[] = [
  // ---- neutral idioms -------------------------------------------------------------------------------------
  { rubric: null, pattern: '안녕하세요|안녕|천만에요|부탁(?:해요|합니다|드려요)|주세요', weight: 0 },

  // ---- idioms with negation inside ------------------------------------------------------------------------
  { rubric: 'praise', pattern: '나쁘지 않|나쁘지않|흠잡을 데 없|더할 나위 없', weight: 0.9, negated: 'fixed', tag: '나쁘지 않아' },
  { rubric: 'acknowledgment', pattern: '괜찮(?:아요|습니다|네요|아)|문제없|문제 없|상관없어요|알겠(?:어요|습니다|어)|알았어|네 알겠|오케이|확인했', weight: 0.6, negated: 'fixed', tag: '괜찮아요' },
  { rubric: 'learning', pattern: '몰랐(?:어요|네요|어|습니다|던)|처음 알았|그렇구나|그렇군요|그랬구나|아하|신기하|흥미롭', weight: 0.9, negated: 'fixed', tag: '몰랐어요' },
  { rubric: 'negative_feedback', pattern: '도움이 (?:안|하나도 안|전혀 안|별로 안) ?(?:돼|됐|되|됩)|도움이 되지 않|도움이 안|쓸모(?:가 )?없|소용(?:이 )?없|작동(?:이 )?안|작동하지 않|안 돼요|안 됩니다|안 되네|안돼요|안됩니다|안되네', weight: 1.2, negated: 'fixed', tag: '도움이 안 돼요' },
  { rubric: 'insufficient_detail', pattern: '이해가 안|이해 안|이해가 잘 안|모르겠|잘 모르|무슨 말인지', weight: 1.0, negated: 'fixed', tag: '모르겠어요' },

  // ---- dissatisfaction ------------------------------------------------------------------------------------
  { rubric: 'ignored', pattern: '질문에 답|내 질문|제 질문|제가 물어본|내가 물어본|제가 물은|그게 아니라|그런 뜻이 아니|그런 말이 아니|이미 말했|이미 말씀|아까 말했|몇 번을|다시 말하지만|동문서답', weight: 1.4, negated: 'fixed', tag: '그게 아니라' },
  { rubric: 'revision', pattern: '제 말은|내 말은|제가 말한 건|제가 원한 건|내가 원한 건|뜻이었', weight: 0.9, negated: 'fixed', tag: '제 말은' },
  { rubric: 'factual_error', pattern: '틀렸|틀려요|틀린|틀립니다|잘못됐|잘못 됐|잘못된|잘못되었|사실이 아니|정확하지 않|아닌데요|아니에요|아니잖아|확실해요\\?|확실해\\?|진짜요\\?|정말요\\?|거짓말|말도 안|엉터리|헛소리', weight: 1.2, negated: 'fixed', tag: '틀렸어요' },
  { rubric: 'factual_error', pattern: '오류|에러', weight: 0.6, negated: 'fixed', tag: '오류' },
  { rubric: 'negative_feedback', pattern: '별로|최악|엉망|짜증|실망|답답|이상해|이상하네|형편없|쓰레기|한심|어이없|황당|나빠|나쁘|싫어|싫네|불만|시간 낭비|여전히 (?:안|오류|에러|틀)|같은 오류|같은 에러', weight: 1.3, negated: 'fixed', tag: '별로' },
  { rubric: 'unrealistic_expectation', pattern: '왜 못 해|왜 못해|왜 안 돼|왜 안돼|왜 못하|할 수 있잖아|할 수 있을 텐데|그냥 해|해내라', weight: 1.1, negated: 'fixed', tag: '왜 못 해' },
  { rubric: 'no_engagement', pattern: '그냥 됐|이제 됐어|됐고|그만해|그만 해|관둬|신경 쓰지 마|몰라|상관없어|아무거나|아무래도 좋', weight: 1.0, negated: 'fixed', tag: '그만해' },
  { rubric: 'lower_quality', pattern: '전에는 (?:더 )?(?:좋|나았)|전에 (?:게|것이|답이) 더 (?:좋|나)|예전이 더|점점 (?:이상|나빠|별로)|(?:chatgpt|gpt|구글|google|gemini|claude|챗gpt|챗지피티)(?:는|은|가|이) ', weight: 1.1, negated: 'fixed', tag: '전에는 더 좋았' },
  { rubric: 'style', pattern: '너무 길|너무 짧|너무 어려|너무 딱딱|너무 복잡|짧게|간단하게|간결하게|쉽게 (?:설명|말해|써)|요약해|표로|목록으로|항목별로|(?:한국어|영어)로 (?:답|대답|말해|얘기|부탁)|존댓말|반말로', weight: 1.1, negated: 'fixed', tag: '너무 길어요' },
  { rubric: 'insufficient_detail', pattern: '자세히|구체적으로|더 알려|예시|예를 들어\\?|더 자세|부족해|부족합니다|그게 다예요\\?|그게 다야\\?|이게 다야|다른 (?:방법|예|것)은\\?|더 없어', weight: 1.0, negated: 'fixed', tag: '자세히' },
  { rubric: 'revision', pattern: '다시 (?:해|써|작성|만들|시도|알려|설명|찾아|답)\\p{L}*|고쳐\\p{L}*|수정해\\p{L}*|바꿔\\p{L}*|다른 (?:거|걸|것으로|방법|버전)', weight: 1.0, negated: 'fixed', tag: '다시 해줘' },
  { rubric: 'revision', pattern: '다시|아직도|여전히|또', weight: 0.5, negated: 'fixed', tag: '다시', hint: true },

  // ---- satisfaction ---------------------------------------------------------------------------------------
  { rubric: 'getting_there', pattern: '(?:훨씬|좀|조금|많이) (?:나아|좋아)|더 나아졌|나아졌|거의 (?:다 )?(?:맞|됐|완벽)|좋은 시작', weight: 0.9, negated: { rubric: 'negative_feedback', weight: 0.9 }, tag: '나아졌어요' },
  { rubric: 'gratitude', pattern: '정말 감사|너무 감사|진짜 감사|대단히 감사|정말 고마|진짜 고마|너무 고마|많은 도움|큰 도움|도움이 (?:많이 |정말 |너무 |진짜 )?(?:됐|되었|돼|됩|되네)', weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: '정말 감사합니다' },
  { rubric: 'gratitude', pattern: '감사(?:합니다|해요|드립니다|드려요|해)?|고마(?:워요|워|웠어요|웠습니다)|고맙(?:습니다|다)|땡큐|ㄱㅅ|ㄳ', weight: 0.6, negated: 'fixed', tag: '감사합니다' },
  { rubric: 'gratitude', pattern: '유용(?:하|해|했)|도움(?:이 )?(?:됐|되었|돼|됩|되)', weight: 0.8, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: '유용해요' },
  { rubric: 'praise', pattern: '최고|완벽|훌륭|대박|멋지|멋있|굉장|잘했|잘 했|잘하시|짱|감동|마음에 들|맘에 들|딱이|딱 좋|바로 이거|이거예요|대단', weight: 1.2, negated: { rubric: 'negative_feedback', weight: 1.0 }, tag: '최고' },
  { rubric: 'praise', pattern: '좋(?=아|네|습|다|군|지|은데|으)|예쁘|귀엽', weight: 0.8, negated: { rubric: 'negative_feedback', weight: 1.1 }, tag: '좋아요' },
  { rubric: 'acknowledgment', pattern: '이해했|이해가 (?:돼|됐|되네)|이해됐|그렇네요|맞(?=아|습|네|지|는)|맞아요|그렇죠|동의|납득|일리 있', weight: 0.9, negated: { rubric: 'factual_error', weight: 0.9 }, tag: '맞아요' },
  { rubric: 'acknowledgment', pattern: '^(?:네|예|응|ㅇㅇ|ok|그래)', weight: 0.15, negated: 'fixed', clauseStart: true, tag: '네', hint: true },
  { rubric: 'compliance', pattern: '해 ?볼게|해 ?보겠|시도해 ?볼|써 ?볼게|잘 (?:돼요|됩니다|되네요|됐어요|작동)|작동(?:해요|합니다|하네요|했어요)|해결(?:됐|했|되었)|성공했|이걸로 할게|그걸로 할게|그렇게 할게', weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: '잘 돼요' },
  { rubric: 'humor', pattern: 'ㅋㅋ+|ㅎㅎ+|웃기|재밌|재미있', weight: 0.8, negated: { rubric: 'negative_feedback', weight: 0.5 }, tag: 'ㅋㅋ' },
  { rubric: 'positive_closure', pattern: '그게 다예요|이상입니다|수고하세요|수고하셨|수고했|안녕히|다음에 봐|또 봐요', weight: 0.3, negated: 'fixed', tag: '수고하세요' },
];
