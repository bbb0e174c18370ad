// Polish cues (a smaller set), grouped by rubric like lexicon-en.ts. Polish inflects, so some cues are stems
// with any ending; "nie" before the cue negates it (negation.ts), idioms ("nie ma problemu", "nieźle") first.
import type { CueSpec } from './cues.js';
import { wordPattern as w } from './languages.js';

const E = '\\p{L}*'; // any inflectional ending

export const PL_CUES: readonly CueSpec[] = [
  { rubric: null, pattern: w('cześć|czesc|dzień dobry|proszę|prosze|nie ma za co'), weight: 0 },
  { rubric: 'acknowledgment', pattern: w('nie ma problemu|bez problemu|nic nie szkodzi|w porządku|w porzadku|jasne|rozumiem|zrozumiałem|zrozumiałam|dobra'), weight: 0.6, negated: 'fixed', tag: 'nie ma problemu' },
  { rubric: 'praise', pattern: w('nieźle|niezle|nie(?:zbyt )?najgorzej|całkiem nieźle'), weight: 0.9, negated: 'fixed', tag: 'nieźle' },
  { rubric: 'learning', pattern: w(`nie wiedział${E}|ciekawe|interesujące|teraz rozumiem|dowiedział${E} się`), weight: 0.9, negated: 'fixed', tag: 'nie wiedziałem' },
  { rubric: 'ignored', pattern: w(`(?:to )?nie o to (?:pytał${E}|prosił${E}|chodziło)|nie odpowiedział${E} na (?:moje )?pytanie|odpowiedz na (?:moje )?pytanie|już (?:mówił${E}|pisał${E})|nie na temat`), weight: 1.4, negated: 'fixed', tag: 'nie o to pytałem' },
  { rubric: 'factual_error', pattern: w(`źle|zle|błąd|błędn${E}|bledn${E}|nieprawd${E}|niepoprawn${E}|nie(?:prawidłow|poprawn)${E}|mylisz się|jesteś pewien|jestes pewien|na pewno\\?|bzdur${E}`), weight: 1.2, negated: 'fixed', tag: 'źle' },
  { rubric: 'negative_feedback', pattern: w(`nie działa|nie dziala|nie pomogło|nie pomoglo|nadal nie|bezużyteczn${E}|bezuzyteczn${E}|beznadziejn${E}|okropn${E}|straszn${E}|słab${E}|kiepsk${E}|głupi${E}|rozczarowan${E}|strata czasu`), weight: 1.3, negated: 'fixed', tag: 'nie działa' },
  { rubric: 'no_engagement', pattern: w('nieważne|niewazne|zapomnij|daj spokój|daj spokoj|olej to|wszystko jedno'), weight: 1.0, negated: 'fixed', tag: 'nieważne' },
  { rubric: 'style', pattern: w(`za długi${E}|za dlugi${E}|za długo|krócej|krocej|krótsz${E}|prości${E}|w punktach|w tabeli|po polsku|po angielsku|streść|podsumuj`), weight: 1.1, negated: 'fixed', tag: 'za długie' },
  { rubric: 'insufficient_detail', pattern: w(`więcej (?:szczegółów|informacji|przykładów)|wiecej (?:szczegolow|informacji|przykladow)|szczegółow${E}|dokładniej|dokladniej|przykład\\?|podaj przykład|za ogólnie|to wszystko\\?|inne (?:opcje|propozycje|pomysły)`), weight: 1.0, negated: 'fixed', tag: 'więcej szczegółów' },
  { rubric: 'revision', pattern: w(`jeszcze raz|spróbuj (?:jeszcze raz|ponownie)|napisz (?:to )?(?:jeszcze raz|od nowa|ponownie)|przepisz|popraw${E}|zmień|zmien|chodziło mi o|miałem na myśli|miałam na myśli`), weight: 1.0, negated: 'fixed', tag: 'jeszcze raz' },
  { rubric: 'gratitude', pattern: w(`bardzo dziękuję|bardzo dziekuje|dzięki wielkie|dzieki wielkie|wielkie dzięki|bardzo (?:pomocn${E}|przydatn${E})|bardzo mi pomogł${E}`), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'bardzo dziękuję' },
  { rubric: 'gratitude', pattern: w(`dziękuję|dziekuje|dzięki|dzieki|dzięks|dzk|pomocn${E}|przydatn${E}|pomogło|pomoglo`), weight: 0.6, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'dzięki' },
  { rubric: 'praise', pattern: w(`świetn${E}|swietn${E}|doskonał${E}|doskonal${E}|idealn${E}|genialn${E}|super|rewelacj${E}|wspaniał${E}|bardzo dobrze|dobra robota|o to chodziło|extra|ekstra`), weight: 1.2, negated: { rubric: 'negative_feedback', weight: 0.8 }, tag: 'świetnie' },
  { rubric: 'praise', pattern: w(`dobrze|dobr${E}|fajn${E}|spoko`), weight: 0.7, negated: { rubric: 'negative_feedback', weight: 1.1 }, tag: 'dobrze' },
  { rubric: 'acknowledgment', pattern: w('zgadza się|zgadza sie|racja|masz rację|masz racje|dokładnie|dokladnie|ma sens|zgoda'), weight: 0.9, negated: { rubric: 'factual_error', weight: 0.9 }, tag: 'racja' },
  { rubric: 'compliance', pattern: w(`spróbuję|sprobuje|teraz działa|teraz dziala|zadziałało|zadzialalo|działa!|udało się|udalo sie|rozwiązane`), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'działa' },
  { rubric: 'humor', pattern: w('haha\\p{L}*|xd+|śmieszne|smieszne'), weight: 0.8, negated: 'fixed', tag: 'haha' },
  { rubric: 'positive_closure', pattern: w('to wszystko|nic więcej|do widzenia|na razie|miłego dnia'), weight: 0.3, negated: 'fixed', tag: 'do widzenia' },
];
