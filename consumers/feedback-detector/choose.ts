// Which detector runs, from configuration (INSITU_DETECTOR; the judge from INSITU_JUDGE_*).
import type { Config } from '../../src/config.js';
import { createCascadeDetector } from './cascade.js';
import type { Detector } from './detector.js';
import { createLlmDetector } from './llm/judge.js';
import { createLocalDetector, detectLocally } from './local/index.js';

export function chooseDetector(config: Pick<Config, 'detector' | 'judge'>, name: string = config.detector): Detector {
  if (name === 'local') return createLocalDetector();
  if (!config.judge) throw new Error(`detector '${name}' needs INSITU_JUDGE_URL and INSITU_JUDGE_MODEL`);
  const j = config.judge;
  const judge = createLlmDetector({ baseURL: j.url, model: j.model, apiKey: j.apiKey, timeoutMs: j.timeoutMs, retries: j.retries, concurrency: j.concurrency });
  if (name === 'llm') return judge;
  if (name === 'cascade') return createCascadeDetector(detectLocally, judge);
  throw new Error(`unknown detector '${name}' (local, llm or cascade)`);
}
