// Coarse intent and conversation-state guesses from keywords (the domain: domain.ts). These are side labels
// (the verdict is the polarity); an LLM judge does them properly, the local detector only gives a cheap first reading.
import type { ConversationState, Intent, Polarity } from '../../../src/feedback/rubrics.js';

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
