// Italian cues, grouped by rubric like lexicon-en.ts (same weight scale). Idioms holding a negator ("non c'è
// problema", "niente male", "non male") come first and claim their span; negation otherwise follows
// negation.ts (non/mai before the cue: "non funziona", "non mi è utile").
import type { CueSpec } from './cues.js';
import { wordPattern as w } from './languages.js';

export const IT_CUES: readonly CueSpec[] = [
  // ---- neutral idioms -------------------------------------------------------------------------------------
  { rubric: null, pattern: w("ciao|buongiorno|buonasera|prego|per favore|per piacere|di niente|non c'è di che|vero\\?"), weight: 0 },

  // ---- idioms with negation inside ------------------------------------------------------------------------
  { rubric: 'acknowledgment', pattern: w("non c'è problema|non ce problema|nessun problema|non preoccuparti|va bene|va benissimo|d'accordo|ok,? capito|intesi"), weight: 0.6, negated: 'fixed', tag: 'nessun problema' },
  { rubric: 'praise', pattern: w('niente male|non (?:è )?male|non (?:è )?(?:per )?niente male|non potrebbe essere meglio|non (?:potevo|potrei) chiedere di meglio'), weight: 0.9, negated: 'fixed', tag: 'niente male' },
  { rubric: 'learning', pattern: w("non (?:lo )?sapevo|non ne avevo idea|ho imparato|adesso (?:ho )?capito|ora (?:ho )?capito|ora capisco|buono a sapersi|interessante|ah ok|ah,? capisco|questo spiega"), weight: 0.9, negated: 'fixed', tag: 'non lo sapevo' },

  // ---- sarcasm ------------------------------------------------------------------------------------------------
  { rubric: 'negative_feedback', pattern: w('grazie per niente|grazie di niente|molto divertente'), weight: 1.3, negated: 'fixed', tag: 'grazie per niente' },

  // ---- dissatisfaction ------------------------------------------------------------------------------------
  { rubric: 'ignored', pattern: w("non (?:è|e) quello che (?:ti )?(?:ho chiesto|volevo|ho detto|intendevo)|non hai (?:risposto|capito|letto)|rispondi alla (?:mia )?domanda|non era la mia domanda|fuori tema|te l'ho già (?:detto|chiesto|spiegato)|te l'ho gia detto|come (?:ti )?ho già detto|come ho detto|per la (?:seconda|terza) volta"), weight: 1.4, negated: 'fixed', tag: 'non è quello che ho chiesto' },
  { rubric: 'revision', pattern: w('intendevo|volevo dire|mi riferivo|quello che volevo|ho detto|ho chiesto'), weight: 0.9, negated: 'fixed', tag: 'intendevo' },
  { rubric: 'factual_error', pattern: w("(?:è|e) (?:completamente |totalmente )?(?:sbagliato|sbagliata|errato|errata|falso|scorretto)|non (?:è|e) (?:corretto|giusto|vero|esatto)|ti sbagli|hai sbagliato|risposta sbagliata|sei sicuro|sei sicura|davvero\\?|non ha senso|te lo sei inventato|hai inventato|sciocchezze|assurdo"), weight: 1.2, negated: 'fixed', tag: 'è sbagliato' },
  { rubric: 'factual_error', pattern: w('sbagliato|sbagliata|errato|errata|scorretto|inesatto'), weight: 1.2, negated: { rubric: 'acknowledgment', weight: 0.3 }, tag: 'sbagliato' },
  { rubric: 'factual_error', pattern: w('errori|errore'), weight: 0.6, tag: 'errore' },
  { rubric: 'negative_feedback', pattern: w("non (?:mi )?(?:funziona|ha funzionato|aiuta|ha aiutato|serve|è servito)|ancora non funziona|continua a non funzionare|(?:sempre |ancora )?lo stesso errore|stesso problema"), weight: 1.2, negated: 'fixed', tag: 'non funziona' },
  { rubric: 'negative_feedback', pattern: w('inutile|pessimo|pessima|orribile|terribile|schifo|fa schifo|una merda|stupido|stupida|ridicolo|ridicola|deludente|deluso|delusa|frustrante|fastidioso|perdita di tempo|che palle|non sono soddisfatto|insoddisfatto|(?:molto|proprio) male'), weight: 1.3, negated: { rubric: 'acknowledgment', weight: 0.4 }, tag: 'inutile' },
  { rubric: 'unrealistic_expectation', pattern: w('perché non puoi|perche non puoi|dovresti (?:saperlo|poterlo|sapere|potere)|non sai nemmeno|fallo e basta|insisto'), weight: 1.1, negated: 'fixed', tag: 'perché non puoi' },
  { rubric: 'no_engagement', pattern: w('lascia (?:perdere|stare)|lasciamo perdere|non importa|fa lo stesso|dimenticalo|fa niente|pazienza|vabbè|vabbe'), weight: 1.0, negated: 'fixed', tag: 'lascia perdere' },
  { rubric: 'lower_quality', pattern: w('(?:prima|la prima (?:risposta|versione)) (?:era|andava) meglio|sempre peggio|peggio di|(?:chatgpt|gpt-?\\d\\w*|google|gemini|claude) (?:fa|ha fatto|può|sa|dà|dava)'), weight: 1.1, negated: 'fixed', tag: 'prima era meglio' },
  { rubric: 'style', pattern: w("troppo (?:lungo|lunga|prolisso|complicato|formale|tecnico|corto|breve)|più (?:corto|corta|breve|conciso|semplice|formale|chiaro)|piu (?:corto|breve|conciso|semplice)|riassumi|in (?:punti|elenco|un elenco|una tabella|tabella|una frase)|elenco puntato|in (?:italiano|inglese)(?=,? per favore)|(?:rispondi|scrivi|parla)(?:mi)? in (?:italiano|inglese)|smettila di scusarti|solo (?:il codice|la risposta)"), weight: 1.1, negated: 'fixed', tag: 'troppo lungo' },
  { rubric: 'insufficient_detail', pattern: w("più (?:dettagli|dettagliato|specifico|informazioni|esempi|preciso|approfondito)|piu (?:dettagli|dettagliato|specifico|esempi)|nel dettaglio|in dettaglio|spiega meglio|spiegami meglio|approfondisci|troppo (?:vago|generico|superficiale)|non è abbastanza|incompleto|incompleta|tutto qui\\?|e poi\\?|altre (?:opzioni|idee|proposte)|qualcos'altro|qualcosa di diverso"), weight: 1.0, negated: 'fixed', tag: 'più dettagli' },
  { rubric: 'revision', pattern: w("di nuovo|ancora una volta|riprova|riprovaci|rifallo|rifai|riscrivi|riscrivilo|riformula|correggi|cambia (?:il|la|lo|questo|quello)|modifica|un'altra (?:opzione|versione)|un altro"), weight: 1.0, negated: 'fixed', tag: 'riprova' },
  { rubric: 'revision', pattern: w('invece di|piuttosto|preferisco|preferirei|ancora'), weight: 0.5, negated: 'fixed', tag: 'invece', hint: true },

  // ---- satisfaction ---------------------------------------------------------------------------------------
  { rubric: 'getting_there', pattern: w("(?:molto|un po'|già|gia|decisamente) meglio|(?:è|va) meglio|meglio così|meglio cosi|quasi (?:perfetto|giusto|ci siamo)|ci siamo quasi|più vicino|buon inizio|sulla strada giusta"), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 0.9 }, tag: 'meglio' },
  { rubric: 'gratitude', pattern: w("grazie (?:mille|tante|infinite|davvero|di cuore|per (?:l'aiuto|tutto|la))|mille grazie|ti ringrazio|la ringrazio|molto utile|utilissimo|utilissima|super utile|mi (?:hai|ha) aiutato (?:molto|tanto)?|mi è stato (?:molto )?utile"), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'grazie mille' },
  { rubric: 'gratitude', pattern: w('grazie|graz|thx'), weight: 0.5, negated: 'fixed', tag: 'grazie' },
  { rubric: 'gratitude', pattern: w('utile|aiutato'), weight: 0.7, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'utile' },
  { rubric: 'praise', pattern: w("ottimo lavoro|bel lavoro|ben fatto|esattamente (?:quello|ciò) che (?:cercavo|volevo|mi serviva)|proprio quello che (?:cercavo|volevo|mi serviva)|mi piace(?: molto)?|lo adoro|adoro|funziona (?:perfettamente|benissimo|alla grande)|sei (?:fantastico|grande|il migliore|un genio|bravissimo)"), weight: 1.3, negated: { rubric: 'negative_feedback', weight: 1.1 }, tag: 'ottimo lavoro' },
  { rubric: 'praise', pattern: w('perfetto|perfetta|ottimo|ottima|eccellente|fantastico|fantastica|meraviglioso|meravigliosa|stupendo|splendido|incredibile|geniale|favoloso|bravissimo|bravo|brava|benissimo|molto bene|wow|top'), weight: 1.2, negated: { rubric: 'negative_feedback', weight: 0.8 }, tag: 'perfetto' },
  { rubric: 'praise', pattern: w('bene|buono|buona|bello|bella|carino|figo|super'), weight: 0.6, negated: { rubric: 'negative_feedback', weight: 1.1 }, tag: 'bene' },
  { rubric: 'acknowledgment', pattern: w('chiaro|ha senso|(?:mi )?sembra (?:buono|giusto|ragionevole|perfetto)|hai ragione|ha ragione|esatto|esattamente|giusto|corretto|certo|sono d\'accordo|concordo|ricevuto'), weight: 0.9, negated: { rubric: 'factual_error', weight: 0.9 }, tag: 'capito' },
  { rubric: 'acknowledgment', pattern: w('ho capito|capito|capisco'), weight: 0.9, negated: { rubric: 'insufficient_detail', weight: 1.0 }, tag: 'capito' },
  { rubric: 'acknowledgment', pattern: '^(?:sì|si|ok|okay|certo|va bene|bene|perfetto|esatto)(?![\\p{L}])', weight: 0.15, negated: 'fixed', clauseStart: true, tag: 'sì', hint: true },
  { rubric: 'compliance', pattern: w("(?:lo )?proverò|provero|(?:ci )?provo|lo provo|ho provato|(?:ora|adesso) funziona|ha funzionato|funziona!|problema risolto|risolto|prendo (?:questo|quello|il|la)|andiamo con|procedi|vai pure"), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'ora funziona' },
  { rubric: 'humor', pattern: w('ahah\\w*|haha\\w*|ahaha\\w*|lol|divertente|simpatico|mi hai fatto ridere'), weight: 0.8, negated: { rubric: 'negative_feedback', weight: 0.5 }, tag: 'ahah' },
  { rubric: 'positive_closure', pattern: w("è tutto|e tutto|nient'altro|niente altro|arrivederci|a presto|alla prossima|buona giornata|buona serata|a dopo"), weight: 0.3, negated: 'fixed', tag: 'arrivederci' },
];
