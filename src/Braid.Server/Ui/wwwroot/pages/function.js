import { api, literal } from '../api.js';
import { h, replace } from '../dom.js';
import { time, xactTime } from '../format.js';
import { jsonView } from '../components/json-view.js';
import { diffView } from '../components/line-diff.js';
import { codeEditor } from '../components/code-editor.js';
import { projectNav, projectPath } from '../components/project-nav.js';
import { olderButton } from '../components/older-button.js';
import { kindLabel } from './functions.js';

// Versions read at a time, newest first; "Older versions" reads the next ones (`?versions=N` sets another page size).
const VERSION_PAGE = 100;
const KINDS = {
  prompt: { section: 'prompts', title: 'Prompts', source: 'project_prompts' },
  function: { section: 'functions', title: 'Functions', source: 'project_functions' },
};
// What a version's definition is made of (the diff compares these); ids, times and audit fields are left out.
const DEFINITION_FIELDS = ['name', 'description', 'function_type', 'tags', 'metadata', 'prompt_data', 'function_data'];

export const renderPrompt = (page, context) => renderDetail('prompt', page, context);
export const renderFunction = (page, context) => renderDetail('function', page, context);

/**
 * One prompt or function: its saved versions (from /btql with audit_log over the project's prompts or functions, a
 * page at a time, any of them reachable), the selected version's definition, what changed between two versions picked
 * (by default the selected one and the one before it), an editor that saves a new version (of a prompt, or of code
 * stored inline), and for prompts a playground that runs the prompt through Braid's invoke.
 */
async function renderDetail(kind, page, { params, query, isCurrent, navigate, setContext }) {
  const { projectId, id } = params;
  const { section, title, source } = KINDS[kind];
  const base = projectPath(projectId, section, id);
  const pageSize = Number(query.get('versions')) > 0 ? Number(query.get('versions')) : VERSION_PAGE;
  const read = (before) => versionsBefore(source, projectId, id, before, pageSize);
  const [project, current, saved] = await Promise.all([
    api.project(projectId),
    api.functionObject(kind, id),
    versionsDownTo(read, [query.get('version'), query.get('from'), query.get('to')]),
  ]);
  if (!isCurrent()) return;
  setContext([{ label: project.name, href: projectPath(projectId, 'logs') },
    { label: title, href: projectPath(projectId, section) }, { label: current.name }]);

  // Read so far, newest first; "Older versions" adds to it, and the diff's pickers offer whatever it holds.
  const loaded = saved.versions.length > 0 ? saved : { versions: [current], more: false };
  const { versions } = loaded;
  const wanted = query.get('version');
  const index = Math.max(versions.findIndex((v) => v._xact_id === wanted), 0);
  const shown = versions[index];
  const isLatest = index === 0;

  const definition = h('div', { class: 'definition' }, definitionView(shown));
  const readOnly = isLatest ? whyReadOnly(shown) : null;
  const save = async (patch) => {
    await api.patchFunction(kind, id, patch);
    if (isCurrent()) navigate(base);
  };
  const closeEditor = () => { editButton.hidden = false; replace(definition, definitionView(shown)); };
  const editButton = isLatest && !readOnly
    ? h('button', { type: 'button', text: 'Edit', onclick: () => {
      editButton.hidden = true;
      replace(definition, isInlineCode(shown)
        ? codeEditor({ code: shown.function_data.data.code, runtime: runtimeLabel(shown.function_data), onCancel: closeEditor,
          onSave: (code) => save({ function_data: { type: 'code', data: inlineCode(shown.function_data.data, code) } }) })
        : promptEditor(shown.prompt_data, { onCancel: closeEditor, onSave: (promptData) => save({ prompt_data: promptData }) }));
      definition.querySelector('textarea, input')?.focus();
    } })
    : null;

  const versionItem = (v, i) => h('li', {}, h('a', { href: `${base}?version=${encodeURIComponent(v._xact_id)}`,
    'aria-current': i === index ? 'true' : false, dataset: { version: v._xact_id } },
    h('span', { text: time(xactTime(v._xact_id)) }), i === 0 ? h('span', { class: 'chip', text: 'latest' }) : null,
    h('span', { class: 'muted small mono', text: v._xact_id })));
  const list = h('ol', { class: 'versions', 'aria-label': 'Versions' }, versions.map(versionItem));
  const changes = comparison(loaded, index, query, (from, to) => {
    // The pair picked stays in the URL for reloads and links, without redrawing the page.
    const next = new URLSearchParams(query);
    next.set('from', from);
    next.set('to', to);
    history.replaceState(null, '', `${base}?${next}`);
  });
  const older = olderButton({ hasMore: loaded.more, isCurrent, load: async () => {
    const next = await read(versions.at(-1)._xact_id);
    if (!isCurrent()) return false;
    list.append(...next.data.map((v, i) => versionItem(v, versions.length + i)));
    versions.push(...next.data);
    loaded.more = hasMore(next);
    changes.refresh();
    return loaded.more;
  } });

  replace(page, projectNav(projectId, section),
    h('div', { class: 'toolbar' }, h('h1', { text: current.name }),
      kindLabel(current) ? h('span', { class: 'chip', text: kindLabel(current) }) : null,
      h('span', { class: 'muted mono', text: current.slug })),
    current.description ? h('p', { class: 'muted', text: current.description }) : null,
    h('div', { class: 'function-page' },
      h('aside', { class: 'versions-pane' }, h('h2', { text: 'Versions' }), list, older),
      h('div', { class: 'function-main' },
        isLatest ? null : h('p', { class: 'notice', role: 'status' }, `Viewing version ${shown._xact_id}. `,
          h('a', { href: base, text: 'Back to the latest version' })),
        h('section', { class: 'panel', 'aria-label': 'Definition' },
          h('div', { class: 'panel-head' }, h('h2', { text: 'Definition' }), editButton),
          readOnly ? h('p', { class: 'muted', id: 'read-only', text: `Read-only here: ${readOnly}` }) : null,
          definition),
        shown.prompt_data ? playground(id, shown, isLatest, isCurrent) : null,
        changes.element)));
}

