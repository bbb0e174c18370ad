// Vectors from an OpenAI-compatible embeddings endpoint (INSITU_EMBEDDINGS_*), through the official SDK.
// Inputs go in batches; an empty text gets the zero vector instead of a request the API would refuse.
import { redactSecret } from '../../src/secrets.js';
import { createOpenAiClient } from '../../src/llm/index.js';
import { InsituError } from '../../src/errors.js';
import { fromDense, type SparseVector } from './vectors.js';

const BATCH = 128;
const TIMEOUT_MS = 60_000;

export class EmbeddingsError extends InsituError {}

export interface Embedder {
  readonly model: string;
  /** One unit vector per text, and their dimension. */
  embed(texts: readonly string[]): Promise<{ vectors: SparseVector[]; dim: number }>;
}

export function createEmbedder(options: { url: string; model: string; apiKey: string | undefined }): Embedder {
  const client = createOpenAiClient({ baseURL: options.url, apiKey: options.apiKey, timeoutMs: TIMEOUT_MS });
  return {
    model: options.model,
    async embed(texts) {
      const wanted = texts.map((t, i) => [t.trim(), i] as const).filter(([t]) => t !== '');
      const vectors: (SparseVector | undefined)[] = texts.map(() => undefined);
      let dim = 0;
      for (let start = 0; start < wanted.length; start += BATCH) {
        const batch = wanted.slice(start, start + BATCH);
        let data;
        try {
          data = (await client.embeddings.create({ model: options.model, input: batch.map(([t]) => t) })).data;
        } catch (error) {
          throw new EmbeddingsError(`embeddings request failed: ${redactSecret(error instanceof Error ? error.message : String(error), options.apiKey)}`);
        }
        if (data.length !== batch.length) throw new EmbeddingsError(`asked for ${batch.length} embeddings, got ${data.length}`);
        for (const item of data) {
          const target = batch[item.index];
          if (!target) throw new EmbeddingsError(`embedding index ${item.index} out of range`);
          dim = Math.max(dim, item.embedding.length);
          vectors[target[1]] = fromDense(item.embedding);
        }
      }
      return { vectors: vectors.map((v) => v ?? { idx: [], val: [] }), dim };
    },
  };
}
