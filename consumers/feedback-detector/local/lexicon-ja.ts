// Japanese cues, grouped by rubric like lexicon-en.ts (same weight scale). No spaces between words, so cues are
// phrases or verb/adjective stems; negation follows the stem (役に立ち|ません, 分から|ない: see negation.ts).
// Negated adjectives (良くない, すごくない) and idioms (悪くない, 問題ない) come first and claim their span.
import type { CueSpec } from './cues.js';

export const JA_CUES: readonly CueSpec[] = [
  // ---- neutral idioms -------------------------------------------------------------------------------------
  { rubric: null, pattern: 'こんにちは|こんばんは|おはよう|お願いします|おねがいします|ください|すみませんが|どういたしまして', weight: 0 },

  // ---- idioms with negation inside ------------------------------------------------------------------------
  { rubric: 'praise', pattern: '悪くない|わるくない|文句なし|言うことなし|申し分ない', weight: 0.9, negated: 'fixed', tag: '悪くない' },
  { rubric: 'acknowledgment', pattern: '問題ない|問題ありません|大丈夫|構いません|かまいません|了解|承知しました|かしこまりました|オッケー|おっけー', weight: 0.6, negated: 'fixed', tag: '問題ない' },
  { rubric: 'learning', pattern: '知らなかった|知りませんでした|初めて知り|初めて知った|勉強になり|勉強になった|なるほど|へえ|へぇ|へー|興味深い', weight: 0.9, negated: 'fixed', tag: '知らなかった' },
  { rubric: 'negative_feedback', pattern: '(?:すご|凄|良|よ|正し|面白|素晴らし|うれし|嬉し|わかりやす|分かりやす)く(?:ない|なかった|ありません)|うまくいかな|上手くいかな|うまくいきません|動かな|動きません|役に立たな|役に立ちません|使えな|使えません', weight: 1.2, negated: 'fixed', tag: '良くない' },

  // ---- dissatisfaction ------------------------------------------------------------------------------------
  { rubric: 'ignored', pattern: '質問に答えて|答えになってい|答えてない|答えていない|聞いてない|聞いていない|そういうことじゃな|そういう意味じゃな|そうじゃなくて|聞いたのは|聞いているのは|聞きたいのは|さっき(?:も)?言った|もう言った|何度も言|話を聞いて', weight: 1.4, negated: 'fixed', tag: '質問に答えて' },
  { rubric: 'revision', pattern: '言いたいのは|言ったのは|つもりでした|という意味です|のことです', weight: 0.9, negated: 'fixed', tag: '言いたいのは' },
  { rubric: 'factual_error', pattern: '違います|ちがいます|違うよ|ちがうよ|それは違う|違うでしょ|間違って|間違い|まちがい|誤り|誤っ|正確ではな|正確じゃな|おかしい|本当に\\?|本当ですか|ほんと\\?|ほんとう\\?|嘘|うそでしょ|デタラメ|でたらめ|矛盾|事実ではな', weight: 1.2, negated: 'fixed', tag: '違います' },
  { rubric: 'negative_feedback', pattern: 'ダメ|だめ|駄目|ひどい|酷い|最悪|意味がない|意味ない|意味不明|がっかり|つまらない|くだらない|うざい|無駄|イライラ|いらいら|困ります|不満|使い物にならな|役立たず|ふざけ|最低|まだ(?:動かない|エラー|だめ|ダメ)|同じエラー', weight: 1.3, negated: 'fixed', tag: 'ダメ' },
  { rubric: 'unrealistic_expectation', pattern: 'なんでできない|なぜできない|どうしてできない|できるはず|できるでしょ|やれよ|とにかくやって', weight: 1.1, negated: 'fixed', tag: 'なんでできない' },
  { rubric: 'no_engagement', pattern: 'もういい|もう結構|いいや|どうでもいい|忘れて|もうやめ|やめて|結構です|別にいい', weight: 1.0, negated: 'fixed', tag: 'もういい' },
  { rubric: 'lower_quality', pattern: '前の(?:方|ほう|回答|答え)が(?:良|よ|い)|前のほうがまし|劣化|悪くなった|(?:chatgpt|gpt|google|グーグル|gemini|claude)(?:は|なら|の方が)', weight: 1.1, negated: 'fixed', tag: '前の方が良かった' },
  { rubric: 'style', pattern: '長すぎ|短すぎ|難しすぎ|硬すぎ|堅すぎ|くどい|簡潔に|短く|簡単に|わかりやすく|分かりやすく|箇条書き|表で|表に|一言で|(?:日本語|英語)で(?:答え|回答|返答|お願い|話して|書いて)|丁寧に|敬語で|カジュアルに|要約して|まとめて', weight: 1.1, negated: 'fixed', tag: '長すぎ' },
  { rubric: 'insufficient_detail', pattern: 'もっと詳しく|詳しく|具体的に|具体例|例を(?:挙げて|教えて|ください)|例えば\\?|詳細|他には\\?|ほかには\\?|それだけ\\?|それだけですか|物足りな|不十分|足りない|もっと教えて|もっと(?:他の|ほかの)', weight: 1.0, negated: 'fixed', tag: '詳しく' },
  { rubric: 'revision', pattern: 'もう一度|もう一回|やり直|書き直|言い換え|修正して|直して|変えて|別の(?:案|例|もの|方法|やつ)|他の(?:案|例|もの|方法)|じゃなくて|ではなくて', weight: 1.0, negated: 'fixed', tag: 'もう一度' },
  { rubric: 'revision', pattern: 'まだ|また', weight: 0.4, negated: 'fixed', tag: 'まだ', hint: true },

  // ---- satisfaction ---------------------------------------------------------------------------------------
  { rubric: 'getting_there', pattern: '(?:だいぶ|かなり|少し|ずっと)?良くなった|よくなった|前より(?:良い|いい)|近づいた|惜しい|もう少し|あと少し|いい感じ', weight: 0.9, negated: { rubric: 'negative_feedback', weight: 0.9 }, tag: '良くなった' },
  { rubric: 'gratitude', pattern: '本当にありがと|ほんとうにありがと|どうもありがと|ありがとうございました|大変助かり|とても助かり|すごく助かり|本当に助かり|助かりました|助かった|感謝します|感謝しています|役に立(?:ち|っ|つ|た)', weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'ありがとうございました' },
  { rubric: 'gratitude', pattern: 'ありがとう|ありがと|有難う|サンキュー|感謝|どうも', weight: 0.6, negated: 'fixed', tag: 'ありがとう' },
  { rubric: 'praise', pattern: '素晴らしい|すばらしい|完璧|最高|すごい|凄い|さすが|流石|天才|見事|バッチリ|ばっちり|素敵|すてき|完ぺき|パーフェクト|お見事|よくできました|気に入り|気に入った|大好き|感動', weight: 1.2, negated: { rubric: 'negative_feedback', weight: 1.0 }, tag: '素晴らしい' },
  { rubric: 'praise', pattern: 'いいですね|いいね|良いですね|いいと思|良いと思|上手|いい|良い|うれしい|嬉しい', weight: 0.7, negated: { rubric: 'negative_feedback', weight: 1.1 }, tag: 'いいね' },
  { rubric: 'acknowledgment', pattern: 'わか(?:り|っ|る|ら)|分か(?:り|っ|る|ら)|理解(?:しました|できました|できた)', weight: 0.9, negated: { rubric: 'insufficient_detail', weight: 1.0 }, tag: 'わかりました' },
  { rubric: 'acknowledgment', pattern: 'そうですね|確かに|たしかに|その通り|そのとおり|おっしゃる通り|納得|正しい|合って', weight: 0.9, negated: { rubric: 'factual_error', weight: 0.9 }, tag: 'その通り' },
  { rubric: 'acknowledgment', pattern: '^(?:はい|うん|ええ|ok|そう)', weight: 0.15, negated: 'fixed', clauseStart: true, tag: 'はい', hint: true },
  { rubric: 'compliance', pattern: 'やってみ|試してみ|ためしてみ|使ってみ|動き(?:まし)?た|動いた|できました|出来ました|できた！|解決しま|解決した|うまくいき|うまくいった|上手くいっ|それにします|これにします|それでお願い', weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: '動きました' },
  { rubric: 'humor', pattern: '笑|ww+|草|爆笑|面白い|おもしろい|ウケる', weight: 0.8, negated: { rubric: 'negative_feedback', weight: 0.5 }, tag: '笑' },
  { rubric: 'positive_closure', pattern: '以上です|それだけです|またね|またよろしく|さようなら|おやすみ|お疲れ様', weight: 0.3, negated: 'fixed', tag: '以上です' },
];
