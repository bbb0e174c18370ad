// Test-set selection (WildFeedback §4, "WILDFEEDBACK Evaluation"): cluster the held-out prompts together with
// their preferences, keep per cluster the samples whose preferences are most central (closest to the
// cluster's mean preference: the majority view, not one user's quirk), and drop near-duplicate queries.
// Deterministic for a given input: the same held-out pairs give the same test set.
import { shingles } from '../preference-builder/filters/minhash.js';
import type { Embedder } from './embeddings.js';
import { kMeans } from './kmeans.js';
import type { TestSample } from './sample.js';
import { terms, tfidf } from './tfidf.js';
import { concat, dot, type SparseVector } from './vectors.js';

export interface SampleVectors {
  /** 'tfidf' or 'embeddings:<model>'. */
  kind: string;
  query: SparseVector[];
  preferences: SparseVector[];
  queryDim: number;
  preferenceDim: number;
}

const preferenceText = (s: TestSample) => s.preferences.join(' ');

/** Query and preference vectors of each sample: from the embeddings endpoint when given, else local TF-IDF. */
export async function vectorize(samples: readonly TestSample[], embedder?: Embedder): Promise<SampleVectors> {
  if (embedder) {
    const query = await embedder.embed(samples.map((s) => s.query));
    const preferences = await embedder.embed(samples.map(preferenceText));
    return { kind: `embeddings:${embedder.model}`, query: query.vectors, preferences: preferences.vectors, queryDim: query.dim, preferenceDim: preferences.dim };
  }
  const query = tfidf(samples.map((s) => s.query));
  const preferences = tfidf(samples.map(preferenceText));
  return { kind: 'tfidf', query: query.vectors, preferences: preferences.vectors, queryDim: query.vocabulary.length, preferenceDim: preferences.vocabulary.length };
}

export interface SelectedSample {
  sample: TestSample;
  cluster: number;
  /** Cosine-like similarity of the sample's preferences to its cluster's mean preference (higher: more typical). */
  centrality: number;
}

export interface ClusterSummary {
  cluster: number;
  /** The cluster's most telling query words, for the report. */
  label: string;
  /** Held-out samples in the cluster. */
  size: number;
  selected: number;
}

export interface TestSelection {
  vectors: string;
  /** Distinct held-out samples clustered. */
  pool: number;
  selected: SelectedSample[];
  clusters: ClusterSummary[];
  /** Central samples passed over as near-duplicates of one already selected. */
  duplicatesRemoved: number;
}

export interface SelectionOptions {
  clusters: number;
  perCluster: number;
  /** Word-shingle Jaccard similarity of two queries at or above which the later one is a near-duplicate. */
  dedupJaccard: number;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared);
}

function label(samples: readonly TestSample[], members: number[]): string {
  const { vocabulary, vectors } = tfidf(members.map((i) => samples[i]!.query));
  const weight = new Map<number, number>();
  for (const v of vectors) v.idx.forEach((t, j) => weight.set(t, (weight.get(t) ?? 0) + v.val[j]!));
  // Within one cluster its shared words have idf 0; fall back to plain frequency for a one-sample cluster.
  if (weight.size === 0) return [...new Set(members.flatMap((i) => terms(samples[i]!.query)))].slice(0, 3).join(' ');
  return [...weight].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 3).map(([t]) => vocabulary[t]).join(' ');
}

export function selectTestSet(samples: readonly TestSample[], vectors: SampleVectors, options: SelectionOptions): TestSelection {
  const points = samples.map((_, i) => concat(vectors.query[i]!, vectors.preferences[i]!, vectors.queryDim));
  const { assignments, k } = kMeans(points, { k: options.clusters, dim: vectors.queryDim + vectors.preferenceDim });

  const members: number[][] = Array.from({ length: k }, () => []);
  assignments.forEach((c, i) => members[c]!.push(i));
  const querySets = samples.map((s) => new Set(shingles(s.query, 'q')));
  const kept: number[] = [];
  const selected: SelectedSample[] = [];
  const clusters: ClusterSummary[] = [];
  let duplicatesRemoved = 0;
  members.forEach((group, cluster) => {
    // The mean preference vector of the cluster; dot with it = mean similarity to the cluster's preferences.
    const mean = new Map<number, number>();
    for (const i of group) vectors.preferences[i]!.idx.forEach((t, j) => mean.set(t, (mean.get(t) ?? 0) + vectors.preferences[i]!.val[j]! / group.length));
    const entries = [...mean].sort((a, b) => a[0] - b[0]);
    const centroid = { idx: entries.map((e) => e[0]), val: entries.map((e) => e[1]) };
    const ranked = group
      .map((i) => ({ i, centrality: dot(vectors.preferences[i]!, centroid) }))
      .sort((a, b) => b.centrality - a.centrality || (samples[a.i]!.pair_id < samples[b.i]!.pair_id ? -1 : 1));
    let taken = 0;
    for (const { i, centrality } of ranked) {
      if (taken >= options.perCluster) break;
      if (kept.some((j) => jaccard(querySets[i]!, querySets[j]!) >= options.dedupJaccard)) {
        duplicatesRemoved++;
        continue;
      }
      kept.push(i);
      selected.push({ sample: samples[i]!, cluster, centrality: Math.round(centrality * 1e6) / 1e6 });
      taken++;
    }
    clusters.push({ cluster, label: label(samples, group), size: group.length, selected: taken });
  });
  return { vectors: vectors.kind, pool: samples.length, selected, clusters, duplicatesRemoved };
}
