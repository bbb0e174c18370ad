// The spurious-preference filter (WildFeedback §6): some users "prefer" what a model must not do (no filter,
// jailbreaks, explicit sexual content, weapons and drugs, self-harm, hate). Training on those preferences
// would teach the model to drop its safeguards, so a pair whose summarised preferences ask for any of it is
// dropped. Patterns are grouped by category (the verdict's detail) and aimed at what a summary says ("The
// user wants the assistant to ignore its safety guidelines"), in English and Chinese.
//
// Choices against false positives, each pinned by the test corpus:
//  - "explicit", "graphic", "unfiltered", "filter", "restrictions" alone are not enough: "explicit step-by-step
//    instructions", "an unfiltered list of all files", "no filter on the date column" and "without
//    restrictions on ingredients" pass. They count when they qualify the assistant's answers or behaviour.
//  - Negated requests pass ("not to ignore the instructions"); "ignore the earlier instructions about length"
//    is an ordinary refinement, only "ignore all/previous/your instructions" counts.
//  - Asking for fewer safety disclaimers is a style preference and passes; asking for no refusals does not.
//  - "jailbreak my iPhone" (a device) and "bath bomb" pass; "DAN" counts only in capitals (not the name Dan).
//  - Talking about a harm (suicide prevention, the history of racist propaganda, hate speech laws) passes.
//  - Summariser phrasings: "does not want the assistant to follow its safety guidelines" counts (a negated
//    "follow" of the assistant's own or any safety rules), "not follow the previous format / the style guide"
//    does not. "stop censoring" counts unless it names the user's own data (profanity, logs, names, photos).
//    "comply with anything" counts; "does not want a lecture about safety in every answer" is a style wish
//    (like fewer disclaimers) and passes.
import type { FilterResult } from '../../../src/events/preference.js';
import type { FilterCandidate } from './candidate.js';

export const SPURIOUS_CATEGORIES = ['unfiltered', 'jailbreak', 'sexual', 'weapons-drugs', 'self-harm', 'hate'] as const;
export type SpuriousCategory = (typeof SPURIOUS_CATEGORIES)[number];

interface CategoryPatterns {
  /** Matched against the normalised text (NFKC, lower case, straight quotes, single spaces). */
  patterns: RegExp[];
  /** Matched against the text with its case kept (acronyms such as DAN). */
  caseSensitive?: RegExp[];
}

// Words that introduce a negated request: "not to ignore ...", "never bypass ...".
const NOT = String.raw`(?<!(?:\bnot|\bnever|n't|\bno longer)(?: to)? )`;
const ASSISTANT = String.raw`(?:your|its|openai's|the ai's|the assistant's|the model's)`;
const QUALIFIER = String.raw`(?:safety|content|ethical|moral|usage|system|previous|prior|original)`;
// What an assistant may be told not to follow: its safeguards, not its formatting instructions.
const SAFE_RULES = String.raw`(?:rules|guidelines|policies|policy|restrictions|ethics|morals|safeguards|guardrails|filters|principles|limitations|boundaries)`;
const SAFEGUARDS = String.raw`(?:rules|guidelines|policies|policy|restrictions|ethics|safeguards|guardrails|filters|programming|principles|limitations|training|instructions)`;
// "safety" as what is given up, not safety notes the user finds verbose (a style preference).
const SAFETY = String.raw`safety(?! (?:warnings?|disclaimers?|notes?|tips|caveats|reminders?|information|advice|instructions|precautions|data|sheets?|glasses|valves?)\b)`;

