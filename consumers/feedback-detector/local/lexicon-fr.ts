// French cues, grouped by rubric like lexicon-en.ts (same weight scale). Idioms holding a negator ("pas mal",
// "pas de problème", "de rien") come first and claim their span; negation otherwise follows negation.ts
// (ne/pas before the cue, or pas right after a verb: "ça marche pas").
import type { CueSpec } from './cues.js';
import { wordPattern as w } from './languages.js';

export const FR_CUES: readonly CueSpec[] = [
  // ---- neutral idioms -------------------------------------------------------------------------------------
  { rubric: null, pattern: w("bonjour|bonsoir|salut|de rien|je vous en prie|je t'en prie|s'il (?:te|vous) pla[iî]t|n'est-ce pas|il (?:n')?y a pas de quoi"), weight: 0 },

  // ---- idioms with negation inside ------------------------------------------------------------------------
  { rubric: 'acknowledgment', pattern: w("pas de (?:problème|probleme|souci|soucis)|(?:il n'y a )?aucun (?:problème|probleme|souci)|ce n'est pas grave|c'est pas grave|pas grave|(?:ça|ca) marche(?!\\s+(?:pas|plus|toujours|maintenant|enfin|bien|parfaitement))|d'accord|entendu|ça me va|ca me va"), weight: 0.6, negated: 'fixed', tag: 'pas de problème' },
  { rubric: 'praise', pattern: w("pas mal|(?:c'est )?pas mal du tout|rien à redire|rien a redire|on ne peut pas (?:faire )?mieux|je n'aurais pas (?:pu )?(?:fait|dit) mieux"), weight: 0.9, negated: 'fixed', tag: 'pas mal' },
  { rubric: 'learning', pattern: w("je (?:ne )?(?:le )?savais pas|je l'ignorais|j'ai appris|je comprends (?:mieux|maintenant)|maintenant je comprends|c'est (?:plus )?clair maintenant|bon à savoir|bon a savoir|intéressant|interessant|ah d'accord|ah ok|je vois"), weight: 0.9, negated: 'fixed', tag: 'je ne savais pas' },

  // ---- sarcasm ------------------------------------------------------------------------------------------------
  { rubric: 'negative_feedback', pattern: w('merci pour rien|très drôle|tres drole'), weight: 1.3, negated: 'fixed', tag: 'merci pour rien' },

  // ---- dissatisfaction ------------------------------------------------------------------------------------
  { rubric: 'ignored', pattern: w("(?:ce n'est |c'est )?pas ce que (?:je t'ai |je vous ai |j'ai )?(?:demandé|demande|voulu|voulais|dit|cherchais)|tu n'as pas (?:répondu|compris|lu)|vous n'avez pas (?:répondu|compris|lu)|tu (?:as|n'as) (?:ignoré|pas lu)|réponds à (?:ma|la) question|ce n'était pas ma question|hors sujet|à côté de la plaque|je (?:te l'ai|l'ai|t'ai) déjà (?:dit|demandé|expliqué)|comme je (?:l'ai|te l'ai) (?:déjà )?dit|pour la (?:deuxième|troisième) fois"), weight: 1.4, negated: 'fixed', tag: 'pas ce que j’ai demandé' },
  { rubric: 'revision', pattern: w("je voulais dire|je veux dire|ce que je voulais|j'ai dit|j'ai demandé|je parlais de"), weight: 0.9, negated: 'fixed', tag: 'je voulais dire' },
  { rubric: 'factual_error', pattern: w("c'est (?:complètement |totalement |tout à fait )?(?:faux|incorrect|erroné|inexact)|(?:c'est |ce n'est )?pas (?:correct|exact|vrai|juste|ça|ca)(?=\\s*(?:[.!,;]|$))|ce n'est pas (?:ça|ca)|tu (?:te trompes|as tort|t'es trompé)|vous vous trompez|mauvaise réponse|n'importe quoi|tu es sûr|vous êtes sûr|t'es sûr|vraiment\\?|ça n'a (?:aucun|pas de) sens|ca n'a (?:aucun|pas de) sens|tu as inventé"), weight: 1.2, negated: 'fixed', tag: 'c’est faux' },
  { rubric: 'factual_error', pattern: w('faux|incorrect|erroné|errone'), weight: 1.2, negated: { rubric: 'acknowledgment', weight: 0.3 }, tag: 'faux' },
  { rubric: 'factual_error', pattern: w('erreurs?|fautes?'), weight: 0.6, tag: 'erreur' },
  { rubric: 'negative_feedback', pattern: w("(?:ça|ca|cela) (?:ne )?(?:marche|fonctionne) (?:toujours )?pas|(?:ça|ca|cela) (?:ne )?m'aide pas|ne fonctionne pas|toujours (?:pas|faux|la même erreur)|la même erreur|même problème"), weight: 1.2, negated: 'fixed', tag: 'ça ne marche pas' },
  { rubric: 'negative_feedback', pattern: w("inutile|nul|nulle|nase|pourri|horrible|terrible|affreux|catastrophique|décevant|decevant|déçu|decu|déçue|ridicule|stupide|débile|n'importe quoi|agaçant|énervant|chiant|perte de temps|sérieux\\?|serieux\\?|mauvais|mauvaise|pas content|pas satisfait|insatisfait"), weight: 1.3, negated: { rubric: 'acknowledgment', weight: 0.4 }, tag: 'nul' },
  { rubric: 'unrealistic_expectation', pattern: w("pourquoi (?:tu ne peux|tu peux|vous ne pouvez) pas|tu (?:dois|devrais) (?:pouvoir|savoir)|tu ne (?:sais|peux) même pas|fais-le (?:quand même|simplement)|j'insiste"), weight: 1.1, negated: 'fixed', tag: 'pourquoi tu ne peux pas' },
  { rubric: 'no_engagement', pattern: w("laisse tomber|oublie (?:ça|ca)|peu importe|tant pis|passons"), weight: 1.0, negated: 'fixed', tag: 'laisse tomber' },
  { rubric: 'lower_quality', pattern: w("(?:avant|la première (?:réponse|version)) (?:c')?était mieux|(?:de )?pire en pire|moins bien que|(?:chatgpt|gpt-?\\d\\w*|google|gemini|claude) (?:fait|faisait|a fait|peut|sait|donne)"), weight: 1.1, negated: 'fixed', tag: 'c’était mieux' },
  { rubric: 'style', pattern: w("trop (?:long|longue|verbeux|compliqué|complique|formel|technique|court|courte)|plus (?:court|courte|concis|simple|simplement|formel|clair)|(?:en )?moins long|raccourcis|résume|resume|en (?:points|liste|tableau|une phrase)|sous forme de (?:liste|tableau|points)|avec des puces|en (?:français|francais|anglais)(?=,? (?:s'il te pla[iî]t|s'il vous pla[iî]t|svp|stp))|(?:réponds|réponds-moi|écris|parle) en (?:français|francais|anglais)|arrête de t'excuser|juste (?:le code|la réponse)"), weight: 1.1, negated: 'fixed', tag: 'trop long' },
  { rubric: 'insufficient_detail', pattern: w("plus de (?:détails|details|précisions|informations|infos|exemples)|plus (?:détaillé|précis|approfondi)|en détail|détaille|développe|approfondis|trop (?:vague|général|general|superficiel|succinct)|pas (?:assez )?(?:précis|détaillé)|incomplet|incomplète|c'est tout\\?|et (?:ensuite|après)\\?|d'autres (?:options|idées|suggestions|exemples)|autre chose"), weight: 1.0, negated: 'fixed', tag: 'plus de détails' },
  { rubric: 'revision', pattern: w("encore une fois|réessaie|réessayez|recommence|refais|réécris|reecris|reformule|corrige|modifie|change (?:le|la|les|ça|ca)|une autre|un autre|refaire|de nouveau"), weight: 1.0, negated: 'fixed', tag: 'réessaie' },
  { rubric: 'revision', pattern: w('plutôt|plutot|au lieu de|je préfère|je préfèrerais'), weight: 0.6, negated: 'fixed', tag: 'plutôt' },
  { rubric: 'revision', pattern: w('encore|toujours'), weight: 0.5, negated: 'fixed', tag: 'encore', hint: true },

  // ---- satisfaction ---------------------------------------------------------------------------------------
  { rubric: 'getting_there', pattern: w("(?:beaucoup|bien|un peu|déjà|c'est|ça va) mieux|mieux comme (?:ça|ca)|presque (?:parfait|juste|bon)|on (?:s'en )?approche|plus proche|bon début|sur la bonne voie"), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 0.9 }, tag: 'mieux' },
  { rubric: 'gratitude', pattern: w("merci (?:beaucoup|infiniment|mille fois|bien|énormément|pour (?:ton|votre|ta|tout|l'aide)|à toi|à vous)|mille mercis|un grand merci|très utile|super utile|ça m'aide beaucoup|ça m'a (?:beaucoup |bien )?aidé|tu m'as (?:beaucoup |bien )?aidé|vous m'avez (?:beaucoup )?aidé"), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'merci beaucoup' },
  { rubric: 'gratitude', pattern: w('merci|mercii+|thanks'), weight: 0.5, negated: 'fixed', tag: 'merci' },
  { rubric: 'gratitude', pattern: w('utile|aidé'), weight: 0.7, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'utile' },
  { rubric: 'praise', pattern: w("bien joué|bravo|bon travail|beau travail|exactement ce qu'il (?:me )?fallait|exactement ce que je (?:voulais|cherchais)|j'adore|j'aime (?:bien|beaucoup)?|ça me plaît|ça me plait|fonctionne (?:parfaitement|très bien)|marche (?:parfaitement|très bien|nickel)|tu es (?:génial|géniale|le meilleur|la meilleure|super|top)"), weight: 1.3, negated: { rubric: 'negative_feedback', weight: 1.1 }, tag: 'bravo' },
  { rubric: 'praise', pattern: w('parfait|parfaitement|excellent|excellente|génial|geniale?|géniale|formidable|magnifique|superbe|merveilleux|fantastique|incroyable|impeccable|nickel|top|très bien|tres bien|trop bien|wow|waouh|chouette|au top'), weight: 1.2, negated: { rubric: 'negative_feedback', weight: 0.8 }, tag: 'parfait' },
  { rubric: 'praise', pattern: w('bien|bon|super|cool|sympa|beau'), weight: 0.6, negated: { rubric: 'negative_feedback', weight: 1.1 }, tag: 'bien' },
  { rubric: 'acknowledgment', pattern: w("c'est (?:noté|clair|logique|juste|ça|ca|correct|exact)|ça (?:me )?(?:semble|paraît) (?:bien|bon|correct|logique)|(?:ça|ca) a du sens|tu as raison|vous avez raison|exactement|effectivement|en effet|je suis d'accord|ok merci|c'est bon|ça roule"), weight: 0.9, negated: { rubric: 'factual_error', weight: 0.9 }, tag: 'compris' },
  { rubric: 'acknowledgment', pattern: w('compris|comprends|saisi'), weight: 0.9, negated: { rubric: 'insufficient_detail', weight: 1.0 }, tag: 'compris' },
  { rubric: 'acknowledgment', pattern: '^(?:oui|ouais|ok|okay|d\'accord|bien sûr|voilà|exact)(?![\\p{L}])', weight: 0.15, negated: 'fixed', clauseStart: true, tag: 'oui', hint: true },
  { rubric: 'compliance', pattern: w("je vais (?:essayer|tester|le faire|utiliser|suivre)|j'essaie|j'ai essayé|(?:ça|ca|cela) (?:marche|fonctionne) (?:maintenant|enfin|bien)|maintenant (?:ça|ca) (?:marche|fonctionne)|(?:ça|ca) a (?:marché|fonctionné)|problème résolu|résolu|je prends|on (?:fait|part sur) (?:ça|ca)|allons-y|vas-y"), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'ça marche maintenant' },
  { rubric: 'humor', pattern: w('mdr|ptdr|lol|haha\\w*|hihi\\w*|drôle|marrant'), weight: 0.8, negated: { rubric: 'negative_feedback', weight: 0.5 }, tag: 'mdr' },
  { rubric: 'positive_closure', pattern: w("c'est tout|ce sera tout|rien d'autre|au revoir|à plus|a plus|à bientôt|a bientot|bonne (?:journée|soirée|nuit)|salut"), weight: 0.3, negated: 'fixed', tag: 'au revoir' },
];
