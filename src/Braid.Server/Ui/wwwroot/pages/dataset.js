import { api, literal } from '../api.js';
import { h, replace } from '../dom.js';
import { count, preview, time, xactTime } from '../format.js';
import { projectNav, projectPath } from '../components/project-nav.js';
import { recordForm } from '../components/record-form.js';
import { pagerControls } from '../components/pager.js';
import { olderButton } from '../components/older-button.js';

const PAGE_SIZE = 50;
// Versions offered at a time; "Older versions" reads the next ones (`?versions=N` sets another page size).
const VERSION_PAGE = 50;

/**
 * One dataset's records, a page at a time, with add, edit and delete. `?version=X` shows the dataset as it was at
 * transaction X, read-only: Braid's /btql reads any object as of a version, and with `audit_log` lists every change,
 * so the versions offered are the dataset's distinct transaction ids, grouped on the server a page at a time.
 */
export async function renderDataset(page, { params, query, isCurrent, navigate, setContext }) {
  const { projectId, datasetId } = params;
  const version = query.get('version');
  const pageSize = Number(query.get('limit')) > 0 ? Number(query.get('limit')) : PAGE_SIZE;
  const versionPage = Number(query.get('versions')) > 0 ? Number(query.get('versions')) : VERSION_PAGE;
  const base = projectPath(projectId, 'datasets', datasetId);
  const from = `from: dataset(${literal(datasetId)})`;

  const [project, dataset, versions, total] = await Promise.all([
    api.project(projectId),
    api.dataset(datasetId),
    versionsBefore(from, null, versionPage),
    api.btqlWith(`measures: count(1) as records | ${from}`, { version: version ?? undefined }),
  ]);
  if (!isCurrent()) return;
  setContext([{ label: project.name, href: projectPath(projectId, 'logs') },
    { label: 'Datasets', href: projectPath(projectId, 'datasets') }, { label: dataset.name }]);

  const reload = () => navigate(base, { replaceState: true });
  const picker = versionPicker(versions.data, version, (v) => navigate(v ? `${base}?version=${encodeURIComponent(v)}` : base));
  const older = olderButton({ hasMore: Boolean(versions.cursor), isCurrent, load: async () => {
    const next = await versionsBefore(from, picker.dataset.oldest, versionPage);
    if (isCurrent()) addVersions(picker, next.data, version);
    return Boolean(next.cursor);
  } });
  const adding = h('div', { class: 'add-record' });
  const addButton = h('button', { type: 'button', class: 'primary', text: 'Add record', onclick: () => {
    addButton.hidden = true;
    replace(adding, recordForm({ label: 'New record', saveLabel: 'Add', onCancel: closeAdd,
      onSave: async (fields) => { await api.insertDataset(datasetId, [fields]); if (isCurrent()) reload(); } }));
    adding.querySelector('textarea').focus();
  } });
  function closeAdd() { replace(adding); addButton.hidden = false; }

  const body = h('div', { class: 'table-wrap' });
  const pager = h('div', { class: 'pager' });
  replace(page, projectNav(projectId, 'datasets'),
    h('div', { class: 'toolbar' }, h('h1', { text: dataset.name }),
      h('span', { class: 'muted', id: 'record-count', text: records(total.data[0]?.records ?? 0) }),
      h('label', { class: 'inline', for: 'version-picker', text: 'Version' }), picker, older,
      version ? null : addButton),
    dataset.description ? h('p', { class: 'muted', text: dataset.description }) : null,
    version ? h('p', { class: 'notice', role: 'status' },
      `Viewing the dataset as of version ${version} (${time(xactTime(version))}); read-only. `,
      h('a', { href: base, text: 'Back to the latest version' })) : null,
    adding, body, pager);

  const cursors = [null];
  await show(0);

  async function show(index) {
    const clauses = ['select: *', from, `limit: ${pageSize}`];
    if (cursors[index]) clauses.push(`cursor: ${literal(cursors[index])}`);
    const result = await api.btqlWith(clauses.join(' | '), { version: version ?? undefined });
    if (!isCurrent()) return;
    cursors[index + 1] = result.cursor;
    replace(body, result.data.length === 0
      ? h('p', { class: 'muted empty', text: version ? 'The dataset had no records at this version.' : 'No records yet.' })
      : h('table', { class: 'grid records' },
        h('thead', {}, h('tr', {}, ['Input', 'Expected', 'Metadata', 'Tags', version ? null : '']
          .filter((label) => label !== null).map((label) => h('th', { text: label })))),
        h('tbody', {}, result.data.map(row))));
    replace(pager, pagerControls({ index, result, pageSize, show }));
  }

  function row(record) {
    const cells = [
      h('td', { class: 'json-cell', text: preview(record.input, 300) }),
      h('td', { class: 'json-cell', text: preview(record.expected, 300) }),
      h('td', { class: 'json-cell', text: preview(record.metadata, 300) }),
      h('td', {}, (record.tags ?? []).map((tag) => h('span', { class: 'chip', text: tag }))),
    ];
    const tr = h('tr', { dataset: { id: record.id } }, cells);
    if (version) return tr;

    const actions = h('td', { class: 'actions nowrap' });
    const idle = () => replace(actions,
      h('button', { type: 'button', class: 'link', text: 'Edit', onclick: edit }), ' ',
      h('button', { type: 'button', class: 'link', text: 'Delete', onclick: confirmDelete }));
    // Editing swaps the row's cells for the form, prefilled; saving replaces the record (same id, no _is_merge), so
    // a box left blank clears that field rather than keeping the old value.
    const edit = () => replace(tr, h('td', { colspan: 5 }, recordForm({ label: `Edit record ${record.id}`, record,
      onCancel: () => replace(tr, cells, actions),
      onSave: async (fields) => { await api.insertDataset(datasetId, [{ id: record.id, ...fields }]); if (isCurrent()) reload(); } })));
    const deleteError = h('span', { class: 'error', role: 'alert' });
    function confirmDelete() {
      replace(actions, h('span', { text: 'Delete this record? ' }),
        h('button', { type: 'button', class: 'danger', text: 'Confirm delete', onclick: async () => {
          try {
            await api.insertDataset(datasetId, [{ id: record.id, _object_delete: true }]);
            if (isCurrent()) reload();
          } catch (e) {
            deleteError.textContent = e.message;
          }
        } }), ' ',
        h('button', { type: 'button', text: 'Cancel', onclick: idle }), deleteError);
    }
    idle();
    tr.append(actions);
    return tr;
  }
}

