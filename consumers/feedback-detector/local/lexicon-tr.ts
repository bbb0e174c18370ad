// Turkish cues (a smaller set), grouped by rubric like lexicon-en.ts. Turkish negates with suffixes
// (olmadı, yaramadı), so negative forms are cues of their own; "değil" after the cue negates it (negation.ts).
import type { CueSpec } from './cues.js';
import { wordPattern as w } from './languages.js';

const E = '\\p{L}*'; // any suffix

export const TR_CUES: readonly CueSpec[] = [
  { rubric: null, pattern: w('merhaba|selam|lütfen|lutfen|rica ederim'), weight: 0 },
  { rubric: 'acknowledgment', pattern: w('sorun (?:değil|yok)|problem (?:değil|yok)|önemli değil|tamam|anladım|anlaşıldı|peki'), weight: 0.6, negated: 'fixed', tag: 'sorun değil' },
  { rubric: 'praise', pattern: w('fena değil|hiç fena değil|kötü değil'), weight: 0.9, negated: 'fixed', tag: 'fena değil' },
  { rubric: 'learning', pattern: w(`bilmiyordum|öğrendim|ilginç|ilginc|şimdi anladım|simdi anladim`), weight: 0.9, negated: 'fixed', tag: 'bilmiyordum' },
  { rubric: 'ignored', pattern: w(`(?:bu )?(?:benim )?sorduğum (?:şey )?(?:bu )?değil|istediğim (?:bu )?değil|soruma cevap ver${E}|soruyu (?:anlamadın|okumadın)|zaten söyledim|daha önce söyledim|konu dışı`), weight: 1.4, negated: 'fixed', tag: 'sorduğum bu değil' },
  { rubric: 'factual_error', pattern: w(`yanlış${E}|yanlis${E}|hatalı|hatali|doğru değil|dogru degil|emin misin|gerçekten mi\\?|saçma|sacma|uydurma`), weight: 1.2, negated: 'fixed', tag: 'yanlış' },
  { rubric: 'negative_feedback', pattern: w(`(?:i|İ)şe yaramadı|ise yaramadi|(?:i|İ)şe yaramıyor|çalışmıyor|calismiyor|çalışmadı|yardımcı olmadı|yardimci olmadi|faydasız|faydasiz|berbat|kötü|kotu|rezalet|saçmalık|hayal kırıklığı|beğenmedim|begenmedim|olmadı|olmamış`), weight: 1.3, negated: 'fixed', tag: 'işe yaramadı' },
  { rubric: 'no_engagement', pattern: w('boş ver|bos ver|unut gitsin|neyse|farketmez|fark etmez'), weight: 1.0, negated: 'fixed', tag: 'boş ver' },
  { rubric: 'style', pattern: w(`çok uzun|cok uzun|daha kısa|daha kisa|kısalt(?:ır mısın|ın)?|kisalt|özetle|madde madde|maddeler halinde|tablo (?:olarak|halinde)|türkçe (?:yaz|cevap ver|olarak)|ingilizce (?:yaz|olarak)|daha basit`), weight: 1.1, negated: 'fixed', tag: 'çok uzun' },
  { rubric: 'insufficient_detail', pattern: w(`daha (?:fazla )?(?:detay${E}|ayrıntı${E}|açıkla)|detaylı|ayrıntılı|örnek ver${E}|örnek\\?|yetersiz|eksik|bu kadar mı\\?|başka (?:seçenek|öneri|fikir)${E}`), weight: 1.0, negated: 'fixed', tag: 'daha fazla detay' },
  { rubric: 'revision', pattern: w(`tekrar (?:dene|yaz|yap)${E}|yeniden (?:yaz|dene|yap)${E}|baştan yaz|düzelt(?:ir misin|in)?|duzelt|değiştir(?:ir misin|in)?|degistir|başka bir|demek istediğim|kastettiğim`), weight: 1.0, negated: 'fixed', tag: 'tekrar dene' },
  { rubric: 'gratitude', pattern: w(`çok teşekkür${E}|cok tesekkur${E}|çok sağ ol|çok yardımcı oldu${E}|çok işime yaradı|çok faydalı`), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'çok teşekkürler' },
  { rubric: 'gratitude', pattern: w(`teşekkür${E}|tesekkur${E}|sağ ?ol${E}|sag ?ol${E}|eyvallah|tşk|tsk|yardımcı oldu|işime yaradı|faydalı`), weight: 0.6, negated: 'fixed', tag: 'teşekkürler' },
  { rubric: 'praise', pattern: w(`harika|mükemmel|mukemmel|süper|super|muhteşem|çok iyi|cok iyi|bayıldım|çok güzel|aferin|eline sağlık|tam istediğim gibi|efsane`), weight: 1.2, negated: { rubric: 'negative_feedback', weight: 0.8 }, tag: 'harika' },
  { rubric: 'praise', pattern: w('güzel|guzel|iyi|hoş'), weight: 0.7, negated: { rubric: 'negative_feedback', weight: 1.1 }, tag: 'güzel' },
  { rubric: 'acknowledgment', pattern: w('doğru|dogru|haklısın|haklisin|aynen|kesinlikle|mantıklı|mantikli'), weight: 0.9, negated: { rubric: 'factual_error', weight: 0.9 }, tag: 'doğru' },
  { rubric: 'compliance', pattern: w(`deneyeceğim|deneyecegim|deneyeyim|şimdi çalışıyor|çalıştı|calisti|halloldu|sorun çözüldü|çözüldü`), weight: 0.9, negated: 'fixed', tag: 'çalıştı' },
  { rubric: 'humor', pattern: w('haha\\p{L}*|sjsj\\p{L}*|komik'), weight: 0.8, negated: 'fixed', tag: 'haha' },
  { rubric: 'positive_closure', pattern: w('bu kadar|hepsi bu|görüşürüz|hoşça kal|iyi günler'), weight: 0.3, negated: 'fixed', tag: 'görüşürüz' },
];
