// A byte-level pre-scan of a JSON request body, before JSON.parse: how deep arrays and objects nest, and
// whether a top-level key occurs twice. Iterative (no recursion), so a 100k-level body cannot blow the stack,
// and it stops at the first problem. Strings are skipped with their escapes; invalid JSON is left to JSON.parse.
export interface JsonShapeProblem {
  kind: 'too_deep' | 'duplicate_key';
  detail: string;
}

export function scanJsonShape(raw: Uint8Array, maxDepth: number): JsonShapeProblem | null {
  let depth = 0;
  const topKeys = new Set<string>();
  // Top-level object: a string at depth 1 is a key when it follows '{' or ','.
  let expectKey = false;
  let topIsObject = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === 0x22) {
      const start = i + 1;
      for (i++; i < raw.length && raw[i] !== 0x22; i++) if (raw[i] === 0x5c) i++;
      if (depth === 1 && expectKey) {
        let key = Buffer.from(raw.subarray(start, i)).toString('utf8');
        try {
          key = JSON.parse(`"${key}"`) as string; // "mess\u0061ges" is "messages" to JSON.parse too
        } catch {
          return null; // not valid JSON: JSON.parse reports it
        }
        if (topKeys.has(key)) return { kind: 'duplicate_key', detail: key };
        topKeys.add(key);
      }
      expectKey = false;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return { kind: 'too_deep', detail: String(maxDepth) };
      if (depth === 1) topIsObject = c === 0x7b;
      expectKey = depth === 1 && topIsObject;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      expectKey = false;
    } else if (c === 0x2c) {
      expectKey = depth === 1 && topIsObject;
    }
  }
  return null;
}
