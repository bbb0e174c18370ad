// Single-core throughput of a synchronous detection function over a fixed list of inputs.
import { performance } from 'node:perf_hooks';
import type { DetectionInput } from '../../consumers/feedback-detector/detector.js';

export interface PassStats {
  turns: number;
  /** Milliseconds per pass, in the order run. */
  passesMs: number[];
  medianMs: number;
  turnsPerSecond: number;
  usPerTurn: number;
  /** Non-NONE verdicts of the last pass: a result the optimizer cannot drop, and a sanity check. */
  flagged: number;
}

/** One timed pass; returns its duration and how many verdicts were not NONE. */
export function timePass(inputs: readonly DetectionInput[], detect: (input: DetectionInput) => string): { ms: number; flagged: number } {
  let flagged = 0;
  const t0 = performance.now();
  for (const input of inputs) if (detect(input) !== 'NONE') flagged++;
  return { ms: performance.now() - t0, flagged };
}

export function passStats(turns: number, passes: readonly { ms: number; flagged: number }[]): PassStats {
  const passesMs = passes.map((p) => p.ms);
  const sorted = [...passesMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const medianMs = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    turns,
    passesMs,
    medianMs,
    turnsPerSecond: (turns * 1000) / medianMs,
    usPerTurn: (medianMs * 1000) / turns,
    flagged: passes[passes.length - 1]?.flagged ?? 0,
  };
}
