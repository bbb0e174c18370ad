// k-means over sparse unit vectors with dense centroids: k-means++ seeding from a fixed-seed generator, Lloyd
// iterations until no point moves, a few restarts with the lowest inertia kept. Deterministic for a given
// input, so the same held-out pairs always give the same test set and report id.
import type { SparseVector } from './vectors.js';

export interface Clustering {
  /** The cluster of each point, 0..k-1, numbered in order of each cluster's first point. */
  assignments: number[];
  k: number;
  /** Sum of squared distances to the centroids. */
  inertia: number;
}

const RESTARTS = 4;
const MAX_ITERATIONS = 100;

/** mulberry32: a small, good-enough PRNG whose whole state is the seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const squaredNorm = (v: SparseVector) => v.val.reduce((s, x) => s + x * x, 0);

function distance(point: SparseVector, pointNorm: number, centroid: Float64Array, centroidNorm: number): number {
  let d = 0;
  for (let i = 0; i < point.idx.length; i++) d += point.val[i]! * centroid[point.idx[i]!]!;
  return Math.max(0, pointNorm - 2 * d + centroidNorm);
}

function dense(point: SparseVector, dim: number): Float64Array {
  const c = new Float64Array(dim);
  point.idx.forEach((i, j) => (c[i] = point.val[j]!));
  return c;
}

function run(points: SparseVector[], norms: number[], k: number, dim: number, seed: number): Clustering {
  const draw = random(seed);
  const n = points.length;
  // k-means++: each next centre drawn with probability proportional to the squared distance to the nearest one.
  const first = Math.floor(draw() * n);
  const centroids: Float64Array[] = [dense(points[first]!, dim)];
  const centroidNorms = [squaredNorm(points[first]!)];
  const nearest = points.map((p, i) => distance(p, norms[i]!, centroids[0]!, centroidNorms[0]!));
  while (centroids.length < k) {
    const total = nearest.reduce((s, x) => s + x, 0);
    let pick = 0;
    if (total > 0) {
      let target = draw() * total;
      for (pick = 0; pick < n - 1 && (target -= nearest[pick]!) > 0; pick++);
    } else pick = centroids.length % n; // every point sits on a centre already: any point will do
    const c = dense(points[pick]!, dim);
    centroids.push(c);
    centroidNorms.push(squaredNorm(points[pick]!));
    points.forEach((p, i) => (nearest[i] = Math.min(nearest[i]!, distance(p, norms[i]!, c, centroidNorms.at(-1)!))));
  }

  const assignments = new Array<number>(n).fill(-1);
  let inertia = 0;
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    let moved = 0;
    inertia = 0;
    const distances = new Array<number>(n);
    points.forEach((p, i) => {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d = distance(p, norms[i]!, centroids[c]!, centroidNorms[c]!);
        if (d < bestD) (best = c), (bestD = d);
      }
      if (assignments[i] !== best) (moved++, (assignments[i] = best));
      distances[i] = bestD;
      inertia += bestD;
    });
    if (moved === 0 && iteration > 0) break;
    const sums: Float64Array[] = Array.from({ length: k }, () => new Float64Array(dim));
    const counts = new Array<number>(k).fill(0);
    points.forEach((p, i) => {
      const c = assignments[i]!;
      counts[c]!++;
      p.idx.forEach((t, j) => (sums[c]![t]! += p.val[j]!));
    });
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        // An empty cluster takes the point farthest from its centroid.
        const far = distances.reduce((best, d, i) => (d > distances[best]! ? i : best), 0);
        sums[c] = dense(points[far]!, dim);
        distances[far] = 0;
        counts[c] = 1;
      }
      const mean = sums[c]!.map((x) => x / counts[c]!);
      centroids[c] = mean;
      centroidNorms[c] = mean.reduce((s, x) => s + x * x, 0);
    }
  }
  return { assignments, k, inertia };
}

/** Canonical numbering: clusters in order of their first point, so equal partitions compare equal. */
function renumber(c: Clustering): Clustering {
  const order = new Map<number, number>();
  for (const a of c.assignments) if (!order.has(a)) order.set(a, order.size);
  return { ...c, assignments: c.assignments.map((a) => order.get(a)!), k: order.size };
}

export function kMeans(points: SparseVector[], options: { k: number; dim: number; seed?: number }): Clustering {
  const n = points.length;
  if (n === 0) return { assignments: [], k: 0, inertia: 0 };
  const k = Math.max(1, Math.min(options.k, n));
  const norms = points.map(squaredNorm);
  let best: Clustering | undefined;
  for (let r = 0; r < RESTARTS; r++) {
    const result = run(points, norms, k, options.dim, (options.seed ?? 0x1a5e) + r * 7919);
    if (!best || result.inertia < best.inertia - 1e-12) best = result;
  }
  return renumber(best!);
}