/**
 * A page of the object's versions, newest first, older than `before` (an _xact_id) when given: a range on _xact_id
 * rather than an offset or the answer's cursor, so versions saved meanwhile do not shift the next page.
 */
function versionsBefore(source, projectId, id, before, limit) {
  const older = before ? ` and _xact_id < ${literal(before)}` : '';
  return api.btqlWith(`select: * | from: ${source}(${literal(projectId)}) | filter: id = ${literal(id)}${older} | sort: _xact_id desc | limit: ${limit}`,
    { audit_log: true });
}

const hasMore = (result) => Boolean(result.cursor) && result.data.length > 0;

/**
 * The newest versions, a page at a time, down past the oldest one the URL names (`version`, `from`, `to`): a link to
 * an old version opens on it, with the version before it there for the diff. Ids are 19 digits, so their text order
 * is their order. `{versions, more}`, `more` saying whether older versions remain unread.
 */
async function versionsDownTo(read, named) {
  const target = named.filter((v) => /^\d{19}$/.test(v ?? '')).sort()[0];
  const versions = [];
  let more;
  do {
    const result = await read(versions.at(-1)?._xact_id);
    versions.push(...result.data);
    more = hasMore(result);
  } while (more && target && versions.at(-1)._xact_id >= target);
  return { versions, more };
}

/** A code function whose code Braid stores as text (not a bundle): the one kind of function this page edits. */
function isInlineCode(version) {
  const fn = version.function_data;
  return fn?.type === 'code' && fn.data?.type === 'inline' && typeof fn.data.code === 'string';
}

/**
 * Why the latest version cannot be edited here, or null when it can: prompts (and prompt functions) and inline code
 * are edited on this page; every other kind of function is defined somewhere this page cannot reach.
 */
function whyReadOnly(version) {
  const fn = version.function_data;
  if (isInlineCode(version) || ((!fn || fn.type === 'prompt') && version.prompt_data)) return null;
  if (!fn) return 'it has no prompt to edit.';
  if (fn.type === 'code') return 'its code is a bundle uploaded by `braintrust push`, not text stored in Braid; change its source and push it again.';
  return READ_ONLY[fn.type] ?? `a ${fn.type} function is defined through the API or an SDK, not on this page.`;
}

const READ_ONLY = {
  global: 'a global function is built into the server (its name picks it); there is no definition of it to edit.',
  remote_eval: 'a remote eval runs on its own server, which defines it; change it there.',
  graph: 'a graph is made of other functions; it is built through the API or an SDK.',
};

/** What the code editor saves: the same inline definition with new code; a code_hash of the old code no longer holds. */
function inlineCode(data, code) {
  const next = { ...data, code };
  // PATCH merges function_data, so a stale hash is cleared with an explicit null rather than left out.
  if (data.code_hash !== undefined) next.code_hash = null;
  return next;
}

function runtimeLabel(fn) {
  const runtime = fn.data?.runtime_context;
  return runtime ? `${runtime.runtime} ${runtime.version ?? ''}`.trim() : '';
}

/**
 * The diff between two versions a person picks (by default the shown one against the one before it), from the
 * versions `loaded` holds; picking another pair redraws the diff, and `onPick(from, to)` records the pair.
 * `refresh()` offers the versions read since (older ones, at the end of both pickers).
 */
