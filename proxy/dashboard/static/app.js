// The dashboard page: one server-sent event stream feeds the live list, the charts and the job table, and
// tells the pair browser when to reload. The stream starts with a backfill of recent events, then `ready`.
import { createCharts } from './charts.js';
import { createJobTable } from './jobs.js';
import { createLivePanel } from './live.js';
import { createPairBrowser } from './pairs.js';
import { openStream, setKey, whenUnauthorized } from './api.js';

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

const handlers = {
  turn: live.turn,
  feedback: (fb) => (live.feedback(fb), charts.feedback(fb)),
  preference: () => pairs.changed(),
  training: (job) => jobs.event(job),
  ready: (info) => setStatus('live', `live · ${info.backfilled} recent events`),
  // `event: error` from the server carries a reason.
  error: (body) => setStatus('error', body.error?.message ?? 'stream error'),
};

let stream;
function connect() {
  stream?.close();
  const params = new URLSearchParams();
  if (tenant()) params.set('tenant', tenant());
  setStatus('connecting', 'connecting…');
  stream = openStream(`/v1/insitu/dashboard/stream?${params}`, (event, data) => handlers[event]?.(data), (state, text) =>
    setStatus(state === 'retry' ? 'connecting' : 'error', text),
  );
}

// With INSITU_AUTH=keys the data endpoints need a virtual key: ask for one, then reload everything.
const keyLabel = $('key-label');
const keyInput = $('key');
whenUnauthorized(() => (keyLabel.hidden = false));
keyInput.addEventListener('change', () => {
  setKey(keyInput.value.trim());
  keyInput.value = '';
  keyLabel.hidden = true;
  live.reset();
  charts.reset();
  connect();
  void pairs.reset();
  void jobs.load();
});

tenantInput.addEventListener('change', () => {
  live.reset();
  charts.reset();
  connect();
  void pairs.reset();
});

connect();
void pairs.load();
void jobs.load();
