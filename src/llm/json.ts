// Finding the JSON in a model's answer: models wrap it in code fences and chatter, so the first balanced
// {...} or [...] that parses is taken, honouring strings and escapes.

/** The balanced {...} or [...] opening at `start`, or null when it never closes. */
function balancedAt(text: string, start: number): string | null {
  const open = text[start];
  const close = open === '{' ? '}' : ']';
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === open) depth++;
    else if (c === close && --depth === 0) return text.slice(start, i + 1);
  }
  return null;
}

/** The first balanced {...} in the text, whether or not it parses. */
export function extractJsonObject(text: string): string | null {
  const start = text.indexOf('{');
  return start < 0 ? null : balancedAt(text, start);
}

/** The first {...} or [...] in the text that parses as JSON, or undefined when there is none. */
export function readFirstJson(text: string): unknown {
  // Bounded: an answer full of stray brackets costs at most this many scans.
  let candidates = 64;
  for (let i = 0; i < text.length && candidates > 0; i++) {
    if (text[i] !== '{' && text[i] !== '[') continue;
    candidates--;
    const span = balancedAt(text, i);
    if (span === null) continue;
    try {
      return JSON.parse(span) as unknown;
    } catch {
      // "[see below]" or a broken object: try the next opening
    }
  }
  return undefined;
}
