import { h } from '../dom.js';

/**
 * The editor of a code function stored inline: its code in a monospace box, under the runtime it runs on (which
 * the editor keeps as it is). `onSave(code)` may throw: its message shows in the form, so nothing typed is lost.
 */
export function codeEditor({ code, runtime, onSave, onCancel }) {
  const lines = code.split('\n').length;
  const box = h('textarea', { id: 'edit-code', class: 'code-input', rows: Math.min(Math.max(lines + 2, 8), 30),
    spellcheck: 'false', autocapitalize: 'off', wrap: 'off', value: code });
  const error = h('p', { class: 'error', role: 'alert' });
  const save = h('button', { type: 'submit', class: 'primary', text: 'Save as new version' });
  return h('form', { class: 'code-editor', 'aria-label': 'Edit code', onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = '';
    save.disabled = true;
    try {
      await onSave(box.value);
    } catch (e) {
      error.textContent = e.message;
    } finally {
      save.disabled = false;
    }
  } },
  runtime ? h('p', { class: 'muted small', text: `Runs on ${runtime}; it is called as handler(input).` }) : null,
  h('div', { class: 'form-field' }, h('label', { for: 'edit-code', text: 'Code' }), box),
  error,
  h('div', { class: 'form-actions' }, save, h('button', { type: 'button', text: 'Cancel', onclick: onCancel })));
}
