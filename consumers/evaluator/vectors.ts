// Vectors for clustering test samples: sparse so that local TF-IDF over a large vocabulary stays cheap, and
// dense embeddings fit the same shape (every index present).

export interface SparseVector {
  /** Ascending term indices. */
  idx: number[];
  val: number[];
}

export function dot(a: SparseVector, b: SparseVector): number {
  let sum = 0;
  for (let i = 0, j = 0; i < a.idx.length && j < b.idx.length; ) {
    if (a.idx[i] === b.idx[j]) sum += a.val[i++]! * b.val[j++]!;
    else if (a.idx[i]! < b.idx[j]!) i++;
    else j++;
  }
  return sum;
}

export function normalise(v: SparseVector): SparseVector {
  const norm = Math.sqrt(v.val.reduce((s, x) => s + x * x, 0));
  return norm === 0 ? v : { idx: v.idx, val: v.val.map((x) => x / norm) };
}

export function fromDense(values: readonly number[]): SparseVector {
  return normalise({ idx: values.map((_, i) => i), val: [...values] });
}

/** [a, b] / sqrt(2): both halves weigh the same; `offset` is a's dimension. */
export function concat(a: SparseVector, b: SparseVector, offset: number): SparseVector {
  const s = Math.SQRT1_2;
  return { idx: [...a.idx, ...b.idx.map((i) => i + offset)], val: [...a.val.map((x) => x * s), ...b.val.map((x) => x * s)] };
}
