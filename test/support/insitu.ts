// Starts Insitu in-process for a test: a runtime (embedded or Kafka bus, memory or Redis state) and the
// proxy on a free port, an openai SDK client pointed at it, and a reader of the recorded turns.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { loadConfig } from '../../src/config.js';
import { silentLogger, createLogger } from '../../src/log.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { startProxy, type ProxyServer } from '../../proxy/server.js';
import type { TurnEvent } from '../../src/events/turn.js';
import { validateTurnEvent } from '../../src/events/validate.js';
import { TOPICS } from '../../src/topics.js';
import type { Subscription } from '../../src/bus/types.js';

export interface Insitu {
  proxy: ProxyServer;
  runtime: Runtime;
  /** The proxy's base URL for the openai SDK (…/v1). */
  baseURL: string;
  client: OpenAI;
  dataDir: string;
  /** Every TurnEvent seen on insitu.turns so far (validated against the schema). */
  turns: TurnEvent[];
  /** Resolves once at least `count` turns were seen. */
  waitForTurns(count: number, timeoutMs?: number): Promise<TurnEvent[]>;
  /** Resolves with the turn of that id once it was seen. */
  waitForTurn(turnId: string | null, timeoutMs?: number): Promise<TurnEvent>;
  close(): Promise<void>;
}

export async function startInsitu(env: Record<string, string>, options: { dataDir?: string; keepDataDir?: boolean } = {}): Promise<Insitu> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'insitu-test-'));
  const config = loadConfig({ INSITU_DATA_DIR: dataDir, INSITU_PORT: '0', INSITU_HOST: '127.0.0.1', INSITU_PUBLISH_LINGER_MS: '1', ...env });
  const logger = process.env.INSITU_TEST_LOG ? createLogger({ level: 'debug' }) : silentLogger;
  const runtime = await openRuntime(config, logger);
  const proxy = await startProxy(runtime);
  const turns: TurnEvent[] = [];
  let waiters: { count: number; resolve: () => void }[] = [];
  const idWaiters = new Map<string, () => void>();
  let subscription: Subscription | undefined = await runtime.bus.subscribe({
    group: `test-reader-${randomBytes(4).toString('hex')}`,
    topics: [TOPICS.turns],
    fromBeginning: true,
    ephemeral: true,
    handler: async (records) => {
      for (const r of records) {
        const parsed = JSON.parse(r.value);
        const valid = validateTurnEvent(parsed);
        if (!valid.ok) throw new Error(`invalid TurnEvent on the bus: ${valid.errors.join('; ')}`);
        if (r.key !== parsed.conversation_id) throw new Error('turn not keyed by conversation_id');
        turns.push(parsed);
        idWaiters.get(parsed.turn_id)?.();
      }
      waiters = waiters.filter((w) => (turns.length >= w.count ? (w.resolve(), false) : true));
    },
  });
  const baseURL = `${proxy.url}/v1`;
  return {
    proxy,
    runtime,
    baseURL,
    client: new OpenAI({ baseURL, apiKey: 'client-key', maxRetries: 0 }),
    dataDir,
    turns,
    waitForTurns(count, timeoutMs = 15_000) {
      if (turns.length >= count) return Promise.resolve(turns);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`saw ${turns.length} of ${count} turns`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve(turns)) });
      });
    },
    waitForTurn(turnId, timeoutMs = 15_000) {
      const find = () => turns.find((t) => t.turn_id === turnId);
      const found = find();
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`turn ${turnId} not seen`)), timeoutMs);
        idWaiters.set(String(turnId), () => (clearTimeout(timer), resolve(find()!)));
      });
    },
    async close() {
      await subscription?.close();
      subscription = undefined;
      await proxy.close();
      await runtime.close();
      if (!options.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
