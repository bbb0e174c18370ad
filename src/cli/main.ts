#!/usr/bin/env node
// The `insitu` command.
import { createWriteStream, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CONSUMERS, findConsumer, type RunningConsumer } from '../../consumers/index.js';
import { detectCorpus, formatTable1 } from '../../consumers/feedback-detector/batch.js';
import { evalDetector } from '../../consumers/feedback-detector/eval-command.js';
import { chooseDetector } from '../../consumers/feedback-detector/choose.js';
import { startProxy, type ProxyServer } from '../../proxy/server.js';
import { loadConfig, variablesTable, type Config } from '../config.js';
import { ConfigError } from '../errors.js';
import { flag, option, UsageError } from './args.js';
import { folderPath, inputFilePath, openOutputFile } from './paths.js';
import { createProgressLine } from './progress.js';
import { routesCommand } from './routes.js';
import { ingestCommand } from './ingest.js';
import { evalCommand } from './eval.js';
import { jobsCommand, trainCommand } from './train.js';
import { keysCommand } from './keys.js';
import { dlqCommand } from './dlq.js';
import { describeDemo, runDemo } from '../demo/run.js';
import { describeExport, EXPORT_FORMATS, exportDataset, findExportFormat } from '../dataset/export/index.js';
import { parseDay } from '../dataset/layout.js';
import { EVENT_SCHEMAS } from '../events/validate.js';
import { createLogger, type Logger } from '../log.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { ALL_TOPICS } from '../topics.js';
import { startOpsServer, type OpsServer } from '../telemetry/ops-server.js';
import { startTracing } from '../telemetry/tracing.js';

const USAGE = `insitu: in-situ feedback middleware for chat models

Usage:
  insitu up                      proxy and every consumer in one process (embedded bus unless INSITU_KAFKA_BROKERS)
  insitu proxy                   the OpenAI-compatible proxy only
  insitu consume <name>          one consumer (${CONSUMERS.map((c) => c.name).join(', ') || 'none registered yet'})
  insitu tap <topic> [--from-beginning] [--limit N]
                                 print a topic's events as JSON lines (topics: ${ALL_TOPICS.join(', ')})
  insitu schemas [--write DIR | --check DIR]
                                 print, write or check the JSON Schema files of the events
  insitu env                     every configuration variable with its default (a Markdown table)
  insitu detect --input conversations.jsonl [--output out.jsonl] [--detector local]
                                 feedback detection over a corpus (backfill); Table-1 summary on stderr
  insitu eval-detector --input labelled.jsonl [--split develop|check|all] [--errors N] [--json]
                                 detector accuracy, P/R/F1 and Cohen's kappa against gold labels (Table 6)
  insitu export --format ${EXPORT_FORMATS.map((f) => f.name).join('|')} --out DIR
                [--tenant T] [--since YYYY-MM-DD] [--until YYYY-MM-DD]
                                 the stored pairs or examples as training data (fixed file names under DIR);
                                 Table-2 statistics on stdout
  insitu routes [--set ALIAS=MODEL [--canary MODEL:PERCENT]] [--rollback ALIAS] [--history ALIAS] [--json]
                                 what the served alias (INSITU_SERVED_ALIAS) routes to; needs INSITU_REDIS_URL
  insitu keys create --tenant T [--rpm N] [--tpm N] [--name LABEL] | list [--tenant T] [--json] | revoke KEY_ID
                                 virtual API keys for INSITU_AUTH=keys (create prints the key alone); needs INSITU_REDIS_URL
  insitu dlq list [--group G] [--limit N] [--json] | replay [--group G] [--id DEAD_LETTER_ID] [--limit N] [--force]
                                 the dead letters on insitu.dlq, and re-publishing them to their topic after a fix
  insitu demo [--port N] [--exit]
                                 a first look, offline: Insitu on the embedded runtime in front of a built-in
                                 demo model, a replay of sample chats, then where to look (dashboard, pairs, export)
  insitu train --now [--wait] [--json]
                                 snapshot the datasets and fine-tune now (SFT then DPO), as the scheduler would
  insitu jobs [--json] [--cancel JOB_ID]
                                 training jobs and their state; needs INSITU_REDIS_URL
  insitu eval --candidate M [--baseline M] (--pairs FILE | --job JOB_ID) [--promote] [--json] [--out DIR]
                                 checklist-guided pairwise evaluation (WB-Reward style, both orders, with and
                                 without the checklist), Table-3 report; --promote applies the promotion gate
  insitu ingest --input wildchat.jsonl [--tenant T] [--restart] [--batch N]
                                 replay historical conversations through insitu.turns with their original
                                 timestamps (backfill); progress with rate and ETA; resumable

Configuration comes from INSITU_* environment variables (see README.md).`;

