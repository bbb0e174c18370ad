// Readiness of a process's dependencies: the bus and the state store, each pinged with a short timeout.
// The proxy's /readyz adds its spool to it; a consumer-only process's ops port serves it as is.
import type { Runtime } from '../runtime.js';
import { withTimeout } from '../timeout.js';

export type Probe = { ok: true } | { ok: false; error: string };

const PROBE_TIMEOUT_MS = 1000;

async function probe(check: () => Promise<void>): Promise<Probe> {
  try {
    await withTimeout(check(), PROBE_TIMEOUT_MS);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

export async function probeDependencies(runtime: Runtime): Promise<{ ready: boolean; bus: Probe & { kind: string }; state: Probe & { kind: string } }> {
  const [bus, state] = await Promise.all([probe(() => runtime.bus.ping()), probe(() => runtime.state.ping())]);
  return { ready: bus.ok && state.ok, bus: { kind: runtime.bus.kind, ...bus }, state: { kind: runtime.state.kind, ...state } };
}
