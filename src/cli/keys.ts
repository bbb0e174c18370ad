// `insitu keys`: virtual keys for INSITU_AUTH=keys.
//   insitu keys create --tenant T [--rpm N] [--tpm N] [--name LABEL]   prints the new key alone on stdout, once
//   insitu keys list [--tenant T] [--json]                            ids, tenants, limits; never a key or its hash
//   insitu keys revoke KEY_ID                                         the key stops working at once
// Keys live in the state store the proxy reads (Redis); with in-memory state no proxy would see them, so the
// command refuses to run there.
import { TENANT_RULE } from '../tenant.js';
import { InvalidKeyInputError, createKeyStore } from '../auth/key-store.js';
import { isValidTenant, type KeyRecord } from '../auth/keys.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { createStateStore } from '../state/index.js';
import { flag, option, UsageError } from './args.js';

export interface KeysIo {
  config: Config;
  logger: Logger;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

const USAGE = 'keys create --tenant T [--rpm N] [--tpm N] [--name LABEL] | keys list [--tenant T] [--json] | keys revoke KEY_ID';

function positiveInteger(args: string[], name: string): number | undefined {
  const text = option(args, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) throw new UsageError(`${name} needs a positive integer, got '${text}'`);
  return Number(text);
}

const limit = (n: number | null) => (n === null ? 'default' : String(n));
const row = (r: KeyRecord) => `| ${r.id} | ${r.tenant} | ${(r.name ?? '-').replace(/\|/g, '/')} | ${limit(r.rpm)} | ${limit(r.tpm)} | ${r.created_at} | ${r.revoked_at ?? '-'} |`;
const table = (records: KeyRecord[]) => ['| id | tenant | name | rpm | tpm | created | revoked |', '|---|---|---|---|---|---|---|', ...records.map(row)].join('\n');

export async function keysCommand(argv: string[], io: KeysIo): Promise<void> {
  const out = io.out ?? ((t: string) => void process.stdout.write(t));
  const err = io.err ?? ((t: string) => void process.stderr.write(t));
  const args = [...argv];
  const sub = args.shift();
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') throw new UsageError(sub === undefined ? `missing subcommand (${USAGE})` : `unknown subcommand '${sub}' (${USAGE})`);

  // Parse everything before opening the store, so a typo costs no connection.
  let run: (store: ReturnType<typeof createKeyStore>) => Promise<void>;
  if (sub === 'create') {
    const tenant = option(args, '--tenant');
    const name = option(args, '--name');
    const rpm = positiveInteger(args, '--rpm');
    const tpm = positiveInteger(args, '--tpm');
    if (tenant === undefined) throw new UsageError('keys create needs --tenant T');
    if (!isValidTenant(tenant)) throw new UsageError(`--tenant: use ${TENANT_RULE}`);
    run = async (store) => {
      const { key, record } = await store.create({ tenant, name: name ?? null, rpm: rpm ?? null, tpm: tpm ?? null });
      out(key + '\n'); // alone on stdout, so `KEY=$(insitu keys create ...)` works
      err(`created ${record.id} for tenant ${record.tenant}; the key above is shown only this once\n`);
    };
  } else if (sub === 'list') {
    const tenant = option(args, '--tenant');
    const json = flag(args, '--json');
    run = async (store) => {
      const records = (await store.list()).filter((r) => tenant === undefined || r.tenant === tenant);
      out((json ? JSON.stringify(records, null, 2) : table(records)) + '\n');
    };
  } else {
    const id = args.shift();
    if (id === undefined || id.startsWith('--')) throw new UsageError('keys revoke needs KEY_ID (see insitu keys list)');
    run = async (store) => {
      const revoked = await store.revoke(id);
      if (!revoked) throw new UsageError(`no key has id '${id}' (see insitu keys list)`);
      out(`revoked ${revoked.id} (tenant ${revoked.tenant}) at ${revoked.revoked_at}\n`);
    };
  }
  if (args.length > 0) throw new UsageError(`unexpected argument '${args[0]}' (${USAGE})`);
  if (!io.config.redis) throw new UsageError('keys live in the state store, and it is in memory (no INSITU_REDIS_URL): no proxy would see them. Set INSITU_REDIS_URL to the Redis the proxy uses.');

  const state = createStateStore(io.config, io.logger);
  try {
    await run(createKeyStore(state));
  } catch (error) {
    if (error instanceof InvalidKeyInputError) throw new UsageError(error.message);
    throw error;
  } finally {
    await state.close();
  }
}
