// Emoji and emoticons (any script), and a few high-precision cues in other languages, so the commonest feedback (thanks, praise, "wrong") is not
// missed when a user writes neither English nor Chinese. Matched in any script; words of space-separated
// languages need letter boundaries, Japanese and Korean ones do not (no spaces between words).
import type { CueSpec } from './cues.js';

const word = (alternatives: string) => `(?<!\\p{L})(?:${alternatives})(?!\\p{L})`;

export const INTL_CUES: readonly CueSpec[] = [
  { rubric: 'praise', pattern: '!+', weight: 0.3, negated: 'fixed', tag: '!', hint: true },
  { rubric: 'negative_feedback', pattern: '😠|😡|🤬|😤|😞|😒|🙄|👎|😩|😫|:-?\\(', weight: 1.2, negated: 'fixed', tag: 'negative emoji' },
  { rubric: 'gratitude', pattern: '🙏|🤝', weight: 0.9, negated: 'fixed', tag: 'thanks emoji' },
  { rubric: 'humor', pattern: '😂|🤣|😆|😅|😜|😝', weight: 0.8, negated: 'fixed', tag: 'humor emoji' },
  { rubric: 'praise', pattern: '😀|😃|😄|😁|😊|🙂|☺|😍|🥰|🤩|👍|👌|💯|🎉|🥳|✨|❤|💕|💖|♥|👏|🔥|😉|:-?\\)|(?<![a-z]):d(?![a-z])|;-?\\)|<3', weight: 1.0, negated: 'fixed', tag: 'happy emoji' },
  { rubric: 'gratitude', pattern: `${word('danke(?: schön| sehr)?|vielen dank|gracias|muchas gracias|merci(?: beaucoup)?|grazie(?: mille)?|obrigad[oa]|dank je|dankjewel|tack|спасибо|благодарю|teşekkürler|dziękuję|cảm ơn|شكرا')}|ありがとう|どうも|감사합니다|고마워|고맙습니다`, weight: 0.6, negated: 'fixed', tag: 'thanks (intl)' },
  { rubric: 'praise', pattern: `${word('perfecto|excelente|genial|génial|parfait|très bien|toll|prima|perfekt|wunderbar|ottimo|perfetto|отлично|супер|прекрасно')}|すごい|素晴らしい|完璧|좋아요|최고|완벽`, weight: 1.1, negated: 'fixed', tag: 'praise (intl)' },
  { rubric: 'factual_error', pattern: `${word("falsch|incorrecto|incorrecta|equivocado|c'est faux|faux|sbagliato|errato|неправильно|неверно|ошибка")}|違います|間違い|틀렸|잘못`, weight: 1.2, negated: 'fixed', tag: 'wrong (intl)' },
  { rubric: 'negative_feedback', pattern: `${word('nutzlos|inútil|inutile|бесполезно')}|役に立たない|쓸모없`, weight: 1.3, negated: 'fixed', tag: 'useless (intl)' },
];
