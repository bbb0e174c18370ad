// The dataset snapshot of one job: the accepted pairs and SFT examples of every tenant, split into train and
// test so that no test conversation or user appears in train, written as the SNAPSHOT_FILES under
// <dataDir>/training/<job_id>/. The split groups pairs into connected components of shared users and
// conversations (union-find) and sends whole components to test by a hash of the component, so it is the same
// for the same data (WildFeedback §4: held-out conversations and users).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createOutputFile, writeOutputText } from '../../src/dataset/export/output.js';
import { openAIDpo, toOpenAIMessage } from '../../src/dataset/export/openai-dpo.js';
import { sft, type OpenAISftLine, type OpenAISftMessage } from '../../src/dataset/export/sft.js';
import { unusablePair } from '../../src/dataset/export/format.js';
import { readDataset } from '../../src/dataset/reader.js';
import type { TrainingExample } from '../../src/events/example.js';
import type { PreferencePair } from '../../src/events/preference.js';
import type { TrainingDataset, TrainingHyperparameters } from '../../src/events/training.js';
import { SNAPSHOT_FILES } from './backend.js';

type Keyed = Pick<PreferencePair, 'tenant' | 'conversation_id' | 'user'>;

const conversationKey = (r: Keyed) => `c:${r.tenant}:${r.conversation_id}`;
const userKey = (r: Keyed) => (r.user === null ? null : `u:${r.tenant}:${r.user}`);
const keysOf = (r: Keyed) => [conversationKey(r), userKey(r)].filter((k): k is string => k !== null);

/** A component's place in [0, 1): the same key always lands in the same place. */
function unitHash(key: string): number {
  return createHash('sha256').update(key).digest().readUIntBE(0, 6) / 2 ** 48;
}

export interface Split {
  train: PreferencePair[];
  test: PreferencePair[];
  /** The conversation and user keys of test (`c:<tenant>:<id>`, `u:<tenant>:<user>`). */
  testKeys: Set<string>;
  components: number;
}

/**
 * Splits pairs by connected components of shared users and conversations; a component goes to test when the
 * hash of its smallest key is below testFraction. With testFraction > 0 and at least two components, test is
 * never empty (the lowest-hash component goes); train is never empty (the highest-hash one stays).
 */
export function splitPairs(pairs: readonly PreferencePair[], testFraction: number): Split {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let root = k;
    while (parent.get(root) !== root) root = parent.get(root)!;
    for (let at = k; at !== root; ) {
      const up = parent.get(at)!;
      parent.set(at, root); // path compression
      at = up;
    }
    return root;
  };
  const union = (a: string, b: string) => {
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb); // the smaller key is the root
  };
  for (const p of pairs) for (const k of keysOf(p)) if (!parent.has(k)) parent.set(k, k);
  for (const p of pairs) {
    const [first, ...rest] = keysOf(p);
    for (const k of rest) union(first!, k);
  }
  // Roots are the smallest key of their component (union keeps the smaller root).
  const roots = [...new Set([...parent.keys()].map(find))].sort();
  const hashes = new Map(roots.map((r) => [r, unitHash(r)]));
  const testRoots = new Set(roots.filter((r) => hashes.get(r)! < testFraction));
  const byHash = [...roots].sort((a, b) => hashes.get(a)! - hashes.get(b)! || (a < b ? -1 : 1));
  if (testFraction > 0 && roots.length >= 2 && testRoots.size === 0) testRoots.add(byHash[0]!);
  if (roots.length > 0 && testRoots.size === roots.length) testRoots.delete(byHash[byHash.length - 1]!);
  const testKeys = new Set([...parent.keys()].filter((k) => testRoots.has(find(k))));
  const train: PreferencePair[] = [];
  const test: PreferencePair[] = [];
  for (const p of pairs) (testKeys.has(conversationKey(p)) ? test : train).push(p);
  return { train, test, testKeys, components: roots.length };
}

/** SFT examples that share no conversation or user with test. */
export function trainExamples(examples: readonly TrainingExample[], testKeys: ReadonlySet<string>): TrainingExample[] {
  return examples.filter((e) => !keysOf(e).some((k) => testKeys.has(k)));
}

