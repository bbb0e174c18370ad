// The registry of pipeline steps. Each consumers/<name>/ folder holds one step: a pure core
// (event, state) -> (events, state changes) and a runner that is the only part touching the bus and state.
// `insitu consume <name>` runs one; `insitu up` runs them all beside the proxy.
import type { Runtime } from '../src/runtime.js';
import { datasetStore } from './dataset-store/runner.js';
import { evaluator } from './evaluator/runner.js';
import { trainer } from './trainer/runner.js';
import { feedbackDetector } from './feedback-detector/runner.js';
import { preferenceBuilder } from './preference-builder/index.js';

export interface RunningConsumer {
  close(): Promise<void>;
}

export interface ConsumerDefinition {
  name: string;
  description: string;
  start(runtime: Runtime): Promise<RunningConsumer>;
}

export const CONSUMERS: ConsumerDefinition[] = [feedbackDetector, preferenceBuilder, datasetStore, trainer, evaluator];

export function findConsumer(name: string): ConsumerDefinition | undefined {
  return CONSUMERS.find((c) => c.name === name);
}
