// Coarse intent, domain and conversation-state guesses from keywords. These are side labels (the verdict is
// the polarity); an LLM judge does them properly, the local detector only gives a cheap first reading.
import type { ConversationState, Domain, Intent, Polarity } from '../../../src/feedback/rubrics.js';

const DOMAIN_CUES: readonly [Domain, RegExp][] = [
  ['software_and_web_development', /\b(?:code|coding|python|javascript|typescript|java|c\+\+|rust|golang|html|css|sql|api|function|bug|compile|debug|react|node|git|regex|script|program|website)\b|代码|编程|程序|函数|报错/],
  ['ai_machine_learning_and_data_science', /\b(?:machine learning|neural|model training|dataset|llm|gpt|deep learning|pandas|data science|classifier)\b|机器学习|神经网络|数据集|大模型/],
  ['math_logic_and_statistics', /\b(?:math|equation|calculate|integral|derivative|probability|statistics|algebra|geometry|proof|theorem)\b|数学|方程|计算|概率|统计/],
  ['travel', /\b(?:hotel|guesthouse|flight|airport|trip|travel|vacation|holiday|tourist|attraction|museum|booking|check[- ]in|visa)\b|酒店|机票|旅游|旅行|景点/],
  ['transportation_automotive_and_aerospace', /\b(?:train|bus|taxi|cab|car rental|rental car|ride|station|drive|vehicle|car)\b|火车|高铁|出租车|打车|汽车/],
  ['cooking_food_and_drinks', /\b(?:restaurant|food|recipe|cook|cooking|dinner|lunch|breakfast|menu|cuisine|table for|reservation at|drink|wine|coffee|bake)\b|餐厅|菜谱|做饭|美食|吃饭/],
  ['entertainment', /\b(?:movie|film|show|concert|event|tickets?|theater|theatre|series|tv|netflix|actor)\b|电影|演唱会|电视剧|综艺/],
  ['music_and_audio', /\b(?:song|music|album|playlist|speaker|singer|band|lyrics|play (?:it|the|some))\b|音乐|歌曲|专辑|歌/],
  ['health_and_medicine', /\b(?:doctor|dentist|hospital|medicine|symptom|health|appointment with|clinic|therapy|diet|pain)\b|医生|医院|症状|健康|药/],
  ['housing_and_homes', /\b(?:apartment|house|rent|home|property|real estate|furnished|landlord)\b|房子|租房|公寓|买房/],
  ['finance_and_economics', /\b(?:bank|money|transfer|payment|account balance|invest|stock|loan|budget|economy|price|cost)\b|银行|转账|理财|股票|贷款|价格/],
  ['shopping_and_gifts', /\b(?:buy|shop|shopping|order|gift|product|store|purchase|discount)\b|购买|下单|商品|礼物|优惠|退货|退款/],
  ['shipping_and_delivery', /\b(?:shipping|delivery|deliver|package|parcel|courier|tracking)\b|快递|发货|物流|配送|收货/],
  ['weather', /\b(?:weather|rain|forecast|temperature|humid|sunny|snow)\b|天气|下雨|气温/],
  ['time_and_dates', /\b(?:calendar|schedule|alarm|reminder|date|time zone|what time)\b|日程|闹钟|提醒|日历/],
  ['writing_journalism_and_publishing', /\b(?:essay|article|write|rewrite|paragraph|blog|story|letter|email|draft|headline)\b|文章|写一|作文|邮件|稿/],
  ['literature_and_poetry', /\b(?:poem|poetry|novel|book|author|literature|rhyme)\b|诗|小说|文学/],
  ['language', /\b(?:translate|translation|grammar|english|chinese|spanish|french|word meaning|synonym|pronounce)\b|翻译|语法|英语|单词/],
  ['education', /\b(?:school|university|college|course|exam|homework|student|teacher|study|learn)\b|学校|大学|考试|作业|学习/],
  ['career_and_job_application', /\b(?:job|resume|cv|interview|career|salary|cover letter|hiring)\b|工作|简历|面试|求职|薪/],
  ['business_and_marketing', /\b(?:business|marketing|startup|company|customer|sales|brand|strategy)\b|公司|营销|市场|品牌/],
  ['sports_and_fitness', /\b(?:sport|game score|football|soccer|basketball|gym|workout|fitness|exercise|match)\b|运动|健身|足球|篮球/],
  ['games', /\b(?:video game|gaming|minecraft|chess|puzzle|play a game|rpg)\b|游戏/],
  ['law_and_politics', /\b(?:law|legal|lawyer|court|contract|election|government|policy|rights)\b|法律|律师|合同|政府/],
  ['psychology_and_emotions', /\b(?:feel|feeling|anxiety|depress\w*|stress|emotion|sad|lonely|mental)\b|焦虑|压力|情绪|难过/],
  ['dating_friendships_and_relationships', /\b(?:girlfriend|boyfriend|date|dating|relationship|friend|partner|marriage)\b|恋爱|女朋友|男朋友|朋友/],
  ['pets_and_animals', /\b(?:dog|cat|pet|animal|puppy|kitten|bird)\b|狗|猫|宠物|动物/],
  ['technology', /\b(?:phone|computer|laptop|wifi|internet|device|app|software|windows|iphone|android)\b|手机|电脑|网络|软件/],
  ['culture_and_history', /\b(?:history|historical|culture|ancient|war|empire|tradition)\b|历史|文化|古代/],
  ['physics_chemistry_and_astronomy', /\b(?:physics|chemistry|atom|molecule|planet|star|galaxy|quantum|energy)\b|物理|化学|天文|行星/],
  ['biology_and_life_science', /\b(?:biology|cell|gene|dna|evolution|species|organism)\b|生物|细胞|基因/],
  ['small_talk', /^(?:hi|hello|hey|how are you|good morning|what's up)\b|^你好|聊天/],
];

const DOMAIN_CUES_G: readonly [Domain, RegExp][] = DOMAIN_CUES.map(([d, re]) => [d, new RegExp(re.source, 'g')]);

export function guessDomain(text: string): Domain {
  let best: Domain = 'other';
  let bestCount = 0;
  for (const [domain, re] of DOMAIN_CUES_G) {
    const n = (text.match(re) ?? []).length;
    if (n > bestCount) {
      best = domain;
      bestCount = n;
    }
  }
  return best;
}

const CREATION_RE = /\b(?:write|rewrite|compose|draft|create|generate|make (?:me )?(?:a|an)|translate|design|code|implement|poem|story|essay|summar(?:y|ize|ise)|rewrite|paraphrase)\b|写|翻译|生成|创作|改写|润色/;
const ANALYSIS_RE = /\b(?:why|explain|compare|comparison|analy[sz]e|analysis|difference|pros and cons|evaluate|should i|which is better|reason|how does|how do)\b|为什么|分析|比较|区别|解释|原理/;
const CHAT_RE = /^(?:hi|hello|hey|how are you|what's up|tell me a joke|let's chat|i'm bored)\b|讲个笑话|聊天|无聊|你好/;

export function guessIntent(firstUser: string, followUp: string): Intent {
  const t = `${firstUser}\n${followUp}`;
  if (CHAT_RE.test(firstUser.trim())) return 'open_ended_discovery';
  if (CREATION_RE.test(t)) return 'creation';
  if (ANALYSIS_RE.test(t)) return 'analysis';
  if (t.trim() === '') return 'open_ended_discovery';
  return 'information_seeking';
}

const NEW_TASK_RE = /\b(?:i also (?:need|want)|another thing|one more thing|separately|different question|new question|now (?:i|can|could|please)|i (?:also )?(?:need|want) (?:to|a|an)|can you (?:also )?(?:find|book|get|help)|change of topic|unrelated)\b|另外|还有一个|换个话题|另一个问题/;

export function guessState(polarity: Polarity, refinement: boolean, followUpNorm: string, hasHistory: boolean): ConversationState {
  if (refinement) return 'REFINEMENT';
  if (polarity !== 'NONE') return 'FEEDBACK';
  if (!hasHistory) return 'CONTINUATION';
  if (NEW_TASK_RE.test(followUpNorm)) return 'NEWTOPIC';
  return 'CONTINUATION';
}
