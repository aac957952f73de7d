import { h } from '../dom.js';

// Large logged values (long prompts, big tool results) must not freeze the page: a collapsed object or array builds
// no elements for its children until it is opened, long strings show their start with "show more", and wide objects
// and arrays show their first entries with a button for the rest.
const STRING_LIMIT = 300;
const CHILD_LIMIT = 100;

/** A collapsible view of a JSON value; objects and arrays to `openDepth` levels start open. */
export function jsonView(value, { openDepth = 1 } = {}) {
  return h('div', { class: 'json' }, node(value, openDepth));
}

function node(value, openDepth) {
  if (value === null) return h('span', { class: 'j-null', text: 'null' });
  if (Array.isArray(value)) return branch(value, value.map((v, i) => [i, v]), '[', ']', openDepth);
  if (typeof value === 'object') return branch(value, Object.entries(value), '{', '}', openDepth);
  if (typeof value === 'string') return string(value);
  return h('span', { class: `j-${typeof value}`, text: String(value) });
}

function branch(value, entries, open, close, openDepth) {
  const isArray = Array.isArray(value);
  const summary = isArray ? `${entries.length} item${entries.length === 1 ? '' : 's'}` : `${entries.length} key${entries.length === 1 ? '' : 's'}`;
  if (entries.length === 0) return h('span', { class: 'j-punct', text: open + close });
  const children = h('div', { class: 'j-children' });
  let built = false;
  const toggle = h('button', { type: 'button', class: 'j-toggle', 'aria-expanded': 'false' });
  const label = h('span', { class: 'j-summary', text: `${open} ${summary} ${close}` });
  const setOpen = (opened) => {
    if (opened && !built) {
      built = true;
      showEntries(children, entries, isArray, openDepth - 1, 0);
    }
    toggle.setAttribute('aria-expanded', String(opened));
    toggle.textContent = opened ? '▾' : '▸';
    toggle.setAttribute('aria-label', opened ? 'Collapse' : 'Expand');
    children.hidden = !opened;
    label.hidden = opened;
  };
  toggle.addEventListener('click', () => setOpen(toggle.getAttribute('aria-expanded') !== 'true'));
  label.addEventListener('click', () => setOpen(true));
  setOpen(openDepth > 0);
  return h('span', { class: 'j-branch' }, toggle, label, children);
}

function showEntries(container, entries, isArray, openDepth, from) {
  const end = Math.min(entries.length, from + CHILD_LIMIT);
  for (let i = from; i < end; i++) {
    const [key, value] = entries[i];
    container.append(h('div', { class: 'j-entry' },
      h('span', { class: isArray ? 'j-index' : 'j-key', text: isArray ? `${key}` : JSON.stringify(key) }),
      h('span', { class: 'j-punct', text: ': ' }), node(value, openDepth)));
  }
  if (end < entries.length) {
    const more = h('button', { type: 'button', class: 'link', text: `show ${entries.length - end} more` });
    more.addEventListener('click', () => { more.remove(); showEntries(container, entries, isArray, openDepth, end); });
    container.append(more);
  }
}

function string(value) {
  const text = h('span', { class: 'j-string' });
  if (value.length <= STRING_LIMIT) {
    text.textContent = JSON.stringify(value);
    return text;
  }
  text.textContent = `${JSON.stringify(value.slice(0, STRING_LIMIT)).slice(0, -1)}…`;
  const more = h('button', { type: 'button', class: 'link', text: `show more (${value.length.toLocaleString('en-US')} characters)` });
  more.addEventListener('click', () => { text.textContent = JSON.stringify(value); more.remove(); });
  return h('span', {}, text, ' ', more);
}
