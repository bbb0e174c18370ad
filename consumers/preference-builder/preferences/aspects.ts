// What a dissatisfied user asks for, by aspect of the answer (length, format, language, tone, correctness ...),
// with the cues that reveal it in English and Chinese and the preference sentence it yields. The feedback
// detector's lexicons say *that* the user objects (rubric level); these say *what* they want instead.
// Order matters: an aspect claims the span it matched, so "no bullet points" is read as prose before the
// bullet-point aspect can see "bullet points".
import type { DsatRubric } from '../../../src/feedback/rubrics.js';

export interface Aspect {
  id: string;
  en?: RegExp;
  zh?: RegExp;
  /** The preference; `{q}` is filled with the user's feedback quoted (see sentence.ts). */
  template: string;
  /** The rubrics whose generic sentence this aspect makes redundant. */
  covers: readonly DsatRubric[];
  /** A general complaint: it does not stop a specific request in the same clause from being read too. */
  general?: boolean;
}

const LANGUAGES = 'chinese|mandarin|cantonese|english|french|german|spanish|japanese|korean|russian|portuguese|italian|arabic|hindi|vietnamese|thai|indonesian|turkish|dutch|polish|ukrainian|persian|hebrew|greek|swedish';
const ZH_LANGUAGES: Record<string, string> = { 中文: 'Chinese', 汉语: 'Chinese', 普通话: 'Chinese', 简体中文: 'Chinese', 繁体中文: 'Chinese', 粤语: 'Cantonese', 英文: 'English', 英语: 'English', 日语: 'Japanese', 日文: 'Japanese', 韩语: 'Korean', 韩文: 'Korean', 法语: 'French', 德语: 'German', 俄语: 'Russian', 西班牙语: 'Spanish' };
const ZH_LANGUAGE_NAMES = Object.keys(ZH_LANGUAGES).sort((a, b) => b.length - a.length).join('|');

export const LANGUAGE_EN_RE = new RegExp(
  `\\b(?:(?:answer|reply|respond|write|say|speak|talk|explain|output|translate(?: (?:it|this|that|them))?|(?:do|give|put|rewrite|redo) (?:it|this|that|the answer|me)|only|just|please|everything|all)\\s+(?:in|into|to)\\s+(${LANGUAGES})|(?:^|[,.!?]\\s*)in\\s+(${LANGUAGES})\\b|\\b(?:speak|reply|answer|respond|use|write)\\s+(${LANGUAGES})|\\b(${LANGUAGES})\\s+(?:please|pls|only)|\\bnot\\s+in\\s+(?:${LANGUAGES})\\b)`,
  'gi',
);
export const LANGUAGE_ZH_RE = new RegExp(`(?:用|说|讲|改成|换成|翻译成|译成|使用)(${ZH_LANGUAGE_NAMES})|(${ZH_LANGUAGE_NAMES})(?:回答|回复|输出|作答|来说|说)`, 'g');

/** The language named by a language cue, in English ("answer in chinese" / "用中文回答" -> "Chinese"). */
export function languageOf(match: RegExpExecArray): string | null {
  const name = match.slice(1).find((g) => g !== undefined);
  if (!name) return null;
  if (ZH_LANGUAGES[name]) return ZH_LANGUAGES[name]!;
  return name.charAt(0).toUpperCase() + name.slice(1).toLowerCase();
}

