import { h } from '../dom.js';

/**
 * "Older versions" under a list that grows downwards a page at a time: `load()` reads and adds the next page and
 * resolves to whether more remain after it; the button hides when none do (and from the start when `hasMore` is
 * false). A failed read is said beside it, and the button stays for another try. Returns the button and that message.
 */
export function olderButton({ hasMore, load, isCurrent, text = 'Older versions' }) {
  const error = h('span', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'button', text, hidden: !hasMore, onclick: async () => {
    error.textContent = '';
    button.disabled = true;
    try {
      const more = await load();
      if (isCurrent()) button.hidden = !more;
    } catch (e) {
      if (isCurrent()) error.textContent = `${text} unavailable: ${e.message}`;
    } finally {
      button.disabled = false;
    }
  } });
  return [button, error];
}
