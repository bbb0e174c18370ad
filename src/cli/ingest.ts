// `insitu ingest --input wildchat.jsonl [--tenant T] [--restart] [--batch N]`: backfill through insitu.turns.
import { isValidTenant, TENANT_RULE } from '../tenant.js';
import type { Config } from '../config.js';
import { ingestCorpus } from '../ingest/run.js';
import { redactorFromConfig } from '../redact/index.js';
import type { Logger } from '../log.js';
import { openRuntime } from '../runtime.js';
import { flag, option, UsageError } from './args.js';
import { inputFilePath } from './paths.js';
import { createProgressLine } from './progress.js';


export async function ingestCommand(args: string[], config: Config, logger: Logger): Promise<void> {
  const input = option(args, '--input');
  const tenant = option(args, '--tenant') ?? config.defaultTenant;
  const restart = flag(args, '--restart');
  const batchText = option(args, '--batch');
  if (args.length > 0) throw new UsageError(`ingest: unexpected argument '${args[0]}'`);
  if (input === undefined) throw new UsageError('ingest needs --input <conversations.jsonl>');
  inputFilePath(input, '--input');
  if (!isValidTenant(tenant)) throw new UsageError(`--tenant ${tenant}: use ${TENANT_RULE}`);
  const batchSize = batchText === undefined ? 500 : Number(batchText);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw new UsageError('--batch needs an integer from 1 to 100000');

  const runtime = await openRuntime(config, logger);
  const progress = createProgressLine();
  try {
    const result = await ingestCorpus({
      input,
      bus: runtime.bus,
      dataDir: config.dataDir,
      redactor: redactorFromConfig(config),
      tenant,
      batchSize,
      restart,
      progress: (p) => progress.update({ bytes: p.bytes, totalBytes: p.totalBytes, startBytes: p.startBytes, seconds: p.seconds, rate: { count: p.turnsThisRun, unit: 'turns/s' }, detail: `${p.conversations} conversations, ${p.turns} turns` }),
    });
    progress.done();
    if (result.conversations === 0) throw new UsageError(`--input ${input}: no valid conversation lines (${result.skipped} unreadable); nothing ingested`);
    const resumed = result.resumedFrom > 0 ? ` (resumed after line ${result.resumedFrom})` : '';
    process.stdout.write(
      `insitu: ingested ${result.conversations} conversations as ${result.turns} turns into insitu.turns for tenant ${tenant}${resumed} in ${result.seconds.toFixed(1)} s; ${result.skipped} unreadable lines skipped\n` +
        `insitu: checkpoint ${result.checkpointFile} (a rerun resumes from it; --restart starts over)\n`,
    );
  } finally {
    await runtime.close();
  }
}
