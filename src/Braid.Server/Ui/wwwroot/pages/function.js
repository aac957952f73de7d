import { api, literal } from '../api.js';
import { h, replace } from '../dom.js';
import { time, xactTime } from '../format.js';
import { jsonView } from '../components/json-view.js';
import { diffView } from '../components/line-diff.js';
import { projectNav, projectPath } from '../components/project-nav.js';
import { kindLabel } from './functions.js';

const VERSION_LIMIT = 100;
const KINDS = {
  prompt: { section: 'prompts', title: 'Prompts', source: 'project_prompts' },
  function: { section: 'functions', title: 'Functions', source: 'project_functions' },
};
// What a version's definition is made of (the diff compares these); ids, times and audit fields are left out.
const DEFINITION_FIELDS = ['name', 'description', 'function_type', 'tags', 'metadata', 'prompt_data', 'function_data'];

export const renderPrompt = (page, context) => renderDetail('prompt', page, context);
export const renderFunction = (page, context) => renderDetail('function', page, context);

/**
 * One prompt or function: its saved versions (every one, from /btql with audit_log over the project's prompts or
 * functions), the selected version's definition, what changed from the version before it, and for prompts an editor
 * that saves a new version and a playground that runs the prompt through Braid's invoke.
 */
async function renderDetail(kind, page, { params, query, isCurrent, navigate, setContext }) {
  const { projectId, id } = params;
  const { section, title, source } = KINDS[kind];
  const base = projectPath(projectId, section, id);
  const [project, current, history] = await Promise.all([
    api.project(projectId),
    api.functionObject(kind, id),
    api.btqlWith(`select: * | from: ${source}(${literal(projectId)}) | filter: id = ${literal(id)} | sort: _xact_id desc | limit: ${VERSION_LIMIT}`,
      { audit_log: true }),
  ]);
  if (!isCurrent()) return;
  setContext([{ label: project.name, href: projectPath(projectId, 'logs') },
    { label: title, href: projectPath(projectId, section) }, { label: current.name }]);

  const versions = history.data.length > 0 ? history.data : [current];
  const wanted = query.get('version');
  const index = Math.max(versions.findIndex((v) => v._xact_id === wanted), 0);
  const shown = versions[index];
  const previous = versions[index + 1];
  const isLatest = index === 0;

  const definition = h('div', { class: 'definition' }, definitionView(shown));
  const editButton = isLatest && shown.prompt_data
    ? h('button', { type: 'button', text: 'Edit', onclick: () => {
      editButton.hidden = true;
      replace(definition, promptEditor(shown.prompt_data, {
        onCancel: () => { editButton.hidden = false; replace(definition, definitionView(shown)); },
        onSave: async (promptData) => {
          await api.patchFunction(kind, id, { prompt_data: promptData });
          if (isCurrent()) navigate(base);
        },
      }));
    } })
    : null;

  replace(page, projectNav(projectId, section),
    h('div', { class: 'toolbar' }, h('h1', { text: current.name }),
      kindLabel(current) ? h('span', { class: 'chip', text: kindLabel(current) }) : null,
      h('span', { class: 'muted mono', text: current.slug })),
    current.description ? h('p', { class: 'muted', text: current.description }) : null,
    h('div', { class: 'function-page' },
      h('aside', { class: 'versions-pane' }, h('h2', { text: 'Versions' }),
        h('ol', { class: 'versions', 'aria-label': 'Versions' }, versions.map((v, i) =>
          h('li', {}, h('a', { href: `${base}?version=${encodeURIComponent(v._xact_id)}`, 'aria-current': i === index ? 'true' : false,
            dataset: { version: v._xact_id } },
          h('span', { text: time(xactTime(v._xact_id)) }), i === 0 ? h('span', { class: 'chip', text: 'latest' }) : null,
          h('span', { class: 'muted small mono', text: v._xact_id })))))),
      h('div', { class: 'function-main' },
        isLatest ? null : h('p', { class: 'notice', role: 'status' }, `Viewing version ${shown._xact_id}. `,
          h('a', { href: base, text: 'Back to the latest version' })),
        h('section', { class: 'panel', 'aria-label': 'Definition' },
          h('div', { class: 'panel-head' }, h('h2', { text: 'Definition' }), editButton), definition),
        shown.prompt_data ? playground(id, shown, isLatest, isCurrent) : null,
        h('section', { class: 'panel', 'aria-label': 'Changes' },
          h('h2', { text: previous ? `Changes from the version before (${time(xactTime(previous._xact_id))})` : 'Changes' }),
          previous ? diffView(definitionText(previous), definitionText(shown)) : h('p', { class: 'muted', text: 'The first version: nothing before it to compare with.' })))));
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
