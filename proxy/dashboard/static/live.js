// Panel 1: turns and feedback as they happen, newest first.
import { badge, clear, el, labels, shortId, time } from './dom.js';

const MAX_ROWS = 300;

export function createLivePanel(list) {
  const seen = new Set();

  function insert(row, createdAt) {
    row.dataset.at = createdAt;
    // Events arrive almost in order: walk from the top to the first older row.
    let before = list.firstElementChild;
    while (before && before.dataset.at > createdAt) before = before.nextElementSibling;
    list.insertBefore(row, before);
    while (list.children.length > MAX_ROWS) {
      seen.delete(list.lastElementChild.dataset.id);
      list.lastElementChild.remove();
    }
  }

  function common(event) {
    return [
      el('time', { datetime: event.created_at, text: time(event.created_at) }),
      el('span', { class: 'tenant', text: event.tenant }),
      el('span', { class: 'conversation', title: event.conversation_id, text: shortId(event.conversation_id) }),
    ];
  }

  return {
    turn(turn) {
      if (seen.has(turn.turn_id)) return;
      seen.add(turn.turn_id);
      const row = el(
        'li',
        { class: 'row turn', dataset: { kind: 'turn', id: turn.turn_id } },
        el('span', { class: 'kind', text: 'turn' }),
        ...common(turn),
        el('span', { class: 'model', text: turn.model ?? '?' }),
        el('span', { class: 'message user-message', title: 'user message', text: turn.user_message ?? '' }),
        el('span', { class: 'message answer', title: 'answer', text: turn.answer ?? (turn.finish_reason ? `(${turn.finish_reason})` : '') }),
      );
      insert(row, turn.created_at);
    },
    feedback(fb) {
      if (seen.has(fb.feedback_id)) return;
      seen.add(fb.feedback_id);
      const row = el(
        'li',
        { class: `row feedback polarity-${fb.polarity}`, dataset: { kind: 'feedback', id: fb.feedback_id, polarity: fb.polarity } },
        el('span', { class: 'kind', text: 'feedback' }),
        ...common(fb),
        badge(fb.polarity),
        labels(fb.dissatisfaction, 'dsat'),
        labels(fb.satisfaction, 'sat'),
        el('span', { class: 'message evidence', title: 'evidence', text: fb.evidence ? `“${fb.evidence}”` : fb.summary }),
        el('span', { class: 'detector', title: 'detector', text: fb.detector }),
      );
      insert(row, fb.created_at);
    },
    reset() {
      seen.clear();
      clear(list);
    },
  };
}
