// Emoji and emoticons: feedback in any language and script. Words of each language live in lexicon-<lang>.ts.
import type { CueSpec } from './cues.js';

export const INTL_CUES: readonly CueSpec[] = [
  { rubric: 'praise', pattern: '!+', weight: 0.3, negated: 'fixed', tag: '!', hint: true },
  { rubric: 'negative_feedback', pattern: '😠|😡|🤬|😤|😞|😒|🙄|👎|😩|😫|:-?\\(', weight: 1.2, negated: 'fixed', tag: 'negative emoji' },
  { rubric: 'gratitude', pattern: '🙏|🤝', weight: 0.9, negated: 'fixed', tag: 'thanks emoji' },
  { rubric: 'humor', pattern: '😂|🤣|😆|😅|😜|😝', weight: 0.8, negated: 'fixed', tag: 'humor emoji' },
  { rubric: 'praise', pattern: '😀|😃|😄|😁|😊|🙂|☺|😍|🥰|🤩|👍|👌|💯|🎉|🥳|✨|❤|💕|💖|♥|👏|🔥|😉|:-?\\)|(?<![a-z]):d(?![a-z])|;-?\\)|<3', weight: 1.0, negated: 'fixed', tag: 'happy emoji' },
];
