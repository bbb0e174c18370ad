// Small DOM helpers. Event contents are always set as text (textContent), never parsed as markup.

/** el('div', { class: 'x', dataset: { id } }, child, 'text', ...) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name === 'text') node.textContent = String(value);
    else node.setAttribute(name, String(value));
  }
  append(node, children);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'text') node.textContent = String(value);
    else node.setAttribute(name, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
}

export function time(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString([], { hour12: false });
}

export function dateTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toLocaleDateString()} ${d.toLocaleTimeString([], { hour12: false })}`;
}

/** conv_01J... -> the last 8 characters, enough to tell conversations apart on screen. */
export function shortId(id) {
  return id && id.length > 10 ? `…${id.slice(-8)}` : id ?? '';
}

export function badge(polarity) {
  return el('span', { class: `badge badge-${polarity}`, text: polarity });
}

export function labels(names, kind) {
  return el('span', { class: 'labels' }, names.map((n) => el('span', { class: `label label-${kind}`, text: n })));
}
