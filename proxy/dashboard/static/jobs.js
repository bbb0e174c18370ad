// Panel 4: training jobs, the latest event of each (status, stage, attempt, models, dataset sizes) and, once
// evaluated, the checklist judge's win / tie / lose against the served baseline.
import { getJson } from './api.js';
import { clear, dateTime, el } from './dom.js';

const pct = (part, n) => (n ? `${Math.round((100 * part) / n)}%` : '–');

function row(job) {
  const ds = job.dataset;
  const wtl = job.evaluation?.with_checklist;
  return el(
    'tr',
    { class: `job status-${job.status}`, dataset: { id: job.job_id } },
    el('td', { class: 'job-id', text: job.job_id }),
    el('td', { class: 'job-status', title: job.error ?? job.evaluation?.reason ?? '', text: job.status + (job.retrying ? ' (retrying)' : '') }),
    el('td', { text: job.stage ?? '–' }),
    el('td', { text: job.attempt }),
    el('td', { text: job.base_model }),
    el('td', { text: job.candidate_model ?? '–' }),
    el('td', { text: ds ? `${ds.train_pairs} / ${ds.test_pairs}` : '–' }),
    el('td', { text: ds ? ds.sft_examples : '–' }),
    el('td', { class: 'win-rate', text: wtl ? `${pct(wtl.win, wtl.n)} / ${pct(wtl.tie, wtl.n)} / ${pct(wtl.lose, wtl.n)} (n=${wtl.n})` : '–' }),
    el('td', { text: dateTime(job.created_at) }),
  );
}

export function createJobTable(tbody) {
  const jobs = new Map();

  function draw() {
    clear(tbody);
    const list = [...jobs.values()].sort((a, b) => b.created_at.localeCompare(a.created_at));
    if (list.length === 0) tbody.append(el('tr', {}, el('td', { colspan: 10, class: 'empty', text: 'No training jobs yet.' })));
    for (const job of list) tbody.append(row(job));
  }

  return {
    async load() {
      try {
        const body = await getJson('/v1/insitu/dashboard/jobs');
        for (const job of body.data) this.event(job, false);
      } catch (error) {
        clear(tbody);
        tbody.append(el('tr', {}, el('td', { colspan: 10, class: 'error', text: `Could not load jobs: ${error.message}` })));
        return;
      }
      draw();
    },
    event(job, redraw = true) {
      const known = jobs.get(job.job_id);
      if (!known || known.created_at <= job.created_at) jobs.set(job.job_id, job);
      if (redraw) draw();
    },
  };
}