/** The aspects in matching order (earlier ones claim their span first). */
export const ASPECTS: readonly Aspect[] = [
  {
    id: 'prose',
    en: /\b(?:no|without(?: the)?|stop (?:using|with)(?: the)?|don'?t use(?: the)?)\s+(?:bullet(?:ed)?(?: points?| lists?)?|bullets|lists?|numbered lists?)\b|\b(?:in|as) (?:one|a single|a) paragraph\b|\bin (?:full )?prose\b/gi,
    zh: /不要(?:列表|分点|列点|编号)|别(?:分点|列表)|一段话|写成段落|不要分条/g,
    template: 'The user wants the answer written as continuous prose, not as a list.',
    covers: ['style', 'revision'],
  },
  {
    id: 'numbered',
    en: /\bnumbered (?:list|steps|points)\b|\bstep[- ]by[- ]step\b|\bnumber (?:them|the steps|each)\b/gi,
    zh: /编号|分步骤|一步一步|按步骤/g,
    template: 'The user wants the answer formatted as a numbered, step-by-step list.',
    covers: ['style', 'revision'],
  },
  {
    id: 'bullets',
    en: /\bbullet(?:ed)?(?: points?| lists?)?\b|\bbullets\b|\b(?:as|in) (?:a )?list(?: form(?:at)?)?\b|\blist (?:them|it|format)\b|\bpoint form\b/gi,
    zh: /列表|分点|列点|要点|列出来|条列|分条|一条一条|逐条/g,
    template: 'The user wants the answer formatted as bullet points.',
    covers: ['style', 'revision'],
  },
  {
    id: 'table',
    en: /\b(?:in|as|into|use|with) (?:a |the )?table\b|\btabular\b|\btable format\b/gi,
    zh: /表格|列表格|做成表/g,
    template: 'The user wants the answer formatted as a table.',
    covers: ['style', 'revision'],
  },
  {
    id: 'code-only',
    en: /\b(?:only|just) (?:the |give me the |show me the )?code\b|\bcode only\b|\bno (?:explanations?|commentary|talking)\b|\bskip the explanation\b/gi,
    zh: /只要代码|只给代码|只需要代码|不要解释|别解释/g,
    template: 'The user wants only the code, without extra explanation.',
    covers: ['style', 'revision'],
  },
  {
    id: 'shorter',
    en: /\btoo (?:long|verbose|wordy|lengthy|much text|much information|detailed)\b|\b(?:shorter|briefer|more concise|be concise|more succinct|shorten(?: it)?|less verbose|less wordy|tl;?dr|keep it (?:short|brief)|make it (?:short|brief)|cut it down|fewer words|one sentence|in short|summari[sz]e it)\b/gi,
    zh: /太长|太啰嗦|啰嗦|啰里啰嗦|简短|短一点|短一些|短点|简洁|精简|简练|字太多|太多字|长话短说|一句话/g,
    template: 'The user prefers shorter, more concise responses.',
    covers: ['style', 'revision', 'negative_feedback'],
  },
  {
    id: 'longer',
    en: /\btoo (?:short|brief|vague|general|generic|shallow|superficial)\b|\b(?:more (?:details?|detailed|specific|specifics|depth|in-?depth|thorough|comprehensive|information|info|context|explanation)|longer|elaborate|expand (?:on|upon|it)|go deeper|(?:go )?into (?:more )?detail|in (?:more |greater )?detail|be (?:more )?specific|explain (?:more|further)|at least \d+ words)\b/gi,
    zh: /太短|太简单了|太笼统|太空泛|不够详细|详细|具体一点|具体一些|具体点|更具体|展开|多写|深入|更多细节|长一点|长一些/g,
    template: 'The user wants a longer, more detailed and specific answer.',
    covers: ['insufficient_detail', 'style', 'revision'],
  },
  {
    id: 'language',
    en: LANGUAGE_EN_RE,
    zh: LANGUAGE_ZH_RE,
    template: 'The user wants responses in {language}.',
    covers: ['style', 'revision', 'ignored'],
  },
  {
    id: 'casual',
    en: /\btoo (?:formal|stiff|robotic|academic|corporate|stuffy)\b|\bmore (?:casual|natural|conversational|human|relaxed|informal|friendly)\b|\bless (?:formal|robotic|stiff|academic)\b|\bsounds? (?:like a )?(?:robot|robotic|ai-generated)\b/gi,
    zh: /太正式|太官方|太生硬|太死板|口语化|随意一点|随意些|自然一点|自然一些|像机器人|轻松一点/g,
    template: 'The user prefers a more casual, natural and conversational tone.',
    covers: ['style', 'revision'],
  },
  {
    id: 'formal',
    en: /\btoo (?:casual|informal|slangy|chatty)\b|\bmore (?:formal|professional|serious|academic)\b|\bless (?:casual|informal|chatty)\b/gi,
    zh: /正式一点|正式一些|更正式|专业一点|专业一些|更专业|书面一点|书面语/g,
    template: 'The user prefers a more formal, professional tone.',
    covers: ['style', 'revision'],
  },
  {
    id: 'respectful',
    en: /\b(?:rude|condescending|patroni[sz]ing|arrogant|snarky|sarcastic|preachy|lecturing|judg(?:e)?mental|moraliz\w*|moralis\w*)\b|\bdon'?t lecture\b/gi,
    zh: /不礼貌|没礼貌|态度不好|态度差|语气不好|说教|居高临下|教训我/g,
    template: 'The user wants a respectful tone, without lecturing or condescension.',
    covers: ['style', 'negative_feedback'],
  },
  {
    id: 'no-filler',
    en: /\b(?:stop|quit|no more|without(?: the)?|don'?t (?:keep )?|skip the|enough with the|less)\s*(?:apologi[sz]ing|apologies|saying sorry|disclaimers?|caveats?|warnings?|filler|fluff|intro(?:duction)?s?)\b|\bas an ai\b|\bget to the point\b|\bjust answer\b/gi,
    zh: /别道歉|不要道歉|不用道歉|不要免责|废话|直接回答|直接说|说重点|别绕/g,
    template: 'The user wants a direct answer without apologies, disclaimers or filler.',
    covers: ['style', 'negative_feedback'],
  },
  {
    id: 'simpler',
    en: /\b(?:simpler|more simply|simplify|too (?:complicated|complex|technical|advanced|confusing|hard)|plain (?:english|language|words)|layman'?s? terms|like i'?m (?:five|5|a child|a beginner)|eli5|easier to understand|(?:don'?t|do not|doesn'?t|can'?t) understand|confusing)\b/gi,
    zh: /简单点|简单一点|简单些|通俗|听不懂|看不懂|太复杂|太专业|不明白|不懂|说人话/g,
    template: 'The user prefers simpler explanations in plain language.',
    covers: ['style', 'insufficient_detail', 'negative_feedback'],
  },
  {
    id: 'examples',
    en: /\b(?:give|show|provide|add|include|with|need|want|some|more)\s+(?:me\s+)?(?:an?\s+|some\s+|more\s+|a few\s+)?(?:concrete\s+|real\s+|practical\s+|code\s+)?examples?\b/gi,
    zh: /举例|举个例子|举几个例子|给个例子|例子|示例/g,
    template: 'The user wants concrete examples.',
    covers: ['insufficient_detail'],
  },
  {
    id: 'repetition',
    en: /\b(?:you(?:'re| are)? )?(?:keep )?repeat(?:ing|ed|s)?(?: yourself| the same)?\b|\bsame (?:answer|thing|response|text|code|mistake|stuff|result)\b|\b(?:you )?already (?:said|told me|gave|wrote|mentioned) (?:that|this)\b|\bagain the same\b/gi,
    zh: /重复|一样的(?:回答|答案|内容|东西)|又是(?:这个|一样|同样)|还是一样|还是这样|同样的(?:回答|答案|内容|错误)/g,
    template: 'The user does not want the assistant to repeat itself or give the same answer again.',
    covers: ['revision', 'lower_quality', 'negative_feedback'],
  },
  {
    id: 'incomplete',
    en: /\b(?:incomplete|unfinished|cut off|got cut|truncated|you stopped|(?:didn'?t|did not|never) finish|finish (?:it|the|your|writing)|continue|keep going|go on|the rest(?: of)?|(?:full|complete|entire|whole) (?:code|answer|list|text|script|program|version|thing|story|essay)|(?:is|are) missing|left out)\b/gi,
    zh: /没写完|没说完|没完|不完整|不全|继续|写完|接着写|剩下的|后面的呢|完整的?(?:代码|答案|内容|版本)/g,
    template: 'The user wants a complete answer, not one that is cut off or missing parts.',
    covers: ['insufficient_detail', 'ignored', 'revision'],
  },
  {
    id: 'code-broken',
    en: /\b(?:doesn'?t|does not|didn'?t|did not|won'?t|will not|not|still not) (?:work|working|compile|compiling|run|running)\b|\b(?:throws?|threw|gives?(?: me)?|got|getting)\s+(?:an?\s+|this\s+|the\s+)?(?:error|exception)\b|\b(?:syntax|type|runtime|compile|compilation|name|value|attribute|import|key|index)\s*error\b|\btraceback\b|\bbuggy\b|\bhas (?:a )?bugs?\b/gi,
    zh: /报错|运行不了|跑不了|跑不起来|不能运行|无法运行|运行出错|有bug|出错了|编译不过/g,
    template: 'The user expects code that runs correctly; the previous code failed: "{q}".',
    covers: ['factual_error', 'lower_quality', 'negative_feedback'],
  },
  {
    id: 'factual',
    en: /\b(?:(?:that'?s|that is|this is|it'?s|it is|you'?re|you are|that was|you were|totally|completely|simply|factually|all|still) (?:wrong|incorrect|inaccurate|false|untrue|mistaken|not (?:true|right|correct|accurate))|wrong (?:answer|information|info|date|time|number|name|year|result|place|person|city|country)|(?:not|isn'?t|wasn'?t) (?:true|correct|accurate)|doesn'?t exist|does not exist|made (?:that|it|this) up|hallucinat\w*|there is no such|(?:a |some )?(?:mistakes?|errors?) in (?:it|the|your|this))\b|(?<!(?:what'?s|what is|anything|something|nothing) )\bwrong\b(?! with)/gi,
    zh: /不对|错了|错误|有误|有错|搞错|弄错|说错|写错|算错|不正确|不准确|不是这样|胡说|瞎说|瞎编|胡编|编的|不属实|不存在|自相矛盾/g,
    template: 'The user expects factually correct information; the previous answer was wrong: "{q}".',
    covers: ['factual_error', 'negative_feedback'],
    general: true,
  },
  {
    id: 'ignored',
    en: /\b(?:you (?:didn'?t|did not|never|haven'?t|have not|still haven'?t) (?:even )?(?:answer|address|follow|read|listen|do|include|respond)\w*|you (?:ignored|forgot|missed|skipped)|not what i (?:asked|wanted|meant|said|need(?:ed)?)|that'?s not (?:what i|my question)|answer (?:my|the) question|read (?:my|the) (?:question|prompt|instructions?)|follow (?:my|the) instructions?|i (?:already |just )?(?:said|asked|told you|specified|mentioned|repeat))\b/gi,
    zh: /没(?:有)?回答|答非所问|文不对题|跑题|不是我要的|不是我问的|不是我想要的|没按|没有按照|我说了|我已经说|我都说了|我问的是|我说的是|看清楚|没看|忽略了/g,
    template: 'The user wants their instructions followed exactly and their actual question answered.',
    covers: ['ignored', 'revision'],
    general: true,
  },
];
