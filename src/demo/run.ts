// `insitu demo`: a newcomer's first minute, offline. Starts Insitu on the embedded runtime (no Kafka, no
// Redis) in front of the built-in demo model, replays the bundled conversations through the proxy with the
// openai SDK as a chat app would, waits for the pipeline to digest them, and says where to look.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { CONSUMERS, type RunningConsumer } from '../../consumers/index.js';
import { startProxy, type ProxyServer } from '../../proxy/server.js';
import { loadConfig } from '../config.js';
import type { FeedbackEvent } from '../events/feedback.js';
import type { PreferencePair } from '../events/preference.js';
import type { Logger } from '../log.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { TOPICS } from '../topics.js';
import { DEMO_CONVERSATIONS, type DemoConversation } from './conversations.js';
import { DEMO_MODEL, startDemoModel, type DemoModelServer } from './model.js';

export interface DemoSummary {
  proxyUrl: string;
  dataDir: string;
  conversations: number;
  turns: number;
  feedback: { SAT: number; DSAT: number; other: number };
  pairs: { accepted: number; dropped: number };
  examples: number;
  /** A few pairs, for the printout. */
  samplePairs: PreferencePair[];
}

export interface RunningDemo {
  summary: DemoSummary;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runDemo(options: { port: number; host: string; dataDir?: string; logger: Logger; conversations?: readonly DemoConversation[]; settleTimeoutMs?: number }): Promise<RunningDemo> {
  const conversations = options.conversations ?? DEMO_CONVERSATIONS;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'insitu-demo-'));
  let model: DemoModelServer | undefined;
  let runtime: Runtime | undefined;
  let proxy: ProxyServer | undefined;
  const consumers: RunningConsumer[] = [];
  const close = async () => {
    await proxy?.close();
    await Promise.allSettled(consumers.map((c) => c.close()));
    await runtime?.close();
    await model?.close();
  };
  try {
    model = await startDemoModel(conversations);
    // The embedded runtime whatever the environment says: the demo must not touch a real Kafka or Redis.
    const config = loadConfig({
      INSITU_DATA_DIR: dataDir,
      INSITU_PORT: String(options.port),
      INSITU_HOST: options.host,
      INSITU_UPSTREAM_URL: model.url,
      INSITU_DEFAULT_TENANT: 'demo',
      INSITU_PUBLISH_LINGER_MS: '1',
      INSITU_LOG_LEVEL: 'warn',
    });
    runtime = await openRuntime(config, options.logger);
    proxy = await startProxy(runtime);
    for (const c of CONSUMERS) consumers.push(await c.start(runtime));

    const feedback: FeedbackEvent[] = [];
    const pairs: PreferencePair[] = [];
    let examples = 0;
    const tap = await runtime.bus.subscribe({
      group: 'insitu-demo-tap',
      topics: [TOPICS.feedback, TOPICS.preferences, TOPICS.examples],
      fromBeginning: true,
      ephemeral: true,
      handler: async (records) => {
        for (const r of records) {
          if (r.topic === TOPICS.feedback) feedback.push(JSON.parse(r.value) as FeedbackEvent);
          else if (r.topic === TOPICS.preferences) pairs.push(JSON.parse(r.value) as PreferencePair);
          else examples++;
        }
      },
    });

    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'demo', maxRetries: 0 });
    let turns = 0;
    for (const conversation of conversations) {
      const messages: OpenAI.ChatCompletionMessageParam[] = conversation.system ? [{ role: 'system', content: conversation.system }] : [];
      for (const turn of conversation.turns) {
        messages.push({ role: 'user', content: turn.user });
        const answer = await client.chat.completions.create({ model: DEMO_MODEL, messages, user: conversation.user });
        messages.push({ role: 'assistant', content: answer.choices[0]?.message.content ?? '' });
        turns++;
      }
    }
    // Every judged turn yields one FeedbackEvent; wait for those, then for the builder to go quiet.
    const expectedFeedback = conversations.reduce((n, c) => n + Math.max(0, c.turns.length - 1), 0);
    const deadline = Date.now() + (options.settleTimeoutMs ?? 15_000);
    while (feedback.length < expectedFeedback && Date.now() < deadline) await sleep(50);
    let quiet = 0;
    for (let seen = -1; quiet < 4 && Date.now() < deadline; ) {
      const now = pairs.length + examples;
      quiet = now === seen ? quiet + 1 : 0;
      seen = now;
      await sleep(100);
    }
    await tap.close();
    const count = (p: string) => feedback.filter((f) => f.polarity === p).length;
    return {
      summary: {
        proxyUrl: proxy.url,
        dataDir,
        conversations: conversations.length,
        turns,
        feedback: { SAT: count('SAT'), DSAT: count('DSAT'), other: feedback.length - count('SAT') - count('DSAT') },
        pairs: { accepted: pairs.filter((p) => p.accepted).length, dropped: pairs.filter((p) => !p.accepted).length },
        examples,
        samplePairs: pairs.filter((p) => p.accepted).slice(0, 2),
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

const clip = (s: string, n = 90) => (s.length > n ? `${s.slice(0, n - 1)}…` : s).replace(/\n/g, ' ');

export function describeDemo(s: DemoSummary): string {
  const lines = [
    `insitu demo: replayed ${s.conversations} conversations (${s.turns} turns) through the proxy at ${s.proxyUrl}/v1`,
    `  feedback detected: ${s.feedback.SAT} SAT, ${s.feedback.DSAT} DSAT, ${s.feedback.other} neither`,
    `  preference pairs:  ${s.pairs.accepted} accepted, ${s.pairs.dropped} dropped by filters; ${s.examples} SFT/hindsight examples`,
  ];
  for (const p of s.samplePairs) {
    lines.push(`  pair ${p.pair_id}: "${clip(p.prompt.filter((m) => m.role === 'user').at(-1)?.content ?? '')}"`);
    lines.push(`    preferences: ${clip(p.preferences.join(' '))}`);
    lines.push(`    rejected:    ${clip(p.rejected.content)}`);
    lines.push(`    chosen:      ${clip(p.chosen.content)}`);
  }
  lines.push(
    '',
    'Where to look:',
    `  dashboard:     ${s.proxyUrl}/insitu/`,
    `  metrics:       ${s.proxyUrl}/metrics`,
    `  live pairs:    curl -N '${s.proxyUrl}/v1/insitu/streams/preferences?from=beginning'`,
    `  chat yourself: point an OpenAI SDK at ${s.proxyUrl}/v1 (any API key; the demo model only knows its script)`,
    `  export:        INSITU_DATA_DIR=${s.dataDir} npx insitu export --format trl --out ./insitu-export`,
    '',
    'Running until Ctrl-C.',
  );
  return lines.join('\n');
}
