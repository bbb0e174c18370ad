// Topic names: the arrows of the data path. Every producer and consumer imports them from here.
export const TOPICS = {
  turns: 'insitu.turns',
  feedback: 'insitu.feedback',
  preferences: 'insitu.preferences',
  examples: 'insitu.examples',
  training: 'insitu.training',
  dlq: 'insitu.dlq',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];
export const ALL_TOPICS: TopicName[] = Object.values(TOPICS);
