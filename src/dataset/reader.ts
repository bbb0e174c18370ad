// The dataset store's reader: every stored record of one kind, optionally of one tenant and a range of days,
// each once. Delivery upstream is at-least-once, so a record can sit in the store twice (store.ts); this is
// where copies are absorbed: the first line with a given pair_id/example_id wins, later ones are counted.
// The ids seen are kept in memory (roughly 100 bytes each: about 100 MB per million records).
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { validatePreferencePair, validateTrainingExample } from '../events/validate.js';
import { DAY_FILE, kindFolder, kindOf, recordId, tenantFolder, type DatasetKind, type DatasetRecord, type RecordOf } from './layout.js';

export interface DatasetFilter {
  tenant?: string;
  /** First day included, YYYY-MM-DD (UTC). */
  since?: string;
  /** Last day included, YYYY-MM-DD (UTC). */
  until?: string;
}

export interface ReadStats {
  files: number;
  /** Non-empty lines read. */
  lines: number;
  /** Records yielded. */
  records: number;
  /** Later copies of a record already yielded (re-delivery). */
  duplicates: number;
  /** Lines that are not JSON (a torn line after a crash, a hand edit). */
  unreadable: number;
  /** JSON lines that are not a valid record of this kind and tenant, or not accepted. */
  invalid: number;
}

export interface DatasetReader<R> extends AsyncIterable<R> {
  /** Counts of the current iteration so far; final once it ends. */
  readonly stats: ReadStats;
}

export function readDataset<K extends DatasetKind>(options: { dataDir: string; kind: K } & DatasetFilter): DatasetReader<RecordOf<K>> {
  const stats = zeroStats();
  const { dataDir, kind, tenant, since, until } = options;
  const validate = kind === 'pairs' ? validatePreferencePair : validateTrainingExample;

  async function* records(): AsyncGenerator<RecordOf<K>> {
    Object.assign(stats, zeroStats());
    const root = kindFolder(dataDir, kind);
    const tenants = tenant === undefined ? await folders(root) : [tenantFolder(tenant)];
    const seen = new Set<string>();
    for (const folder of tenants) {
      const days = (await entries(join(root, folder)))
        .filter((e) => e.isFile())
        .map((e) => DAY_FILE.exec(e.name)?.[1])
        .filter((day): day is string => day !== undefined && (since === undefined || day >= since) && (until === undefined || day <= until))
        .sort();
      for (const day of days) {
        stats.files++;
        const lines = createInterface({ input: createReadStream(join(root, folder, `${day}.jsonl`), { encoding: 'utf8' }), crlfDelay: Infinity });
        for await (const line of lines) {
          if (line.trim() === '') continue;
          stats.lines++;
          let parsed: unknown;
          try {
            parsed = JSON.parse(line);
          } catch {
            stats.unreadable++;
            continue;
          }
          const valid = validate(parsed);
          const record = valid.ok ? (valid.value as DatasetRecord) : undefined;
          if (!record || kindOf(record) !== kind || !record.accepted || (tenant !== undefined && record.tenant !== tenant)) {
            stats.invalid++;
            continue;
          }
          const id = recordId(record);
          if (seen.has(id)) {
            stats.duplicates++;
            continue;
          }
          seen.add(id);
          stats.records++;
          yield record as RecordOf<K>;
        }
      }
    }
  }

  return { stats, [Symbol.asyncIterator]: () => records() };
}

const zeroStats = (): ReadStats => ({ files: 0, lines: 0, records: 0, duplicates: 0, unreadable: 0, invalid: 0 });

async function entries(folder: string) {
  try {
    return await readdir(folder, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function folders(root: string): Promise<string[]> {
  return (await entries(root)).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}
