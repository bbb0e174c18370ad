// Secrets in text that leaves a component (error messages, dead letters, events, client responses): the
// secret values a configuration holds, and their removal. One home, so every path redacts the same way.
import type { Config } from './config.js';

const MIN_SECRET_CHARS = 4;

/** `text` with every occurrence of the secret replaced by [redacted]. */
export function redactSecret(text: string, secret: string | undefined): string {
  if (!secret || secret.length < MIN_SECRET_CHARS) return text;
  return text.split(secret).join('[redacted]');
}

/** `text` with every one of `secrets` replaced. */
export const redactSecrets = (text: string, secrets: readonly string[]): string => secrets.reduce(redactSecret, text);

/** The secret values a configuration holds: API keys, passwords, credentials in URLs. */
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
    config.redact.pseudonymKey,
  ];
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length >= MIN_SECRET_CHARS))];
}

function passwordOf(url: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password || undefined;
  } catch {
    return undefined;
  }
}
