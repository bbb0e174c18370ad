// The feedback label vocabularies, in one place for the whole project (FeedbackEvent schema, local detector,
// LLM judge). Labels follow the WildFeedback paper (arXiv 2408.15549, section 3.1, appendix A.1, tables 4-5);
// the definitions below are our own wording.

/** Signs in the user's next turn that the previous assistant response satisfied them. */
export const SAT_RUBRICS = [
  'gratitude',
  'learning',
  'compliance',
  'praise',
  'personal_details',
  'humor',
  'acknowledgment',
  'positive_closure',
  'getting_there',
] as const;
export type SatRubric = (typeof SAT_RUBRICS)[number];

/** Signs in the user's next turn that the previous assistant response disappointed them. */
export const DSAT_RUBRICS = [
  'negative_feedback',
  'revision',
  'factual_error',
  'unrealistic_expectation',
  'no_engagement',
  'ignored',
  'lower_quality',
  'insufficient_detail',
  'style',
] as const;
export type DsatRubric = (typeof DSAT_RUBRICS)[number];

export type Rubric = SatRubric | DsatRubric;

/** How the user's turn relates to what came before it. */
export const CONVERSATION_STATES = ['FEEDBACK', 'REFINEMENT', 'NEWTOPIC', 'CONTINUATION'] as const;
export type ConversationState = (typeof CONVERSATION_STATES)[number];

/** What the user is trying to do in the conversation. */
export const INTENTS = ['information_seeking', 'analysis', 'creation', 'open_ended_discovery'] as const;
export type Intent = (typeof INTENTS)[number];

/** Topic areas of a conversation (the 50 of WildFeedback appendix A.1, snake_case). */
export const DOMAINS = [
  'ai_machine_learning_and_data_science',
  'astrology',
  'biology_and_life_science',
  'business_and_marketing',
  'career_and_job_application',
  'clothing_and_fashion',
  'cooking_food_and_drinks',
  'crafts',
  'culture_and_history',
  'cybersecurity',
  'dating_friendships_and_relationships',
  'design',
  'education',
  'entertainment',
  'environment_agriculture_and_energy',
  'family_parenting_and_weddings',
  'finance_and_economics',
  'games',
  'geography_and_geology',
  'health_and_medicine',
  'housing_and_homes',
  'humor_and_sarcasm',
  'language',
  'law_and_politics',
  'literature_and_poetry',
  'manufacturing_and_materials',
  'math_logic_and_statistics',
  'music_and_audio',
  'news',
  'pets_and_animals',
  'philosophy',
  'physics_chemistry_and_astronomy',
  'productivity',
  'psychology_and_emotions',
  'religion_and_mythology',
  'shipping_and_delivery',
  'shopping_and_gifts',
  'small_talk',
  'social_media',
  'software_and_web_development',
  'sports_and_fitness',
  'taxation',
  'technology',
  'time_and_dates',
  'transportation_automotive_and_aerospace',
  'travel',
  'visual_arts_and_photography',
  'weather',
  'writing_journalism_and_publishing',
  'other',
] as const;
export type Domain = (typeof DOMAINS)[number];

/**
 * The overall reading of one user turn: SAT (only satisfaction signals), DSAT (only dissatisfaction signals),
 * MIXED (both, e.g. "better, but still too long"), NONE (no feedback signal at all).
 */
export const POLARITIES = ['SAT', 'DSAT', 'MIXED', 'NONE'] as const;
export type Polarity = (typeof POLARITIES)[number];

export const RUBRIC_DEFINITIONS: Readonly<Record<Rubric | ConversationState | Intent, string>> = {
  // satisfaction
  gratitude: 'The user thanks the assistant or says its answer helped them.',
  learning: 'The user signals they found out something new or useful from the answer ("good to know", "I didn\'t know that").',
  compliance: 'The user goes along with what the assistant suggested or asked them to do (accepts the option, takes the step).',
  praise: 'The user rates the answer positively with appreciative words or emoji ("perfect", "excellent", "love it").',
  personal_details: 'Pleased with the answer, the user opens up and adds personal information or opinions of their own.',
  humor: 'The user jokes or teases the assistant in a good-natured way.',
  acknowledgment: 'The user confirms they understood or agree with what the assistant said ("got it", "yes, that is right").',
  positive_closure: 'The user wraps the conversation up contentedly, asking for nothing further.',
  getting_there: 'The user grants that the answer improved or has some merit, while still wanting more.',
  // dissatisfaction
  negative_feedback: 'The user openly shows displeasure, frustration or anger about the answer or the assistant.',
  revision: 'The user asks for the answer to be redone or changed, corrects what the assistant assumed, or repeats an earlier request.',
  factual_error: 'The user says the answer is wrong, inaccurate or contradicts itself.',
  unrealistic_expectation: 'The user refuses to accept a limitation the assistant stated and insists on something it cannot do.',
  no_engagement: 'The user brushes off or does not take up the assistant\'s question, offer or suggestion.',
  ignored: 'The user indicates the answer missed their request entirely or did not address what they asked.',
  lower_quality: 'The user finds the answer worse than before, or worse than another assistant or tool.',
  insufficient_detail: 'The user wants more, or more specific, information than the answer gave.',
  style: 'The user objects to the form of the answer: length, format, tone, register or language.',
  // conversation states
  FEEDBACK: 'The turn comments on, judges or reacts to the previous assistant answer.',
  REFINEMENT: 'The turn restates or sharpens the user\'s previous request because it was unclear or not met.',
  NEWTOPIC: 'The turn opens a topic or task unrelated to the previous turn (or is the first turn).',
  CONTINUATION: 'The turn carries on the same topic or task as the previous turn.',
  // intents
  information_seeking: 'The user wants facts or a direct answer to a specific question.',
  analysis: 'The user wants reasoning: explanation, comparison, interpretation or working through a problem.',
  creation: 'The user wants new content produced or existing content transformed (writing, code, translation).',
  open_ended_discovery: 'The user chats, plays or explores without a clear task, or the aim cannot be told.',
};

export function isSatRubric(x: string): x is SatRubric {
  return (SAT_RUBRICS as readonly string[]).includes(x);
}

export function isDsatRubric(x: string): x is DsatRubric {
  return (DSAT_RUBRICS as readonly string[]).includes(x);
}
