// The registry of pipeline steps. Each consumers/<name>/ folder holds one step: a pure core
// (event, state) -> (events, state changes) and a runner that is the only part touching the bus and state.
// `insitu consume <name>` runs one; `insitu up` runs them all beside the proxy.
import type { Runtime } from '../src/runtime.js';
import { feedbackDetector } from './feedback-detector/runner.js';

export interface RunningConsumer {
  close(): Promise<void>;
}

export interface ConsumerDefinition {
  name: string;
  description: string;
  start(runtime: Runtime): Promise<RunningConsumer>;
}

export const CONSUMERS: ConsumerDefinition[] = [feedbackDetector];

export function findConsumer(name: string): ConsumerDefinition | undefined {
  return CONSUMERS.find((c) => c.name === name);
}
