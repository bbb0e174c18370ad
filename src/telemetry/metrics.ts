// A small Prometheus registry (text exposition format 0.0.4): counters, gauges read at scrape time, and
// histograms, each with labels. Hand-written rather than a client library: the proxy needs a few families,
// and recording must stay a map lookup and an add on the hot path.

export type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  render(): string[];
}

/** Label values longer than this are cut (with a hash of the whole, so distinct values stay distinct). */
const MAX_LABEL_CHARS = 128;
const boundLabel = (v: string) => (v.length <= MAX_LABEL_CHARS ? v : `${v.slice(0, MAX_LABEL_CHARS - 9)}~${fnv1a(v)}`);
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Labels) => {
  const entries = Object.entries(labels);
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
};
// A series key: label names in order, each with its value (JSON-quoted, so no value can fake a separator).
// Hot path: every request records a few series; this costs a fraction of JSON.stringify over sorted entries.
const keyOf = (labels: Labels) => {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let key = '';
  for (const name of names) key += `${name}=${JSON.stringify(labels[name])},`;
  return key;
};
const num = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN');

/** Label values come from requests (model names); past this many series a family folds new ones into "other". */
const MAX_SERIES = 500;

function boundLabels(labels: Labels): Labels {
  for (const v of Object.values(labels)) {
    if (v.length > MAX_LABEL_CHARS) return Object.fromEntries(Object.entries(labels).map(([k, x]) => [k, boundLabel(x)]));
  }
  return labels;
}

export interface Counter {
  inc(labels?: Labels, by?: number): void;
  value(labels?: Labels): number;
}
export interface Histogram {
  observe(labels: Labels, value: number): void;
}

export interface Metrics {
  counter(name: string, help: string): Counter;
  /** A gauge whose samples are read when scraped; `counter` for a running total kept elsewhere. */
  gauge(name: string, help: string, read: () => { labels?: Labels; value: number }[], type?: 'gauge' | 'counter'): void;
  histogram(name: string, help: string, buckets: readonly number[]): Histogram;
  /** The exposition text. */
  render(): string;
}

/** Seconds: 5 ms .. 2 min, for request, upstream and first-byte latency. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] as const;

export function createMetrics(): Metrics {
  const families = new Map<string, Family>();
  const add = <F extends Family>(family: F): F => {
    const existing = families.get(family.name);
    if (existing) {
      if (existing.type !== family.type) throw new Error(`metric ${family.name} registered twice with different types`);
      return existing as F;
    }
    families.set(family.name, family);
    return family;
  };
  const bounded = <V>(series: Map<string, { labels: Labels; v: V }>, labels: Labels, make: () => V) => {
    labels = boundLabels(labels);
    let key = keyOf(labels);
    let entry = series.get(key);
    if (!entry) {
      if (series.size >= MAX_SERIES) {
        labels = Object.fromEntries(Object.keys(labels).map((k) => [k, 'other']));
        key = keyOf(labels);
        entry = series.get(key);
      }
      if (!entry) series.set(key, (entry = { labels, v: make() }));
    }
    return entry;
  };

  return {
    counter(name, help) {
      const series = new Map<string, { labels: Labels; v: { n: number } }>();
      const family = add({
        name,
        help,
        type: 'counter' as const,
        series,
        render: () => [...series.values()].map((s) => `${name}${labelText(s.labels)} ${num(s.v.n)}`),
      });
      const own = (family as unknown as { series: typeof series }).series;
      return {
        inc: (labels = {}, by = 1) => void (bounded(own, labels, () => ({ n: 0 })).v.n += by),
        value: (labels = {}) => own.get(keyOf(labels))?.v.n ?? 0,
      };
    },
    gauge(name, help, read, type = 'gauge') {
      // A gauge registered again (a restarted component) reads from its newest source.
      if (families.get(name)?.type === type) families.delete(name);
      add({
        name,
        help,
        type,
        render: () => {
          try {
            return read().map((s) => `${name}${labelText(s.labels ?? {})} ${num(s.value)}`);
          } catch {
            return []; // a gauge whose source is gone (closed) reports nothing rather than failing the scrape
          }
        },
      });
    },
    histogram(name, help, buckets) {
      const bounds = [...buckets].sort((a, b) => a - b);
      const series = new Map<string, { labels: Labels; v: { counts: number[]; sum: number; count: number } }>();
      const family = add({
        name,
        help,
        type: 'histogram' as const,
        series,
        render: () =>
          [...series.values()].flatMap(({ labels, v }) => {
            let cumulative = 0;
            const lines = bounds.map((le, i) => {
              cumulative += v.counts[i]!;
              return `${name}_bucket${labelText({ ...labels, le: num(le) })} ${cumulative}`;
            });
            lines.push(`${name}_bucket${labelText({ ...labels, le: '+Inf' })} ${v.count}`);
            lines.push(`${name}_sum${labelText(labels)} ${num(v.sum)}`, `${name}_count${labelText(labels)} ${v.count}`);
            return lines;
          }),
      });
      const own = (family as unknown as { series: typeof series }).series;
      return {
        observe(labels, value) {
          const { v } = bounded(own, labels, () => ({ counts: bounds.map(() => 0), sum: 0, count: 0 }));
          const i = bounds.findIndex((le) => value <= le);
          if (i >= 0) v.counts[i]!++;
          v.sum += value;
          v.count++;
        },
      };
    },
    render() {
      const out: string[] = [];
      for (const f of families.values()) {
        const samples = f.render();
        out.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${f.name} ${f.type}`, ...samples);
      }
      return `${out.join('\n')}\n`;
    },
  };
}
