// Dutch cues (a smaller set), grouped by rubric like lexicon-en.ts. "niet"/"geen" before the cue, or "niet"
// right after a verb ("werkt niet"), negates it (negation.ts); idioms ("geen probleem", "niet slecht") first.
import type { CueSpec } from './cues.js';
import { wordPattern as w } from './languages.js';

export const NL_CUES: readonly CueSpec[] = [
  { rubric: null, pattern: w('hallo|hoi|goedemorgen|alsjeblieft|alstublieft|graag gedaan|geen dank'), weight: 0 },
  { rubric: 'acknowledgment', pattern: w('geen probleem|geen zorgen|maakt niet uit|prima|begrepen|duidelijk|oké|helder'), weight: 0.6, negated: 'fixed', tag: 'geen probleem' },
  { rubric: 'praise', pattern: w('niet slecht|helemaal niet slecht'), weight: 0.9, negated: 'fixed', tag: 'niet slecht' },
  { rubric: 'learning', pattern: w('wist ik niet|interessant|nu snap ik het|nu begrijp ik het|weer wat geleerd'), weight: 0.9, negated: 'fixed', tag: 'wist ik niet' },
  { rubric: 'ignored', pattern: w('(?:dat is )?niet wat ik (?:vroeg|bedoelde|wilde)|je hebt (?:mijn vraag )?niet (?:beantwoord|begrepen)|beantwoord (?:mijn|de) vraag|dat zei ik al|ik zei al|zoals ik al zei'), weight: 1.4, negated: 'fixed', tag: 'niet wat ik vroeg' },
  { rubric: 'factual_error', pattern: w('(?:dat is |het is )?(?:fout|onjuist|verkeerd|incorrect)|klopt niet|niet (?:juist|correct|waar)|weet je het zeker|echt\\?|onzin|slaat nergens op'), weight: 1.2, negated: 'fixed', tag: 'fout' },
  { rubric: 'negative_feedback', pattern: w('werkt niet|werkt nog steeds niet|helpt niet|nutteloos|waardeloos|slecht|vreselijk|verschrikkelijk|teleurgesteld|teleurstellend|irritant|dom|zonde van mijn tijd'), weight: 1.3, negated: 'fixed', tag: 'werkt niet' },
  { rubric: 'no_engagement', pattern: w('laat maar|vergeet het|maakt me niet uit|boeit niet'), weight: 1.0, negated: 'fixed', tag: 'laat maar' },
  { rubric: 'style', pattern: w('te lang|te kort|te ingewikkeld|te formeel|korter|beknopter|eenvoudiger|in opsommingstekens|in (?:een )?tabel|in het (?:nederlands|engels)|in (?:het )?kort'), weight: 1.1, negated: 'fixed', tag: 'te lang' },
  { rubric: 'insufficient_detail', pattern: w('meer (?:details|informatie|uitleg|voorbeelden)|gedetailleerder|uitgebreider|een voorbeeld|te vaag|te algemeen|is dat alles\\?|andere (?:opties|ideeën|suggesties)'), weight: 1.0, negated: 'fixed', tag: 'meer details' },
  { rubric: 'revision', pattern: w('nog een keer|nog eens|opnieuw|herschrijf|herformuleer|verbeter (?:het|dat)|pas (?:het|dat) aan|verander (?:het|dat)|ik bedoelde|ik bedoel'), weight: 1.0, negated: 'fixed', tag: 'opnieuw' },
  { rubric: 'gratitude', pattern: w('heel erg bedankt|hartelijk bedankt|dank je wel|dankjewel|dank u wel|bedankt voor|heel (?:nuttig|handig|behulpzaam)|je hebt me (?:erg )?geholpen'), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'dank je wel' },
  { rubric: 'gratitude', pattern: w('bedankt|dank je|dank|thanks|nuttig|handig|geholpen'), weight: 0.6, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'bedankt' },
  { rubric: 'praise', pattern: w('perfect|geweldig|uitstekend|fantastisch|top|super|heel goed|goed gedaan|precies wat ik (?:zocht|nodig had)|mooi zo|fijn'), weight: 1.2, negated: { rubric: 'negative_feedback', weight: 0.8 }, tag: 'geweldig' },
  { rubric: 'praise', pattern: w('goed|mooi|leuk|tof'), weight: 0.7, negated: { rubric: 'negative_feedback', weight: 1.1 }, tag: 'goed' },
  { rubric: 'acknowledgment', pattern: w('klopt|juist|precies|je hebt gelijk|dat is waar|logisch|eens'), weight: 0.9, negated: { rubric: 'factual_error', weight: 0.9 }, tag: 'klopt' },
  { rubric: 'compliance', pattern: w('ik ga het proberen|ik probeer het|het werkt(?: nu)?|werkt nu|opgelost|gelukt'), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'het werkt' },
  { rubric: 'humor', pattern: w('haha\\p{L}*|grappig'), weight: 0.8, negated: 'fixed', tag: 'haha' },
  { rubric: 'positive_closure', pattern: w('dat was het|dat is alles|doei|tot ziens|fijne dag'), weight: 0.3, negated: 'fixed', tag: 'tot ziens' },
];
