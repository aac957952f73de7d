import { h } from '../dom.js';

const FIELDS = [['input', 'Input'], ['expected', 'Expected'], ['metadata', 'Metadata']];

/**
 * A dataset record's form: input, expected and metadata as JSON text, tags as comma-separated words. `onSave(fields)`
 * gets the parsed values (a blank box is left out) and may throw: its message shows in the form, as does each box's
 * JSON error beside that box, so nothing typed is lost.
 */
export function recordForm({ label, record = {}, saveLabel = 'Save', onSave, onCancel }) {
  const boxes = FIELDS.map(([name, title]) => {
    const id = `${label.replace(/\W+/g, '-').toLowerCase()}-${name}`;
    const box = h('textarea', { id, name, rows: 3, spellcheck: 'false', class: 'json-input',
      value: record[name] === undefined || record[name] === null ? '' : JSON.stringify(record[name], null, 2) });
    const error = h('p', { class: 'error', role: 'alert', id: `${id}-error` });
    return { name, title, box, error, field: h('div', { class: 'form-field' }, h('label', { for: id, text: `${title} (JSON)` }), box, error) };
  });
  const tagsId = `${label.replace(/\W+/g, '-').toLowerCase()}-tags`;
  const tags = h('input', { id: tagsId, name: 'tags', value: (record.tags ?? []).join(', ') });
  const error = h('p', { class: 'error', role: 'alert' });
  const save = h('button', { type: 'submit', class: 'primary', text: saveLabel });

  const form = h('form', { class: 'record-form', 'aria-label': label, onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = '';
    const fields = {};
    let valid = true;
    for (const { name, title, box, error: boxError } of boxes) {
      boxError.textContent = '';
      box.removeAttribute('aria-invalid');
      if (box.value.trim() === '') continue;
      try {
        fields[name] = JSON.parse(box.value);
      } catch (e) {
        boxError.textContent = `${title} is not valid JSON: ${e.message}`;
        box.setAttribute('aria-invalid', 'true');
        valid = false;
      }
    }
    if (!valid) return;
    const words = tags.value.split(',').map((t) => t.trim()).filter(Boolean);
    if (words.length > 0) fields.tags = words;
    save.disabled = true;
    try {
      await onSave(fields);
    } catch (e) {
      error.textContent = e.message;
    } finally {
      save.disabled = false;
    }
  } },
  boxes.map((b) => b.field),
  h('div', { class: 'form-field' }, h('label', { for: tagsId, text: 'Tags (comma-separated)' }), tags),
  error,
  h('div', { class: 'form-actions' }, save, h('button', { type: 'button', text: 'Cancel', onclick: onCancel })));
  return form;
}
