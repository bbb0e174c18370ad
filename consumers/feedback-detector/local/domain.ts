// Which of the 50 A.1 domains a conversation is about, from keywords: a side label (the verdict is the polarity),
// cheap on purpose. Words are looked up in maps after one tokenisation (an alternation of every domain's words
// tried at each offset cost a fifth of the detector's time); CJK terms, which have no word boundaries, go
// through one regular expression, and only when the text has CJK characters.
import type { Domain } from '../../../src/feedback/rubrics.js';

/**
 * Per domain: English terms ('|'-separated; a term is one to three words; a trailing '*' makes its last word a
 * prefix) and CJK terms ('|'-separated substrings). Order breaks ties: earlier domains win.
 */
const DOMAIN_TERMS: readonly [Domain, string, string][] = [
  ['software_and_web_development', 'code|coding|python|javascript|typescript|java|c++|rust|golang|html|css|sql|api|function|bug|compile|debug|react|node|git|regex|script|program|website', '代码|编程|程序|函数|报错'],
  ['ai_machine_learning_and_data_science', 'machine learning|neural|model training|dataset|llm|gpt|deep learning|pandas|data science|classifier', '机器学习|神经网络|数据集|大模型'],
  ['math_logic_and_statistics', 'math|equation|calculate|integral|derivative|probability|statistics|algebra|geometry|proof|theorem', '数学|方程|计算|概率|统计'],
  ['travel', 'hotel|guesthouse|flight|airport|trip|travel|vacation|holiday|tourist|attraction|museum|booking|check in|visa', '酒店|机票|旅游|旅行|景点'],
  ['transportation_automotive_and_aerospace', 'train|bus|taxi|cab|car rental|rental car|ride|station|drive|vehicle|car', '火车|高铁|出租车|打车|汽车'],
  ['cooking_food_and_drinks', 'restaurant|food|recipe|cook|cooking|dinner|lunch|breakfast|menu|cuisine|table for|reservation at|drink|wine|coffee|bake', '餐厅|菜谱|做饭|美食|吃饭'],
  ['entertainment', 'movie|film|show|concert|event|ticket|tickets|theater|theatre|series|tv|netflix|actor', '电影|演唱会|电视剧|综艺'],
  ['music_and_audio', 'song|music|album|playlist|speaker|singer|band|lyrics|play it|play the|play some', '音乐|歌曲|专辑|歌'],
  ['health_and_medicine', 'doctor|dentist|hospital|medicine|symptom|health|appointment with|clinic|therapy|diet|pain', '医生|医院|症状|健康|药'],
  ['housing_and_homes', 'apartment|house|rent|home|property|real estate|furnished|landlord', '房子|租房|公寓|买房'],
  ['finance_and_economics', 'bank|money|transfer|payment|account balance|invest|stock|loan|budget|economy|price|cost', '银行|转账|理财|股票|贷款|价格'],
  ['shopping_and_gifts', 'buy|shop|shopping|order|gift|product|store|purchase|discount', '购买|下单|商品|礼物|优惠|退货|退款'],
  ['shipping_and_delivery', 'shipping|delivery|deliver|package|parcel|courier|tracking', '快递|发货|物流|配送|收货'],
  ['weather', 'weather|rain|forecast|temperature|humid|sunny|snow', '天气|下雨|气温'],
  ['time_and_dates', 'calendar|schedule|alarm|reminder|date|time zone|what time', '日程|闹钟|提醒|日历'],
  ['writing_journalism_and_publishing', 'essay|article|write|rewrite|paragraph|blog|story|letter|email|draft', '文章|写一|作文|邮件|稿'],
  ['literature_and_poetry', 'poem|poetry|novel|book|author|literature|rhyme', '诗|小说|文学'],
  ['language', 'translate|translation|grammar|english|chinese|spanish|french|word meaning|synonym|pronounce', '翻译|语法|英语|单词'],
  ['education', 'school|university|college|course|exam|homework|student|teacher|study|learn', '学校|大学|考试|作业|学习'],
  ['career_and_job_application', 'job|resume|cv|interview|career|salary|cover letter|hiring', '工作|简历|面试|求职|薪'],
  ['business_and_marketing', 'business|marketing|startup|company|customer|sales|brand|strategy', '公司|营销|市场|品牌'],
  ['sports_and_fitness', 'sport|game score|football|soccer|basketball|gym|workout|fitness|exercise|match', '运动|健身|足球|篮球'],
  ['games', 'video game|gaming|minecraft|chess|puzzle|play a game|rpg', '游戏'],
  ['law_and_politics', 'law|legal|lawyer|court|contract|election|government|policy|rights', '法律|律师|合同|政府'],
  ['psychology_and_emotions', 'feel|feeling|anxiety|depress*|stress|emotion|sad|lonely|mental', '焦虑|压力|情绪|难过'],
  ['dating_friendships_and_relationships', 'girlfriend|boyfriend|date|dating|relationship|friend|partner|marriage', '恋爱|女朋友|男朋友|朋友'],
  ['pets_and_animals', 'dog|cat|pet|animal|puppy|kitten|bird', '狗|猫|宠物|动物'],
  ['technology', 'phone|computer|laptop|wifi|internet|device|app|software|windows|iphone|android', '手机|电脑|网络|软件'],
  ['culture_and_history', 'history|historical|culture|ancient|war|empire|tradition', '历史|文化|古代'],
  ['physics_chemistry_and_astronomy', 'physics|chemistry|atom|molecule|planet|star|galaxy|quantum|energy', '物理|化学|天文|行星'],
  ['biology_and_life_science', 'biology|cell|gene|dna|evolution|species|organism', '生物|细胞|基因'],
  ['astrology', 'astrology|horoscope|zodiac|tarot|natal chart|aries|taurus|gemini sign|virgo|scorpio|sagittarius|capricorn|aquarius|pisces', '星座|占星|塔罗|运势'],
  ['clothing_and_fashion', 'outfit|clothes|clothing|dress|shirt|jeans|shoes|sneakers|fashion|wardrobe|jacket|wear', '衣服|穿搭|时尚|裙子|鞋'],
  ['crafts', 'knit*|crochet|sewing|embroider*|origami|diy|woodwork*|pottery|scrapbook*|handmade', '手工|编织|刺绣|折纸'],
  ['cybersecurity', 'security|hack*|malware|virus|phishing|password|encrypt*|firewall|vulnerabilit*|exploit|cve', '网络安全|黑客|病毒|加密|漏洞'],
  ['design', 'logo|ui|ux|user interface|layout|typography|font|color palette|figma|mockup|wireframe|graphic design', '设计|排版|字体|配色'],
  ['environment_agriculture_and_energy', 'climate|environment*|pollution|recycl*|renewable|solar|farm*|agricultur*|crop|crops|carbon|sustainab*', '环境|气候|污染|农业|能源|碳'],
  ['family_parenting_and_weddings', 'wedding|parenting|toddler|baby|newborn|my kid|my kids|my son|my daughter|my children|bride|groom|pregnan*', '婚礼|育儿|孩子|宝宝|怀孕'],
  ['geography_and_geology', 'geography|country|capital of|continent|mountain|river|volcano|earthquake|geolog*|rock|rocks|mineral', '地理|首都|山脉|河流|火山|地震'],
  ['humor_and_sarcasm', 'joke|jokes|funny|pun|puns|sarcas*|meme|roast|riddle', '笑话|段子|幽默|讽刺'],
  ['manufacturing_and_materials', 'manufactur*|factory|assembly line|material|materials|steel|plastic|alloy|cnc|3d print*|welding', '制造|工厂|材料|钢|塑料'],
  ['news', 'news|headline|breaking|current events|latest on|journalist', '新闻|头条|时事'],
  ['philosophy', 'philosoph*|meaning of life|ethic*|moral*|existential*|consciousness|free will|stoic*|nietzsche|kant|plato', '哲学|道德|伦理|意义'],
  ['productivity', 'productiv*|todo list|to do list|time management|procrastinat*|habit|focus|pomodoro|routine|organise my|organize my', '效率|拖延|时间管理|习惯'],
  ['religion_and_mythology', 'god|gods|religio*|bible|quran|church|prayer|myth*|buddh*|christian*|islam*|hindu*|zeus', '宗教|上帝|佛|神话|圣经'],
  ['social_media', 'instagram|tiktok|twitter|facebook|youtube|social media|followers|hashtag|post caption|influencer|reddit', '微博|抖音|小红书|朋友圈|社交媒体'],
  ['taxation', 'tax|taxes|irs|vat|deduction|tax return|1099|w2|w 2', '税|报税|个税|发票'],
  ['visual_arts_and_photography', 'paint*|drawing|sketch|art|artist|photo*|camera|canvas|watercolor|watercolour|portrait', '绘画|画画|摄影|相机|照片|艺术'],
  ['small_talk', '', '聊天'],
];