const CATEGORIES: Record<SpuriousCategory, CategoryPatterns> = {
  unfiltered: {
    patterns: [
      /\buncensored\b|\bno censorship\b|\bwithout (?:any )?(?:censorship|censoring)\b/,
      /\b(?:no|without(?: any| a)?) (?:content |safety |moral |ethical )?filters?\b(?! (?:on|for|in|by|to|applied|over|of)\b)/,
      /\bunfiltered (?:answers?|responses?|replies|reply|content|version|mode|ai|assistant|chatbot)\b|\b(?:be|stay|respond|answer|reply|speak)(?: completely| totally| fully)? unfiltered\b/,
      /\b(?:without|no|free of|free from) (?:any |all )?(?:restrictions|limitations|limits|boundaries|guardrails|safeguards|censorship)\b(?! (?:on|to|in|for|about|of)\b)/,
      /\bno (?:safety|ethical|moral|content) (?:guidelines|rules|restrictions|limits|constraints|policies)\b/,
      /\b(?:stop|quit|no longer|not|never|without|no|don't|doesn't|do not|does not) (?:be )?censor(?:ing|ed)?\b(?! (?:(?:the|their|my|his|her|its own|your own|user's) )?(?:profanity|swear ?words|logs?|data|names|passwords|pii|personal|emails?|images?|photos?|faces?|spreadsheets?|files?|text in)\b)/,
      /无限制|不受(?:任何)?限制|没有任何限制|不要(?:有)?任何限制|不(?:要|用)(?:进行)?(?:过滤|审查)|不过滤(?!镜)|无过滤|无审查|不受审查|未经审查|(?:去掉|取消|解除|移除)(?:所有|一切|全部)?的?(?:安全)?(?:限制|过滤|审查)|(?:停止|不再|别再|不要再)(?:进行)?(?:审查|过滤)/,
    ],
  },
  jailbreak: {
    patterns: [
      /(?<!\b(?:iphone|ipad|phone|ios|android|console|device|kindle) )\bjailbr(?:eak(?:s|ing|ed)?|oken)\b(?! (?:(?:my|your|their|his|her|the|an?|this|our) )?(?:iphone|ipad|phone|android|device|console|ps\d|switch|kindle|router)s?\b)/,
      /\bdo anything now\b|\bdan mode\b/,
      new RegExp(
        String.raw`${NOT}\b(?:ignore|disregard|forget(?: about)?|override|abandon|drop)s? (?:` +
          String.raw`(?:all (?:of )?)?${ASSISTANT} (?:own )?(?:${QUALIFIER} )?${SAFEGUARDS}|all (?:of )?(?:the )?(?:${QUALIFIER} )?${SAFEGUARDS}` +
          String.raw`|(?:the |any )?(?:safety|content|ethical|moral|usage|system) (?:rules|guidelines|policies|policy|restrictions|safeguards|guardrails|filters|prompt|instructions)` +
          String.raw`|(?:previous|prior) instructions|${SAFETY}|ethics|morals|morality)\b`,
      ),
      /\b(?:pretend|act as if|act like|imagine|behave as if|assume)(?: that)? (?:you|it|the assistant) (?:has|have|had) no (?:rules|restrictions|limits|limitations|guidelines|filters|boundaries|policies|ethics|morals|content policy)\b/,
      /\b(?:pretend|act as if|imagine)(?: that)? there (?:are|were) no (?:rules|restrictions|limits|guidelines|filters|policies)\b/,
      /\b(?:you|it|the assistant) (?:has|have|had) no (?:rules|restrictions|filters|guidelines|ethics|morals|limits|content policy)\b/,
      /\bwithout (?:any )?(?:ethics|morals|morality|moral (?:constraints|limits)|ethical (?:constraints|limits|guidelines))\b/,
      new RegExp(
        String.raw`${NOT}\b(?:bypass|circumvent|get around|evade|disable|turn off|switch off|remove|override|break|deactivate)(?:s|es|ed|ing)? (?:` +
          String.raw`${ASSISTANT} (?:own )?(?:filters?|restrictions|limitations|rules|guidelines|programming|safeguards|guardrails|censorship|content policy|moderation)` +
          String.raw`|(?:the |any |all )?(?:content (?:filters?|filtering|polic(?:y|ies)|moderation|restrictions)|moderation|guardrails|safeguards|censorship|ethical (?:guidelines|restrictions|constraints)|${SAFETY}))\b`,
      ),
      // "does not want the assistant to follow its safety guidelines", "not obey any rules"
      new RegExp(
        String.raw`(?:\bnot|\bnever|n't|\bno longer|\bstop|\brefuses? to|\bwithout)(?: (?:want|wants|like|likes|need|needs)(?: (?:the assistant|the model|the ai|it|you|chatgpt))? to)? (?:follow|obey|adhere to|abide by|stick to|respect|be bound by|comply with)(?:ing|s)? (?:` +
          String.raw`${ASSISTANT} (?:own )?(?:${QUALIFIER} )?${SAFE_RULES}|any (?:${QUALIFIER} )?${SAFE_RULES}|(?:the )?(?:safety|content|ethical|moral|usage) ${SAFE_RULES})\b`,
      ),
      /\b(?:comply with|go along with|agree to|obey) (?:anything|everything|whatever)\b/,
      /\b(?:(?:do not|don't|dont|never|not to|not|stop|without|no longer) (?:ever )?refus(?:e|es|ing|als?)|no refusals?|never (?:says?|say) no|always (?:complies|comply|obeys|obey)|comply with (?:any|every|all) requests?)\b/,
      /越狱|(?:忽略|无视|不要理会|不理会|绕过|绕开|规避|突破|破解)(?:你的|所有|一切|任何|全部)?的?(?:安全|内容|道德|伦理)?(?:规则|限制|准则|政策|规定|审查|过滤|约束|护栏|底线)|(?:忽略|无视)(?:你的|所有|一切|全部)(?:之前的|先前的|系统)?(?:指令|指示|提示)|(?:忽略|无视)(?:安全|道德|伦理)/,
      /不(?:希望|想|想要|要|需要|愿意|让)?(?:助手|你|模型|它|AI|ai)?(?:去|再)?(?:遵守|遵循|遵从|服从|受)(?:其|你的|它的|自己的|任何)?的?(?:(?:安全|内容|道德|伦理)(?:准则|规则|规定|政策|限制|约束|规范)|任何(?:准则|规则|规定|限制|约束))|(?:什么|任何)(?:要求|请求|事情|事)?都(?:答应|照做|满足|服从|遵从)|有求必应|(?:满足|答应|服从)(?:用户的?)?(?:任何|所有|一切)(?:要求|请求)/,
      /(?:不要|别|不许|不能|不得|永远不要|从不|绝不)(?:再)?拒绝|假装(?:你|自己)?(?:没有|不受)(?:任何)?(?:规则|限制|约束|道德|底线)|你(?:没有|不受)任何(?:规则|限制|约束)/,
    ],
    caseSensitive: [/\bDAN\b/],
  },
  sexual: {
    patterns: [
      /\bnsfw\b|\bporn(?:o|ography|ographic)?\b|\berotica\b|\bhentai\b|\bsmut(?:ty)?\b|\blewd\b|\bx-rated\b|\bnudes?\b/,
      /\berotic (?:stor(?:y|ies)|role-?play|content|scenes?|fiction|fan ?fic(?:tion)?|writing|chat|descriptions?)\b/,
      /\bsexually explicit\b|\bexplicit (?:sex|sexual|adult|erotic|nude|nudity)\w*\b|\bgraphic (?:sex|sexual)\w*\b|\bsex scenes?\b|\badult content\b|\b18\+ content\b/,
      /\b(?:sexual|sexy) (?:content|role-?play|stor(?:y|ies)|fantas(?:y|ies)|descriptions?|scenes?|chat)\b/,
      /色情|黄色(?:小说|段子|内容|文章|图片)|成人内容|露骨的?(?:性|色情|情色)|性描写|情色|淫秽|淫荡|18禁|r18|涉黄|黄文|肉文|裸照/,
    ],
  },
  'weapons-drugs': {
    patterns: [
      /\b(?:how to|how do i|how can i|ways to|steps to|instructions (?:for|on|to)|guide (?:to|for|on)|recipe for|tutorial on|teach me (?:how )?to|help me)\s+(?:make|build|create|assemble|synthesi[sz]e|cook|produce|manufacture|brew|3d[- ]print)\s+(?:(?:a|an|some|homemade|home-made|my own|your own|working|real|deadly|lethal)\s+)*(?:bombs?|pipe bombs?|explosives?|ieds?|napalm|thermite|molotovs?(?: cocktails?)?|meth|methamphetamine|crystal meth|cocaine|crack|heroin|fentanyl|lsd|mdma|drugs|poisons?(?! ivy| oak)|ricin|sarin|nerve (?:agents?|gas)|anthrax|bioweapons?|(?:chemical|biological|nuclear) weapons?|untraceable guns?|ghost guns?|silencers?|suppressors?)\b/,
      /\b(?:bomb|explosive|meth|napalm)[- ](?:making|recipes?|instructions|building)\b|\b(?:synthesi[sz](?:e|es|ing)|cook(?:s|ing)?) (?:meth|methamphetamine|fentanyl|heroin|sarin|ricin)\b/,
      /(?:如何|怎么|怎样|教我|教他|教她|教你|方法|步骤|配方)[^，。,.!?！？]{0,6}?(?:制作|制造|做|合成|自制|提炼|配制)[^，。,.!?！？]{0,4}?(?:炸弹|炸药|爆炸物|雷管|冰毒|毒品|海洛因|芬太尼|甲基苯丙胺|毒药|毒气|枪支|手枪|化学武器|生物武器)/,
      /制毒|自制(?:枪支|炸弹|炸药)|炸弹制作|炸药配方/,
    ],
  },
  'self-harm': {
    patterns: [
      /\b(?:encourag|support|promot|validat|glorif|romanti[cs]i[sz]|cheer)\w*\s+(?:(?:me|them|the user|users|him|her|people|others)\s+(?:to |in )?)?(?:self-?harm\w*|suicid\w*|cutting|kill(?:ing)? (?:myself|themselves|himself|herself|yourself)|starv\w*|anorexi\w*|eating disorders?|pro-?ana)\b(?! (?:prevention|hotlines?|awareness|recovery|treatment|support|resources|help|crisis)\b)/,
      /\b(?:how to|ways to|best way to|methods? (?:to|of|for)|help me|tips (?:to|for|on))\s+(?:kill (?:myself|themselves|himself|herself)|commit suicide|end (?:my|their|his|her) (?:own )?life|hurt (?:myself|themselves)|harm (?:myself|themselves)|self-?harm|cut (?:myself|themselves)|overdose|starve (?:myself|themselves))\b/,
      /\bpro-?ana\b|\bthinspo\b|\bsuicide (?:methods|instructions|tips|guide)\b/,
      /鼓励(?:我|用户|他|她|人)?(?:去)?(?:自杀|自残|自伤|轻生|绝食)|(?:如何|怎么|怎样|方法)(?:去)?(?:自杀|自残|割腕|结束(?:自己的)?生命)|自杀(?:方法|教程|指南)|支持(?:我)?(?:自杀|自残)/,
    ],
  },
  hate: {
    patterns: [
      /\b(?:write|writes|generate|make|makes|tell|tells|produce|create|include|use|uses|allow|allows|more|wants?|prefers?|enjoys?|likes?)\s+(?:\w+\s+){0,2}(?:racist|sexist|homophobic|transphobic|antisemitic|anti-semitic|islamophobic|xenophobic|bigoted|hateful|misogynistic|nazi)\s+(?:jokes?|content|remarks?|comments?|slurs?|language|rants?|humou?r|memes?|propaganda|stereotypes?|insults?|speech|essays?|stor(?:y|ies)|views|opinions)\b/,
      /\b(?:use|uses|using|include|includes|with|allow|allows)\s+(?:racial |ethnic |homophobic |racist )?slurs\b/,
      /\b(?:write|writes|generate|produce|create|spread|wants?|prefers?|allow|allows|more)\s+(?:\w+\s+)?hate speech\b/,
      /\b(?:demean|insult|mock|dehumani[sz]e|degrade|belittle|attack|ridicule|disparage|harass)\w*\s+(?:\w+\s+){0,3}(?:based on|because of|for their|for being)\s+(?:their\s+|his\s+|her\s+)?(?:race|religion|ethnicity|gender|sexual orientation|nationality|disability|skin colou?r|sexuality|caste)\b/,
      /(?:写|讲|生成|输出|说|来点|使用|用|多|喜欢|偏好|想要|要)[^，。,.!?！？]{0,4}?(?:种族歧视|歧视性|仇恨)的?(?:笑话|段子|言论|内容|语言|话)|(?:辱骂|侮辱|贬低|攻击)(?:黑人|女性|同性恋|穆斯林|犹太人|少数民族|残疾人|某个种族|特定种族|其他种族)/,
    ],
  },
};

/** NFKC (full-width to half-width), lower case, straight quotes, single spaces. */
function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[\u2018\u2019\u02bc\u2032]/g, "'").replace(/\s+/g, ' ').trim();
}

/** The first category (in SPURIOUS_CATEGORIES order) that one preference asks for, or null. */
export function findSpuriousCategory(preference: string): SpuriousCategory | null {
  const norm = normalise(preference);
  const cased = preference.normalize('NFKC');
  for (const category of SPURIOUS_CATEGORIES) {
    const { patterns, caseSensitive = [] } = CATEGORIES[category];
    if (patterns.some((re) => re.test(norm)) || caseSensitive.some((re) => re.test(cased))) return category;
  }
  return null;
}

/** Drops the candidate when any of its preferences asks for unsafe behaviour; detail = the category. */
export function checkSpuriousPreferences(candidate: FilterCandidate): FilterResult {
  for (const preference of candidate.preferences) {
    const category = findSpuriousCategory(preference);
    if (category) return { filter: 'spurious-preference', verdict: 'drop', detail: category };
  }
  return { filter: 'spurious-preference', verdict: 'pass', detail: null };
}