function comparison(loaded, index, query, onPick) {
  const { versions } = loaded;
  const known = (id) => versions.some((v) => v._xact_id === id);
  let from = known(query.get('from')) ? query.get('from') : versions[index + 1]?._xact_id ?? '';
  let to = known(query.get('to')) ? query.get('to') : versions[index]._xact_id;
  const options = (start, selected) => versions.slice(start).map((v, i) => h('option', { value: v._xact_id,
    selected: v._xact_id === selected, text: `${time(xactTime(v._xact_id))}${start + i === 0 ? ' (latest)' : ''} · ${v._xact_id}` }));
  const picker = (id, label, selected, allowNone) => h('select', { id, 'aria-label': label },
    allowNone ? h('option', { value: '', selected: selected === '', text: '(nothing)' }) : null, options(0, selected));
  const fromPicker = picker('compare-from', 'Compare from version', from, true);
  const toPicker = picker('compare-to', 'Compare to version', to, false);
  let offered = versions.length;
  const heading = h('h2');
  const body = h('div');
  const draw = () => {
    const before = versions.find((v) => v._xact_id === from);
    const after = versions.find((v) => v._xact_id === to);
    heading.textContent = before ? `Changes from ${time(xactTime(from))} to ${time(xactTime(to))}` : 'Changes';
    replace(body, !before
      ? h('p', { class: 'muted', text: to === versions.at(-1)._xact_id && !loaded.more
        ? 'The first version: nothing before it to compare with.'
        : 'Pick a version to compare with.' })
      : from === to ? h('p', { class: 'muted', text: 'The same version on both sides: nothing changed.' })
        : diffView(definitionText(before), definitionText(after)));
  };
  const pick = () => {
    from = fromPicker.value;
    to = toPicker.value;
    draw();
    onPick(from, to);
  };
  fromPicker.addEventListener('change', pick);
  toPicker.addEventListener('change', pick);
  draw();
  const compare = h('div', { class: 'compare', hidden: versions.length < 2 },
    h('label', { for: 'compare-from', text: 'From' }), fromPicker, h('label', { for: 'compare-to', text: 'to' }), toPicker);
  return {
    element: h('section', { class: 'panel', 'aria-label': 'Changes' }, heading, compare, body),
    refresh() {
      fromPicker.append(...options(offered, from));
      toPicker.append(...options(offered, to));
      offered = versions.length;
      compare.hidden = versions.length < 2;
      draw();
    },
  };
}

/** A version's definition as the diff reads it: pretty JSON, with a code function's code as lines of its own. */
function definitionText(version) {
  const fields = Object.fromEntries(DEFINITION_FIELDS.filter((f) => version[f] !== undefined && version[f] !== null).map((f) => [f, version[f]]));
  const code = fields.function_data?.data?.code;
  if (typeof code !== 'string') return JSON.stringify(fields, null, 2);
  fields.function_data = { ...fields.function_data, data: { ...fields.function_data.data, code: '(below)' } };
  return `${JSON.stringify(fields, null, 2)}\ncode:\n${code}`;
}

function definitionView(version) {
  const parts = [];
  const data = version.prompt_data;
  if (data) {
    const options = data.options ?? {};
    parts.push(h('dl', { class: 'facts' },
      h('dt', { text: 'Model' }), h('dd', { class: 'mono', id: 'prompt-model', text: options.model ?? '(none)' }),
      Object.keys(options.params ?? {}).length > 0
        ? [h('dt', { text: 'Parameters' }), h('dd', {}, Object.entries(options.params).map(([name, value]) =>
          h('span', { class: 'chip', text: `${name} ${typeof value === 'string' ? value : JSON.stringify(value)}` })))]
        : null));
    const prompt = data.prompt ?? {};
    if (Array.isArray(prompt.messages)) {
      parts.push(h('ol', { class: 'messages', 'aria-label': 'Messages' }, prompt.messages.map((m) =>
        h('li', { class: 'message' }, h('span', { class: `role role-${m.role}`, text: m.role }),
          h('pre', { class: 'message-content', text: typeof m.content === 'string' ? m.content : JSON.stringify(m.content, null, 2) })))));
    } else if (typeof prompt.content === 'string') {
      parts.push(h('pre', { class: 'message-content', text: prompt.content }));
    }
    const rest = Object.fromEntries(Object.entries(data).filter(([k, v]) => !['prompt', 'options'].includes(k) && v !== null));
    if (Object.keys(rest).length > 0) parts.push(jsonView(rest));
  }
  const fn = version.function_data;
  if (fn && fn.type !== 'prompt') {
    const runtime = fn.data?.runtime_context;
    parts.push(h('dl', { class: 'facts' }, h('dt', { text: 'Type' }), h('dd', { text: fn.type }),
      runtime ? [h('dt', { text: 'Runtime' }), h('dd', { text: `${runtime.runtime} ${runtime.version ?? ''}`.trim() })] : null));
    parts.push(typeof fn.data?.code === 'string' ? h('pre', { class: 'code', 'aria-label': 'Code', text: fn.data.code }) : jsonView(fn));
  }
  return parts.length > 0 ? parts : h('p', { class: 'muted', text: 'No definition.' });
}