const records = (n) => `${count(n)} record${n === 1 ? '' : 's'}`;

/**
 * A page of the dataset's versions, newest first, older than `before` (an _xact_id) when given: one aggregation of the
 * audit log on the server (its distinct _xact_ids and how many records each changed), never the history itself. A
 * range on _xact_id rather than the answer's cursor, so versions written meanwhile do not shift the next page.
 */
function versionsBefore(from, before, limit) {
  const older = before ? ` | filter: _xact_id < ${literal(before)}` : '';
  return api.btqlWith(`dimensions: _xact_id as version | measures: count(1) as changes | ${from}${older} | sort: version desc | limit: ${limit}`,
    { audit_log: true });
}

/** The dataset's versions, newest first, each labelled by when it was written and how many records it changed. */
function versionPicker(versions, selected, onPick) {
  const picker = h('select', { id: 'version-picker', onchange: () => onPick(picker.value) },
    h('option', { value: '', selected: !selected, text: 'Latest' }));
  addVersions(picker, versions, selected);
  return picker;
}

/**
 * Adds a page of versions under those the picker has (the oldest so far is kept in its `data-oldest`). The version
 * shown, when it is not among them yet, sits last as its id alone until its page arrives.
 */
function addVersions(picker, versions, selected) {
  picker.querySelector('option[data-placeholder]')?.remove();
  for (const v of versions) {
    picker.append(h('option', { value: v.version, selected: v.version === selected,
      text: `${time(xactTime(v.version))} · ${v.changes} change${v.changes === 1 ? '' : 's'}` }));
  }
  if (versions.length > 0) picker.dataset.oldest = versions.at(-1).version;
  if (selected && !versions.some((v) => v.version === selected) && picker.value !== selected) {
    picker.append(h('option', { value: selected, selected: true, dataset: { placeholder: '' }, text: selected }));
  }
}