/** Runs until SIGTERM/SIGINT, then closes everything in order; a second signal exits at once. */
function untilSignal(logger: Logger, close: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        logger.warn('second signal: exiting now', { signal });
        process.exit(1);
      }
      stopping = true;
      logger.info('stopping', { signal });
      close().then(resolve, (error) => {
        logger.error('error while stopping', { error });
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

async function serve(config: Config, logger: Logger, withProxy: boolean, consumerNames: string[]): Promise<void> {
  const telemetry = await startTracing(config, logger);
  const runtime: Runtime = await openRuntime(config, logger);
  let proxy: ProxyServer | undefined;
  let ops: OpsServer | undefined;
  const consumers: RunningConsumer[] = [];
  try {
    if (withProxy) proxy = await startProxy(runtime);
    else if (config.telemetry.opsPort) ops = await startOpsServer(runtime, config.telemetry.opsPort, config.host);
    for (const name of consumerNames) consumers.push(await findConsumer(name)!.start(runtime));
  } catch (error) {
    await proxy?.close();
    await ops?.close();
    await runtime.close();
    await telemetry.shutdown();
    throw error;
  }
  if (proxy) process.stdout.write(`insitu: proxy on ${proxy.url}/v1 (bus: ${runtime.bus.kind}, state: ${runtime.state.kind})\n`);
  await untilSignal(logger, async () => {
    await proxy?.close();
    await Promise.allSettled(consumers.map((c) => c.close()));
    await ops?.close();
    await runtime.close();
    await telemetry.shutdown();
  });
}

async function demo(args: string[], config: Config, logger: Logger): Promise<void> {
  const portText = option(args, '--port');
  const exitAfter = flag(args, '--exit');
  if (args.length > 0) throw new UsageError(`demo: unexpected argument '${args[0]}'`);
  const port = portText === undefined ? config.port : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError('--port needs a port number (0: any free port)');
  process.stderr.write('insitu demo: starting the proxy, the pipeline and a built-in demo model (embedded runtime, nothing leaves this machine)...\n');
  // Quiet unless asked: the demo's own summary is the output.
  const running = await runDemo({ port, host: config.host, logger: process.env.INSITU_LOG_LEVEL ? logger : createLogger({ level: 'warn' }) });
  process.stdout.write(describeDemo(running.summary).replace(/\n\nRunning until Ctrl-C\.$/, exitAfter ? '' : '\n\nRunning until Ctrl-C.') + '\n');
  if (exitAfter) return running.close();
  await untilSignal(logger, () => running.close());
}

async function tap(config: Config, logger: Logger, args: string[]): Promise<void> {
  const fromBeginning = flag(args, '--from-beginning');
  const limitText = option(args, '--limit');
  const limit = limitText === undefined ? Infinity : Number(limitText);
  if (limitText !== undefined && (!Number.isInteger(limit) || limit <= 0)) throw new UsageError('--limit needs a positive integer');
  const topic = args.shift();
  if (!topic) throw new UsageError('tap needs a topic');
  if (!(ALL_TOPICS as string[]).includes(topic)) throw new UsageError(`unknown topic '${topic}' (known: ${ALL_TOPICS.join(', ')})`);
  const runtime = await openRuntime(config, logger);
  let printed = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const subscription = await runtime.bus.subscribe({
    group: `insitu-tap-${randomBytes(4).toString('hex')}`,
    topics: [topic],
    fromBeginning,
    ephemeral: true,
    handler: async (records) => {
      for (const r of records) {
        if (printed >= limit) break;
        process.stdout.write(r.value.replace(/\n/g, ' ') + '\n');
        if (++printed >= limit) finish();
      }
    },
  });
  const signalled = untilSignal(logger, async () => undefined);
  await Promise.race([finished, signalled]);
  await subscription.close();
  await runtime.close();
}

function inputFile(args: string[]): string {
  const input = option(args, '--input');
  if (input === undefined) throw new UsageError('--input <file.jsonl> is required');
  return inputFilePath(input, '--input');
}

function detectorOption(args: string[]) {
  const config = loadConfig();
  const name = option(args, '--detector') ?? config.detector;
  if (!['local', 'llm', 'cascade'].includes(name)) throw new UsageError(`--detector ${name}: use local, llm or cascade`);
  if (name !== 'local' && !config.judge) throw new UsageError(`--detector ${name} needs INSITU_JUDGE_URL and INSITU_JUDGE_MODEL`);
  return chooseDetector(config, name);
}

async function detect(args: string[]): Promise<void> {
  const input = inputFile(args);
  const outputPath = option(args, '--output');
  const detector = detectorOption(args);
  const output = outputPath !== undefined ? createWriteStream('', { fd: openOutputFile(outputPath, '--output', [{ path: input, name: '--input' }]) }) : process.stdout;
  const write = (line: string) => (output.write(line) ? undefined : new Promise<void>((r) => output.once('drain', () => r())));
  const progress = createProgressLine();
  const summary = await detectCorpus({
    input,
    detector,
    write,
    totalBytes: statSync(input).size,
    progress: (p) => progress.update({ bytes: p.bytes, totalBytes: p.totalBytes, seconds: p.seconds, rate: { count: p.utterances, unit: 'utt/s' }, detail: `${p.conversations} conversations` }),
  });
  progress.done();
  if (outputPath !== undefined) await new Promise<void>((resolve, reject) => (output as ReturnType<typeof createWriteStream>).end((e?: Error | null) => (e ? reject(e) : resolve())));
  if (summary.conversations === 0) throw new UsageError(`--input ${input}: no valid conversation lines (${summary.skippedLines} unreadable)`);
  process.stderr.write(formatTable1(summary) + '\n');
  const stats = (detector as { stats?: () => Record<string, number> }).stats?.();
  if (stats) {
    const share = stats.turns ? ` (${((100 * (stats.sentToJudge ?? 0)) / stats.turns).toFixed(1)} % of turns sent to the judge)` : '';
    process.stderr.write(`detector ${detector.name}: ${JSON.stringify(stats)}${share}\n`);
  }
}

function dayOption(args: string[], name: string): string | undefined {
  const value = option(args, name);
  if (value !== undefined && !parseDay(value)) throw new UsageError(`${name} ${value}: expected a date YYYY-MM-DD`);
  return value;
}

async function exportCommand(args: string[]): Promise<void> {
  const names = EXPORT_FORMATS.map((f) => f.name).join(', ');
  const formatName = option(args, '--format');
  const outDir = option(args, '--out');
  const tenant = option(args, '--tenant');
  const since = dayOption(args, '--since');
  const until = dayOption(args, '--until');
  if (args.length > 0) throw new UsageError(`export: unexpected argument '${args[0]}'`);
  if (!formatName) throw new UsageError(`export needs --format (${names})`);
  const format = findExportFormat(formatName);
  if (!format) throw new UsageError(`--format ${formatName}: use one of ${names}`);
  if (outDir === undefined) throw new UsageError('export needs --out <folder>');
  folderPath(outDir, '--out');
  if (tenant === '') throw new UsageError('--tenant needs a tenant name');
  if (since && until && since > until) throw new UsageError(`--since ${since} is after --until ${until}`);
  const result = await exportDataset({ dataDir: loadConfig().dataDir, format, outDir, tenant, since, until });
  process.stdout.write(describeExport(result) + '\n');
}

function schemas(args: string[]): void {
  const write = option(args, '--write');
  const check = option(args, '--check');
  if (write === undefined && check === undefined) {
    for (const s of EVENT_SCHEMAS) process.stdout.write(JSON.stringify(s.schema, null, 2) + '\n');
    return;
  }
  const dir = folderPath((write ?? check)!, write !== undefined ? '--write' : '--check');
  const stale: string[] = [];
  if (write) mkdirSync(dir, { recursive: true });
  for (const s of EVENT_SCHEMAS) {
    const path = join(dir, s.file);
    const text = JSON.stringify(s.schema, null, 2) + '\n';
    if (write) writeFileSync(path, text);
    else {
      let current = '';
      try {
        current = readFileSync(path, 'utf8');
      } catch {
        // missing counts as stale
      }
      if (current !== text) stale.push(path);
    }
  }
  if (stale.length) throw new UsageError(`schema files out of date: ${stale.join(', ')} (run: insitu schemas --write ${dir})`);
}

export async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  const command = args.shift();
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 2;
  }
  try {
    if (command === 'env') {
      process.stdout.write(variablesTable() + '\n');
      return 0;
    }
    if (command === 'schemas') {
      schemas(args);
      return 0;
    }
    if (command === 'detect') {
      await detect(args);
      return 0;
    }
    if (command === 'export') {
      await exportCommand(args);
      return 0;
    }
    if (command === 'eval-detector') {
      const input = inputFile(args);
      const errorsText = option(args, '--errors') ?? '0';
      const json = flag(args, '--json');
      let problem: string | null;
      try {
        problem = evalDetector({ input, split: option(args, '--split') ?? 'all', errors: Number(errorsText) || 0, json, write: (t) => process.stdout.write(t) });
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        throw new UsageError(`--input ${input}: not labelled JSONL (${error.message})`);
      }
      if (problem) throw new UsageError(problem);
      return 0;
    }
    const config = loadConfig();
    const logger = createLogger({ level: config.logLevel });
    switch (command) {
      case 'up':
        await serve(config, logger, true, CONSUMERS.map((c) => c.name));
        return 0;
      case 'proxy':
        await serve(config, logger, true, []);
        return 0;
      case 'consume': {
        const name = args.shift();
        if (!name || !findConsumer(name)) throw new UsageError(`consume needs a consumer name: ${CONSUMERS.map((c) => c.name).join(', ') || 'none registered yet'}`);
        await serve(config, logger, false, [name]);
        return 0;
      }
      case 'tap':
        await tap(config, logger, args);
        return 0;
      case 'routes':
        await routesCommand(args, config, logger);
        return 0;
      case 'ingest':
        await ingestCommand(args, config, logger);
        return 0;
      case 'train':
        await trainCommand(args, { config, logger });
        return 0;
      case 'jobs':
        await jobsCommand(args, { config, logger });
        return 0;
      case 'keys':
        await keysCommand(args, { config, logger });
        return 0;
      case 'dlq':
        await dlqCommand(args, { config, logger });
        return 0;
      case 'demo':
        await demo(args, config, logger);
        return 0;
      case 'eval':
        await evalCommand(args, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), tty: process.stderr.isTTY === true, config, logger });
        return 0;
      default:
        throw new UsageError(`unknown command '${command}'\n\n${USAGE}`);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`insitu: invalid configuration: ${error.message}\n`);
      return 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`insitu: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`insitu: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