/** Openings that make a conversation small talk wherever else it goes. */
const SMALL_TALK_OPENING_RE = /^(?:hi|hello|hey|how are you|good morning|what's up)\b|^你好/;

interface DomainIndex {
  /** 'word', 'two words' or 'three words words' -> domain index. */
  terms: Map<string, number>;
  /** First words of multi-word terms: only these start an n-gram lookup. */
  phraseStarts: Set<string>;
  /** Word prefix -> domain index. */
  prefixes: Map<string, number>;
  /** The first three letters of every prefix: most words are ruled out with one lookup. */
  prefixHeads: Set<string>;
  prefixLengths: number[];
  cjk: RegExp;
  cjkTerms: Map<string, number>;
}

function buildIndex(): DomainIndex {
  const terms = new Map<string, number>();
  const prefixes = new Map<string, number>();
  const cjkTerms = new Map<string, number>();
  DOMAIN_TERMS.forEach(([, english, cjk], d) => {
    for (const term of english.split('|').filter(Boolean)) {
      const target = term.endsWith('*') ? prefixes : terms;
      const key = term.replace(/\*$/, '');
      if (!target.has(key)) target.set(key, d);
    }
    for (const term of cjk.split('|').filter(Boolean)) if (!cjkTerms.has(term)) cjkTerms.set(term, d);
  });
  // longest first, so 网络安全 is read before 网络
  const alternatives = [...cjkTerms.keys()].sort((a, b) => b.length - a.length);
  return {
    terms,
    phraseStarts: new Set([...terms.keys()].filter((t) => t.includes(' ')).map((t) => t.split(' ')[0]!)),
    prefixes,
    prefixHeads: new Set([...prefixes.keys()].map((p) => p.slice(0, 3))),
    prefixLengths: [...new Set([...prefixes.keys()].map((p) => p.length))].sort((a, b) => b - a),
    cjk: new RegExp(alternatives.join('|'), 'g'),
    cjkTerms,
  };
}

const INDEX = buildIndex();
const TOKEN_RE = /[a-z0-9+#]+/g;
const CJK_RE = /[\u3400-\u9fff]/;

/** The domain with the most term hits in a lower-cased text (ties: the earlier domain), or 'other'. */
export function guessDomain(text: string): Domain {
  const counts = new Array<number>(DOMAIN_TERMS.length).fill(0);
  const tokens = text.match(TOKEN_RE) ?? [];
  for (let i = 0; i < tokens.length; ) {
    const consumed = countTermAt(tokens, i, counts);
    i += consumed;
  }
  if (CJK_RE.test(text)) {
    INDEX.cjk.lastIndex = 0;
    for (let m = INDEX.cjk.exec(text); m; m = INDEX.cjk.exec(text)) counts[INDEX.cjkTerms.get(m[0])!]!++;
  }
  if (SMALL_TALK_OPENING_RE.test(text)) counts[DOMAIN_TERMS.length - 1]!++;
  let best = -1;
  let bestCount = 0;
  counts.forEach((n, d) => {
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  });
  return best < 0 ? 'other' : DOMAIN_TERMS[best]![0];
}

/** Counts the longest term starting at token i (three words, two, one, then a prefix); returns tokens used. */
function countTermAt(tokens: readonly string[], i: number, counts: number[]): number {
  const w = tokens[i]!;
  if (INDEX.phraseStarts.has(w) && i + 1 < tokens.length) {
    const two = `${w} ${tokens[i + 1]}`;
    const three = i + 2 < tokens.length ? INDEX.terms.get(`${two} ${tokens[i + 2]}`) : undefined;
    if (three !== undefined) {
      counts[three]!++;
      return 3;
    }
    const d = INDEX.terms.get(two);
    if (d !== undefined) {
      counts[d]!++;
      return 2;
    }
  }
  const d = INDEX.terms.get(w);
  if (d !== undefined) {
    counts[d]!++;
    return 1;
  }
  if (w.length < 3 || !INDEX.prefixHeads.has(w.slice(0, 3))) return 1;
  for (const len of INDEX.prefixLengths) {
    if (len > w.length) continue;
    const p = INDEX.prefixes.get(w.slice(0, len));
    if (p !== undefined) {
      counts[p]!++;
      return 1;
    }
  }
  return 1;
}
