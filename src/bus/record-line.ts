// One record per line in the spool and the embedded bus's logs: `<meta JSON>\t<value>`. Event values are
// JSON text, which never holds a raw newline, so they are written as they are instead of being escaped a
// second time (a large share of the proxy's per-turn CPU). A value with a newline falls back to
// `<meta JSON with "v">`. JSON.stringify never emits a raw tab, so the first tab ends the meta part.

export function encodeLine(meta: Record<string, unknown>, value: string): string {
  if (!value.includes('\n')) return `${JSON.stringify(meta)}\t${value}\n`;
  return `${JSON.stringify({ ...meta, v: value })}\n`;
}

export function decodeLine<M extends Record<string, unknown>>(line: string): { meta: M; value: string } {
  const tab = line.indexOf('\t');
  if (tab >= 0) return { meta: JSON.parse(line.slice(0, tab)) as M, value: line.slice(tab + 1) };
  const { v, ...meta } = JSON.parse(line) as M & { v: string };
  return { meta: meta as unknown as M, value: v };
}
