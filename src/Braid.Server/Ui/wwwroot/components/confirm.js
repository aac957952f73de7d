import { h, replace } from '../dom.js';

/**
 * A destructive action in two steps: the button asks "Delete x?" with Confirm and Cancel in its place, and only
 * Confirm runs `action` (async). A failure shows inline beside the buttons, so nothing is lost silently.
 */
export function confirmButton({ label, question, confirmLabel = label, action }) {
  const box = h('span', { class: 'confirm' });
  const idle = () => replace(box, h('button', { type: 'button', class: 'danger', text: label, onclick: ask }));
  function ask() {
    const error = h('span', { class: 'error', role: 'alert' });
    const yes = h('button', { type: 'button', class: 'danger primary', text: confirmLabel, onclick: async () => {
      yes.disabled = true;
      error.textContent = '';
      try {
        await action();
      } catch (e) {
        error.textContent = e.message;
        yes.disabled = false;
      }
    } });
    replace(box, h('span', { class: 'muted', text: question }), yes,
      h('button', { type: 'button', text: 'Cancel', onclick: idle }), error);
    yes.focus();
  }
  idle();
  return box;
}
