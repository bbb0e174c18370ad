// Panel 2: feedback per minute by polarity (lines) and per rubric (bars), drawn as inline SVG from the
// feedback events the page has seen (the stream's backfill, then live ones).
import { clear, el, svg } from './dom.js';

const WINDOW_MINUTES = 30;
const POLARITIES = ['SAT', 'DSAT', 'MIXED'];
const MINUTE = 60_000;

/** Counts per minute bucket and polarity over the window ending at `now` (oldest bucket first). */
export function minuteBuckets(feedback, now, minutes = WINDOW_MINUTES) {
  const end = Math.floor(now / MINUTE) * MINUTE;
  const start = end - (minutes - 1) * MINUTE;
  const buckets = Array.from({ length: minutes }, (_, i) => ({ at: start + i * MINUTE, SAT: 0, DSAT: 0, MIXED: 0 }));
  for (const fb of feedback) {
    const t = Date.parse(fb.created_at);
    if (!POLARITIES.includes(fb.polarity) || Number.isNaN(t) || t < start || t >= end + MINUTE) continue;
    buckets[Math.floor((t - start) / MINUTE)][fb.polarity]++;
  }
  return buckets;
}

/** Counts per rubric within the window, most frequent first. */
export function rubricCounts(feedback, now, minutes = WINDOW_MINUTES) {
  const since = now - minutes * MINUTE;
  const counts = new Map();
  for (const fb of feedback) {
    if (Date.parse(fb.created_at) < since) continue;
    for (const r of fb.dissatisfaction) counts.set(`dsat:${r}`, (counts.get(`dsat:${r}`) ?? 0) + 1);
    for (const r of fb.satisfaction) counts.set(`sat:${r}`, (counts.get(`sat:${r}`) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => ({ kind: key.split(':')[0], rubric: key.slice(key.indexOf(':') + 1), count })).sort((a, b) => b.count - a.count || a.rubric.localeCompare(b.rubric));
}

function lineChart(buckets) {
  const width = 560, height = 180, left = 32, bottom = 22, top = 10, right = 10;
  const max = Math.max(1, ...buckets.flatMap((b) => POLARITIES.map((p) => b[p])));
  const x = (i) => left + (i * (width - left - right)) / Math.max(1, buckets.length - 1);
  const y = (v) => top + (height - top - bottom) * (1 - v / max);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'line-chart', role: 'img', 'aria-label': 'feedback per minute by polarity' });
  root.append(svg('line', { x1: left, y1: y(0), x2: width - right, y2: y(0), class: 'axis' }), svg('line', { x1: left, y1: top, x2: left, y2: y(0), class: 'axis' }));
  root.append(svg('text', { x: left - 4, y: y(max) + 4, class: 'tick', 'text-anchor': 'end', text: max }), svg('text', { x: left - 4, y: y(0) + 4, class: 'tick', 'text-anchor': 'end', text: 0 }));
  for (const [i, anchor] of [[0, 'start'], [Math.floor(buckets.length / 2), 'middle'], [buckets.length - 1, 'end']]) {
    const label = new Date(buckets[i].at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
    root.append(svg('text', { x: x(i), y: height - 6, class: 'tick', 'text-anchor': anchor, text: label }));
  }
  for (const p of POLARITIES) {
    const points = buckets.map((b, i) => `${x(i).toFixed(1)},${y(b[p]).toFixed(1)}`).join(' ');
    root.append(svg('polyline', { points, class: `series series-${p}` }));
  }
  return root;
}

function barChart(rows) {
  const width = 560, barHeight = 18, gap = 4, labelWidth = 170;
  const height = Math.max(1, rows.length) * (barHeight + gap) + gap;
  const max = Math.max(1, ...rows.map((r) => r.count));
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'bar-chart', role: 'img', 'aria-label': 'feedback per rubric' });
  rows.forEach((r, i) => {
    const yTop = gap + i * (barHeight + gap);
    const w = ((width - labelWidth - 40) * r.count) / max;
    root.append(
      svg('text', { x: labelWidth - 6, y: yTop + barHeight - 5, class: 'bar-label', 'text-anchor': 'end', text: r.rubric }),
      svg('rect', { x: labelWidth, y: yTop, width: Math.max(1, w).toFixed(1), height: barHeight, class: `bar bar-${r.kind}` }),
      svg('text', { x: labelWidth + w + 4, y: yTop + barHeight - 5, class: 'bar-value', text: r.count }),
    );
  });
  return root;
}

export function createCharts({ rates, rubrics, summary }) {
  const feedback = new Map();
  let scheduled = false;

  function draw() {
    scheduled = false;
    const all = [...feedback.values()];
    const now = Date.now();
    const buckets = minuteBuckets(all, now);
    const totals = Object.fromEntries(POLARITIES.map((p) => [p, buckets.reduce((n, b) => n + b[p], 0)]));
    const judged = totals.SAT + totals.DSAT + totals.MIXED;
    clear(summary);
    summary.append(
      ...POLARITIES.map((p) => el('span', { class: `legend legend-${p}`, text: `${p} ${totals[p]}${judged ? ` (${Math.round((100 * totals[p]) / judged)}%)` : ''}` })),
    );
    clear(rates);
    rates.append(lineChart(buckets));
    clear(rubrics);
    const rows = rubricCounts(all, now);
    rubrics.append(rows.length ? barChart(rows) : el('p', { class: 'empty', text: 'No rubric labels in the window yet.' }));
  }

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(draw, 250);
  };
  setInterval(schedule, 30_000); // slide the window even when nothing happens
  draw();

  return {
    feedback(fb) {
      feedback.set(fb.feedback_id, fb);
      if (feedback.size > 2000) feedback.delete(feedback.keys().next().value);
      schedule();
    },
    reset() {
      feedback.clear();
      schedule();
    },
  };
}
