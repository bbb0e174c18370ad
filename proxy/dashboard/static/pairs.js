// Panel 3: recent preference pairs, a page at a time: prompt, rejected and chosen side by side, with the
// user's summarised preferences, the feedback labels, the mode and every filter's verdict.
import { getJson } from './api.js';
import { badge, clear, dateTime, el, labels, shortId } from './dom.js';

const PAGE = 3;

function messages(list) {
  return el('div', { class: 'messages' }, list.map((m) => el('div', { class: `message role-${m.role}` }, el('span', { class: 'role', text: m.role }), el('span', { class: 'content', text: m.content ?? '' }))));
}

function column(title, className, body) {
  return el('div', { class: `column ${className}` }, el('h3', { text: title }), body);
}

function pairCard(pair) {
  return el(
    'article',
    { class: `pair ${pair.accepted ? 'accepted' : 'dropped'}`, dataset: { id: pair.pair_id } },
    el(
      'header',
      {},
      el('time', { datetime: pair.created_at, text: dateTime(pair.created_at) }),
      el('span', { class: 'tenant', text: pair.tenant }),
      el('span', { class: 'conversation', title: pair.conversation_id, text: shortId(pair.conversation_id) }),
      el('span', { class: 'mode', text: pair.mode }),
      el('span', { class: `verdict ${pair.accepted ? 'pass' : 'drop'}`, text: pair.accepted ? 'accepted' : 'dropped' }),
      pair.feedback.map((f) => el('span', { class: 'feedback' }, badge(f.polarity), labels(f.dissatisfaction, 'dsat'), labels(f.satisfaction, 'sat'))),
    ),
    el(
      'div',
      { class: 'side-by-side' },
      column('Prompt', 'prompt', messages(pair.prompt)),
      column(`Rejected${pair.models.rejected ? ` · ${pair.models.rejected}` : ''}`, 'rejected', el('div', { class: 'content', text: pair.rejected.content ?? '' })),
      column(`Chosen${pair.models.chosen ? ` · ${pair.models.chosen}` : ''}`, 'chosen', el('div', { class: 'content', text: pair.chosen.content ?? '' })),
    ),
    el('div', { class: 'preferences' }, el('h3', { text: `Preferences (${pair.models.preferences})` }), el('ul', {}, pair.preferences.map((p) => el('li', { text: p })))),
    el(
      'div',
      { class: 'filters' },
      pair.filters.map((f) => el('span', { class: `verdict ${f.verdict}`, title: f.detail ?? '', text: `${f.filter}: ${f.verdict}` })),
    ),
  );
}

export function createPairBrowser({ container, newer, older, position, dropped, tenant }) {
  let offset = 0;
  let loading = false;
  let again = false;

  async function load() {
    if (loading) return void (again = true);
    loading = true;
    try {
      const params = new URLSearchParams({ offset: String(offset), limit: String(PAGE), include: dropped.checked ? 'all' : 'accepted' });
      if (tenant()) params.set('tenant', tenant());
      const page = await getJson(`/v1/insitu/dashboard/pairs?${params}`);
      clear(container);
      if (page.data.length === 0) container.append(el('p', { class: 'empty', text: 'No preference pairs yet.' }));
      for (const pair of page.data) container.append(pairCard(pair));
      position.textContent = page.total ? `${offset + 1}–${offset + page.data.length} of ${page.total}` : '0 of 0';
      newer.disabled = offset === 0;
      older.disabled = !page.has_more;
    } catch (error) {
      clear(container);
      container.append(el('p', { class: 'error', text: `Could not load pairs: ${error.message}` }));
    } finally {
      loading = false;
      if (again) {
        again = false;
        void load();
      }
    }
  }

  newer.addEventListener('click', () => ((offset = Math.max(0, offset - PAGE)), load()));
  older.addEventListener('click', () => ((offset += PAGE), load()));
  dropped.addEventListener('change', () => ((offset = 0), load()));

  let timer;
  return {
    load,
    reset() {
      offset = 0;
      return load();
    },
    /** A new pair arrived: the first page shows it; later pages stay where the reader is. */
    changed() {
      if (offset !== 0) return;
      clearTimeout(timer);
      timer = setTimeout(load, 200);
    },
  };
}