/** A train pair's chosen response as an SFT line (earlier assistant turns not trained, as in the sft export). */
export function chosenSftLine(pair: PreferencePair): OpenAISftLine {
  const prompt = pair.prompt.map((m): OpenAISftMessage => (m.role === 'assistant' ? { role: 'assistant', content: m.content, weight: 0 } : toOpenAIMessage(m)));
  return { messages: [...prompt, { role: 'assistant', content: pair.chosen.content }] };
}

export const snapshotDir = (dataDir: string, jobId: string) => join(dataDir, 'training', jobId);

export interface SnapshotResult {
  dataset: TrainingDataset;
  /** Pairs and examples left out because no training line can be made of them. */
  unusable: number;
}

/** Whether a tenant's data trains the model: every tenant's when the list is empty (INSITU_TRAIN_TENANTS). */
export const trainsOn = (tenants: readonly string[]) => (tenant: string) => tenants.length === 0 || tenants.includes(tenant);

export async function writeSnapshot(options: { dataDir: string; jobId: string; testFraction: number; hyperparameters: TrainingHyperparameters; tenants?: readonly string[]; now?: Date }): Promise<SnapshotResult> {
  const { dataDir, jobId, testFraction, hyperparameters } = options;
  const included = trainsOn(options.tenants ?? []);
  const dir = snapshotDir(dataDir, jobId);
  let unusable = 0;
  const pairs: PreferencePair[] = [];
  for await (const p of readDataset({ dataDir, kind: 'pairs' })) {
    if (!included(p.tenant)) continue;
    if (unusablePair(p)) unusable++;
    else pairs.push(p);
  }
  const examples: TrainingExample[] = [];
  for await (const e of readDataset({ dataDir, kind: 'sft' })) if (included(e.tenant)) examples.push(e);

  const split = splitPairs(pairs, testFraction);
  const sftExamples = trainExamples(examples, split.testKeys);
  const files = {
    sft: await createOutputFile(dir, SNAPSHOT_FILES.sft, 'jsonl'),
    dpo: await createOutputFile(dir, SNAPSHOT_FILES.dpo, 'jsonl'),
    trainPairs: await createOutputFile(dir, SNAPSHOT_FILES.trainPairs, 'jsonl'),
    testPairs: await createOutputFile(dir, SNAPSHOT_FILES.testPairs, 'jsonl'),
  };
  let sftLines = 0;
  try {
    for (const p of split.train) {
      const dpo = openAIDpo.convert(p);
      if (dpo.ok) await files.dpo.add(dpo.line);
      await files.sft.add(chosenSftLine(p));
      await files.trainPairs.add(p);
      sftLines++;
    }
    for (const e of sftExamples) {
      const line = sft.convert(e);
      if (!line.ok) {
        unusable++;
        continue;
      }
      await files.sft.add(line.line);
      sftLines++;
    }
    for (const p of split.test) await files.testPairs.add(p);
    for (const f of Object.values(files)) await f.commit();
  } catch (error) {
    for (const f of Object.values(files)) await f.abort();
    throw error;
  }
  const conversations = (list: PreferencePair[]) => new Set(list.map(conversationKey)).size;
  const dataset: TrainingDataset = {
    snapshot_dir: dir,
    train_pairs: split.train.length,
    test_pairs: split.test.length,
    sft_examples: sftLines - split.train.length,
    train_conversations: conversations(split.train),
    test_conversations: conversations(split.test),
    tenants: [...new Set(pairs.map((p) => p.tenant))].sort(),
  };
  const manifest = {
    job_id: jobId,
    created_at: (options.now ?? new Date()).toISOString(),
    test_fraction: testFraction,
    components: split.components,
    dataset,
    unusable,
    sft_lines: sftLines,
    test_users: [...split.testKeys].filter((k) => k.startsWith('u:')).length,
    files: SNAPSHOT_FILES,
    hyperparameters,
  };
  await writeOutputText(dir, SNAPSHOT_FILES.manifest, JSON.stringify(manifest, null, 2) + '\n');
  return { dataset, unusable };
}