/** The chat editor: the model and each message's role and text. Saving keeps every other part of prompt_data. */
function promptEditor(promptData, { onSave, onCancel }) {
  const messages = (promptData.prompt?.messages ?? []).map((m) => ({ role: m.role, content: typeof m.content === 'string' ? m.content : JSON.stringify(m.content) }));
  const model = h('input', { id: 'edit-model', value: promptData.options?.model ?? '', class: 'mono' });
  const list = h('ol', { class: 'message-editor' });
  const error = h('p', { class: 'error', role: 'alert' });
  const save = h('button', { type: 'submit', class: 'primary', text: 'Save as new version' });
  const drawMessages = () => replace(list, messages.map((m, i) => {
    const n = i + 1;
    const role = h('select', { 'aria-label': `Role of message ${n}`, onchange: () => { m.role = role.value; } },
      ['system', 'user', 'assistant'].map((r) => h('option', { value: r, selected: r === m.role, text: r })));
    return h('li', {}, role,
      h('textarea', { 'aria-label': `Message ${n}`, rows: 3, value: m.content, oninput: (e) => { m.content = e.target.value; } }),
      h('button', { type: 'button', class: 'link', text: 'Remove', onclick: () => { messages.splice(i, 1); drawMessages(); } }));
  }));
  drawMessages();
  return h('form', { class: 'prompt-editor', 'aria-label': 'Edit prompt', onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = '';
    save.disabled = true;
    try {
      await onSave({
        ...promptData,
        prompt: { ...(promptData.prompt ?? {}), type: 'chat', messages: messages.map((m) => ({ role: m.role, content: m.content })) },
        options: { ...(promptData.options ?? {}), model: model.value.trim() },
      });
    } catch (e) {
      error.textContent = e.message;
    } finally {
      save.disabled = false;
    }
  } },
  h('div', { class: 'form-field' }, h('label', { for: 'edit-model', text: 'Model' }), model),
  list,
  h('button', { type: 'button', text: 'Add message', onclick: () => { messages.push({ role: 'user', content: '' }); drawMessages(); } }),
  error,
  h('div', { class: 'form-actions' }, save, h('button', { type: 'button', text: 'Cancel', onclick: onCancel })));
}

/** The mustache variables the prompt's messages use, e.g. {{name}} and {{user.city}} → {name: "", user: ""}. */
function templateVariables(promptData) {
  const texts = (promptData.prompt?.messages ?? []).map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)));
  if (typeof promptData.prompt?.content === 'string') texts.push(promptData.prompt.content);
  const names = new Set();
  for (const text of texts) {
    for (const match of text.matchAll(/\{\{\{?\s*([A-Za-z_][\w]*)/g)) names.add(match[1]);
  }
  return Object.fromEntries([...names].map((name) => [name, '']));
}

/** Runs the shown version on a JSON input through POST /v1/function/{id}/invoke; the answer or the error shows below. */
function playground(id, version, isLatest, isCurrent) {
  const input = h('textarea', { id: 'playground-input', rows: 4, spellcheck: 'false', class: 'json-input',
    value: JSON.stringify(templateVariables(version.prompt_data), null, 2) });
  const output = h('pre', { class: 'output', id: 'playground-output', 'aria-label': 'Output' });
  const answer = h('div', { class: 'form-field', hidden: true }, h('span', { class: 'field-label', text: 'Output' }), output);
  const error = h('p', { class: 'error', role: 'alert', id: 'playground-error' });
  const run = h('button', { type: 'submit', class: 'primary', text: 'Run' });
  return h('section', { class: 'panel', 'aria-label': 'Playground' }, h('h2', { text: 'Playground' }),
    h('form', { onsubmit: async (event) => {
      event.preventDefault();
      error.textContent = '';
      answer.hidden = true;
      let value;
      try {
        value = JSON.parse(input.value || '{}');
      } catch (e) {
        error.textContent = `Input is not valid JSON: ${e.message}`;
        return;
      }
      run.disabled = true;
      run.textContent = 'Running…';
      try {
        const result = await api.invoke(id, value, isLatest ? undefined : version._xact_id);
        if (!isCurrent()) return;
        output.textContent = typeof result === 'string' ? result : JSON.stringify(result, null, 2);
        answer.hidden = false;
      } catch (e) {
        if (isCurrent()) error.textContent = e.message;
      } finally {
        run.disabled = false;
        run.textContent = 'Run';
      }
    } },
    h('div', { class: 'form-field' }, h('label', { for: 'playground-input', text: 'Input (JSON)' }), input),
    h('div', { class: 'form-actions' }, run)),
    error, answer);
}
