// The secret values a configuration holds (API keys, passwords, credentials in URLs): what an error message
// must never carry into a dead letter.
import type { Config } from '../../config.js';

export function configSecrets(config: Config): string[] {
  const values = [
    config.upstream.apiKey,
    config.judge?.apiKey,
    config.pairs.expert?.apiKey,
    config.pairs.moderation?.apiKey,
    config.training.backend?.kind === 'openai' ? config.training.backend.apiKey : undefined,
    config.evaluation.apiKey,
    config.evaluation.embeddings?.apiKey,
    config.kafka?.sasl?.password,
    config.redis ? passwordOf(config.redis.url) : undefined,
  ];
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length >= 4))];
}

function passwordOf(url: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password || undefined;
  } catch {
    return undefined;
  }
}
