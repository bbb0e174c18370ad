// Portuguese cues (Brazilian and European), grouped by rubric like lexicon-en.ts (same weight scale). Idioms
// holding a negator ("não tem problema", "nada mal", "de nada") come first and claim their span; negation
// otherwise follows negation.ts (não/nunca before the cue: "não funciona", "não me ajudou").
import type { CueSpec } from './cues.js';
import { wordPattern as w } from './languages.js';

export const PT_CUES: readonly CueSpec[] = [
  // ---- neutral idioms -------------------------------------------------------------------------------------
  { rubric: null, pattern: w('olá|ola|oi|bom dia|boa (?:tarde|noite)|de nada|por favor|por gentileza|né\\?'), weight: 0 },

  // ---- idioms with negation inside ------------------------------------------------------------------------
  { rubric: 'acknowledgment', pattern: w('não (?:tem )?problema|nao (?:tem )?problema|sem problemas?|tudo bem|tá bom|ta bom|está bem|beleza|combinado|entendido|fechado'), weight: 0.6, negated: 'fixed', tag: 'sem problema' },
  { rubric: 'praise', pattern: w('nada mal|não (?:está|esta|ficou) (?:nada )?mal|nao (?:esta|ficou) (?:nada )?mal|não podia ser melhor|nao podia ser melhor'), weight: 0.9, negated: 'fixed', tag: 'nada mal' },
  { rubric: 'learning', pattern: w('eu não sabia|eu nao sabia|não sabia (?:disso|que)|nao sabia (?:disso|que)|não fazia ideia|nao fazia ideia|aprendi (?:algo|muito)|agora (?:eu )?entendi|agora entendo|bom saber|interessante|ah,? entendi|ah,? tá|isso explica'), weight: 0.9, negated: 'fixed', tag: 'não sabia' },

  // ---- sarcasm ------------------------------------------------------------------------------------------------
  { rubric: 'negative_feedback', pattern: w('obrigad[oa] por nada|muito engraçado'), weight: 1.3, negated: 'fixed', tag: 'obrigado por nada' },

  // ---- dissatisfaction ------------------------------------------------------------------------------------
  { rubric: 'ignored', pattern: w('(?:isso )?não (?:é|foi) (?:isso )?o que (?:eu )?(?:perguntei|pedi|queria|disse)|nao (?:e|foi) o que (?:eu )?(?:perguntei|pedi|queria|disse)|você não (?:respondeu|entendeu|leu)|voce nao (?:respondeu|entendeu|leu)|responda (?:à|a) (?:minha )?pergunta|não era (?:essa )?a minha pergunta|fora do assunto|eu já (?:te )?(?:disse|falei|pedi|expliquei)|eu ja (?:disse|falei|pedi)|como eu (?:já )?disse|pela (?:segunda|terceira) vez'), weight: 1.4, negated: 'fixed', tag: 'não foi o que pedi' },
  { rubric: 'revision', pattern: w('eu quis dizer|quis dizer|quero dizer|eu me referia|o que eu queria|o que eu pedi|eu disse|eu falei'), weight: 0.9, negated: 'fixed', tag: 'quis dizer' },
  { rubric: 'factual_error', pattern: w('(?:isso |isto )?(?:está|esta|tá|ta|é) (?:totalmente |completamente )?(?:errado|errada|incorreto|incorreta|falso)|não (?:está|esta|é) (?:certo|correto|verdade)|nao (?:esta|e) (?:certo|correto|verdade)|você (?:está|esta) errad[oa]|resposta errada|tem certeza|você tem certeza|sério\\?|serio\\?|não faz sentido|nao faz sentido|você inventou|inventou isso'), weight: 1.2, negated: 'fixed', tag: 'está errado' },
  { rubric: 'factual_error', pattern: w('errado|errada|incorreto|incorreta|equivocado'), weight: 1.2, negated: { rubric: 'acknowledgment', weight: 0.3 }, tag: 'errado' },
  { rubric: 'factual_error', pattern: w('erros?'), weight: 0.6, tag: 'erro' },
  { rubric: 'negative_feedback', pattern: w('não (?:me )?(?:funciona|funcionou|ajuda|ajudou|serve|serviu)|nao (?:me )?(?:funciona|funcionou|ajuda|ajudou|serve|serviu)|continua (?:sem funcionar|dando erro|errado|igual)|ainda não funciona|ainda nao funciona|o mesmo erro|mesmo problema'), weight: 1.2, negated: 'fixed', tag: 'não funciona' },
  { rubric: 'negative_feedback', pattern: w('inútil|inutil|péssimo|pessimo|péssima|horrível|horrivel|terrível|terrivel|lixo|uma merda|estúpido|estupido|burro|ridículo|ridiculo|decepcionante|decepcionado|decepcionada|frustrante|chato|perda de tempo|que droga|muito ruim|ruim|não estou satisfeito|nao estou satisfeito'), weight: 1.3, negated: { rubric: 'acknowledgment', weight: 0.4 }, tag: 'ruim' },
  { rubric: 'unrealistic_expectation', pattern: w('por ?que você não (?:pode|consegue)|por ?que voce nao (?:pode|consegue)|você (?:deveria|devia) (?:saber|conseguir|poder)|nem isso você consegue|faça (?:isso )?mesmo assim|eu insisto'), weight: 1.1, negated: 'fixed', tag: 'por que você não consegue' },
  { rubric: 'no_engagement', pattern: w('esquece|deixa (?:pra lá|pra la|para lá|quieto)|tanto faz|não importa|nao importa|deixa isso'), weight: 1.0, negated: 'fixed', tag: 'esquece' },
  { rubric: 'lower_quality', pattern: w('(?:antes|a primeira (?:resposta|versão)) (?:era|estava|foi) melhor|cada vez pior|pior que|(?:chatgpt|gpt-?\\d\\w*|google|gemini|claude) (?:faz|fez|consegue|sabe|dá|deu)'), weight: 1.1, negated: 'fixed', tag: 'antes era melhor' },
  { rubric: 'style', pattern: w('(?:muito|demasiado) (?:longo|longa|extenso|complicado|formal|técnico|tecnico|curto)|mais (?:curto|curta|breve|conciso|simples|formal|claro|direto)|resuma|resume isso|em (?:tópicos|topicos|lista|uma tabela|tabela|uma frase)|em (?:português|portugues|inglês|ingles)(?=,? por favor)|(?:responda|responde|escreva|fale)(?:-me)? em (?:português|portugues|inglês|ingles)|pare de (?:pedir desculpas|se desculpar)|só o código|so o codigo|só a resposta'), weight: 1.1, negated: 'fixed', tag: 'muito longo' },
  { rubric: 'insufficient_detail', pattern: w('mais (?:detalhes|detalhado|específico|especifico|informações|informacoes|exemplos|preciso)|em detalhes?|explique melhor|explica melhor|explique mais|(?:muito|demasiado) (?:vago|genérico|generico|superficial|raso)|não é suficiente|incompleto|incompleta|só isso\\?|so isso\\?|e (?:o que )?mais\\?|outras (?:opções|opcoes|ideias|sugestões)|algo mais'), weight: 1.0, negated: 'fixed', tag: 'mais detalhes' },
  { rubric: 'revision', pattern: w('de novo|outra vez|novamente|tente (?:de novo|novamente)|tenta de novo|reescreva|reescreve|refaça|refaz|reformule|corrija|corrige|mude|muda (?:o|a|isso)|altere|troque|faça de novo|outra (?:opção|opcao|versão|versao)'), weight: 1.0, negated: 'fixed', tag: 'de novo' },
  { rubric: 'revision', pattern: w('em vez de|ao invés de|ao inves de|prefiro|preferia|ainda|continua'), weight: 0.5, negated: 'fixed', tag: 'em vez de', hint: true },

  // ---- satisfaction ---------------------------------------------------------------------------------------
  { rubric: 'getting_there', pattern: w('(?:bem|muito|um pouco|já|ja) melhor|(?:está|esta|ficou|tá) melhor|melhorou|quase (?:perfeito|certo|lá|la)|(?:estamos )?chegando perto|mais perto|bom começo|no caminho certo'), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 0.9 }, tag: 'melhor' },
  { rubric: 'gratitude', pattern: w('muito obrigad[oa]|muitíssimo obrigad[oa]|obrigad[oa] (?:pela|pelo|por tudo|mesmo|de verdade)|agradeço|agradeco|muito útil|muito util|super útil|me ajudou (?:muito|bastante)?|ajudou muito|você me ajudou|valeu (?:mesmo|demais)'), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'muito obrigado' },
  { rubric: 'gratitude', pattern: w('obrigad[oa]|obg|brigad[oa]|valeu|vlw|grat[oa]'), weight: 0.5, negated: 'fixed', tag: 'obrigado' },
  { rubric: 'gratitude', pattern: w('útil|util|ajudou'), weight: 0.7, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'útil' },
  { rubric: 'praise', pattern: w('bom trabalho|mandou bem|exatamente o que eu (?:precisava|queria|procurava)|era isso que eu (?:precisava|queria)|eu amei|amei|adorei|gostei(?: muito)?|funcion(?:a|ou) (?:perfeitamente|muito bem)|você é (?:demais|o melhor|incrível|incrivel|um gênio)'), weight: 1.3, negated: { rubric: 'negative_feedback', weight: 1.1 }, tag: 'adorei' },
  { rubric: 'praise', pattern: w('perfeito|perfeita|excelente|ótimo|otimo|ótima|otima|incrível|incrivel|maravilhoso|maravilhosa|fantástico|fantastico|sensacional|espetacular|show|top|muito bom|muito boa|genial|brilhante|nossa|uau|wow'), weight: 1.2, negated: { rubric: 'negative_feedback', weight: 0.8 }, tag: 'perfeito' },
  { rubric: 'praise', pattern: w('bom|boa|legal|bacana|massa|bonito|super'), weight: 0.6, negated: { rubric: 'negative_feedback', weight: 1.1 }, tag: 'bom' },
  { rubric: 'acknowledgment', pattern: w('faz sentido|(?:isso )?(?:parece|soa) (?:bom|ótimo|otimo|certo|razoável)|você tem razão|voce tem razao|tem razão|exato|exatamente|correto|certo|concordo|com certeza|claro'), weight: 0.9, negated: { rubric: 'factual_error', weight: 0.9 }, tag: 'entendi' },
  { rubric: 'acknowledgment', pattern: w('entendi|entendo|compreendi'), weight: 0.9, negated: { rubric: 'insufficient_detail', weight: 1.0 }, tag: 'entendi' },
  { rubric: 'acknowledgment', pattern: '^(?:sim|ok|okay|tá|ta|certo|claro|isso|beleza|blz)(?![\\p{L}])', weight: 0.15, negated: 'fixed', clauseStart: true, tag: 'sim', hint: true },
  { rubric: 'compliance', pattern: w('vou (?:tentar|testar|experimentar|usar|fazer isso)|vou fazer assim|eu tentei|testei|(?:agora|já|ja) funciona|funcionou|deu certo|problema resolvido|resolvido|resolveu|vou (?:ficar com|escolher)|vamos (?:com|nessa)|pode (?:fazer|seguir)'), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'funcionou' },
  { rubric: 'humor', pattern: w('kk+|kkk\\w*|haha\\w*|rsrs\\w*|hehe\\w*|engraçado|engracado'), weight: 0.8, negated: { rubric: 'negative_feedback', weight: 0.5 }, tag: 'kkk' },
  { rubric: 'positive_closure', pattern: w('é só isso|e so isso|só isso|so isso|nada mais|tchau|até (?:mais|logo)|ate (?:mais|logo)|falou|bom dia pra você|tenha um (?:bom|ótimo) dia'), weight: 0.3, negated: 'fixed', tag: 'tchau' },
];
