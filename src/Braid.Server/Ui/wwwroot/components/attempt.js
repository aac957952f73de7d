import { h, replace } from '../dom.js';

/**
 * Runs `work` (async) and shows its failure inline (a 403 for a non-owner, a 400 naming a bad field) instead of
 * dropping it: an `.error` element gets the message (cleared first), any other element is replaced by one. Nothing
 * is shown once the page was left.
 */
export async function attempt(isCurrent, target, work) {
  const isErrorLine = target.classList.contains('error');
  if (isErrorLine) target.textContent = '';
  try {
    await work();
  } catch (e) {
    if (!isCurrent()) return;
    if (isErrorLine) target.textContent = e.message;
    else replace(target, h('p', { class: 'error', role: 'alert', text: e.message }));
  }
}
