// The dashboard page: one server-sent event stream feeds the live list, the charts and the job table, and
// tells the pair browser when to reload. The stream starts with a backfill of recent events, then `ready`.
import { createCharts } from './charts.js';
import { createJobTable } from './jobs.js';
import { createLivePanel } from './live.js';
import { createPairBrowser } from './pairs.js';

const $ = (id) => document.getElementById(id);
const status = $('status');
const tenantInput = $('tenant');
const tenant = () => tenantInput.value.trim();

function setStatus(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

const live = createLivePanel($('live'));
const charts = createCharts({ rates: $('rate-chart'), rubrics: $('rubric-chart'), summary: $('rate-summary') });
const jobs = createJobTable($('jobs').querySelector('tbody'));
const pairs = createPairBrowser({ container: $('pairs'), newer: $('pairs-newer'), older: $('pairs-older'), position: $('pairs-position'), dropped: $('pairs-dropped'), tenant });

let source;
function connect() {
  source?.close();
  const params = new URLSearchParams();
  if (tenant()) params.set('tenant', tenant());
  source = new EventSource(`/v1/insitu/dashboard/stream?${params}`);
  setStatus('connecting', 'connecting…');
  const on = (kind, apply) => source.addEventListener(kind, (message) => apply(JSON.parse(message.data)));
  on('turn', live.turn);
  on('feedback', (fb) => (live.feedback(fb), charts.feedback(fb)));
  on('preference', () => pairs.changed());
  on('training', (job) => jobs.event(job));
  on('ready', (info) => setStatus('live', `live · ${info.backfilled} recent events`));
  source.addEventListener('error', (message) => {
    // `event: error` from the server carries a reason; a bare error is the browser reconnecting.
    if (message.data) setStatus('error', JSON.parse(message.data).error.message);
    else setStatus('connecting', 'reconnecting…');
  });
}

tenantInput.addEventListener('change', () => {
  live.reset();
  charts.reset();
  connect();
  void pairs.reset();
});

connect();
void pairs.load();
void jobs.load();
