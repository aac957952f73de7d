// Every call the UI makes goes through here, to Braid's public API only, with the key the user signed in with.
import { session } from './session.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function call(method, path, body, apiKey = session.apiKey) {
  const headers = { Authorization: `Bearer ${apiKey}` };
  // The organization picked in the UI, for the endpoints that act in one (the proxy and invoke read this header).
  if (session.orgName) headers['x-bt-org-name'] = session.orgName;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: reported below */ }
  if (!response.ok) {
    throw new ApiError(response.status, json?.error ?? `${response.status} ${response.statusText}`);
  }
  return json;
}

/** A BTQL string literal: quotes doubled and backslashes escaped, as Braid's lexer reads them. */
export function literal(text) {
  return `'${String(text).replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

export const api = {
  /** The key's user and their organizations; `apiKey` checks a key before it is kept. */
  me: (apiKey) => call('POST', '/api/self/me', undefined, apiKey),
  projects: (orgName) => call('GET', `/v1/project?limit=1000&org_name=${encodeURIComponent(orgName)}`),
  project: (id) => call('GET', `/v1/project/${encodeURIComponent(id)}`),
  /** POST /btql with a text query: `{data, cursor, warnings}`. */
  btql: (query) => call('POST', '/btql', { query, fmt: 'json' }),

  // Datasets, prompts and functions.
  /** POST /btql with settings beside the query: `version` (a snapshot as of that _xact_id), `audit_log` (every version). */
  btqlWith: (query, options) => call('POST', '/btql', { query, fmt: 'json', ...options }),
  datasets: (projectId) => call('GET', `/v1/dataset?limit=1000&project_id=${encodeURIComponent(projectId)}`),
  dataset: (id) => call('GET', `/v1/dataset/${encodeURIComponent(id)}`),
  /** Writes records; a record with an existing id replaces it (no `_is_merge`), `_object_delete: true` deletes it. */
  insertDataset: (id, events) => call('POST', `/v1/dataset/${encodeURIComponent(id)}/insert`, { events }),
  /** `kind` is 'prompt' or 'function': the two share one shape and one set of endpoints. */
  functions: (kind, projectId) => call('GET', `/v1/${kind}?limit=1000&project_id=${encodeURIComponent(projectId)}`),
  functionObject: (kind, id) => call('GET', `/v1/${kind}/${encodeURIComponent(id)}`),
  patchFunction: (kind, id, body) => call('PATCH', `/v1/${kind}/${encodeURIComponent(id)}`, body),
  /** Runs a prompt or function (at `version`, when given) on `input`; the answer is the function's output. */
  invoke: (id, input, version) => call('POST', `/v1/function/${encodeURIComponent(id)}/invoke`, { input, version }),
  // Experiments (the experiments list, an experiment's page and comparison, and the SDK's experiment links).
  /** A project's experiments, newest first. */
  experiments: (projectId) => call('GET', `/v1/experiment?limit=1000&project_id=${encodeURIComponent(projectId)}`),
  experiment: (id) => call('GET', `/v1/experiment/${encodeURIComponent(id)}`),
  /** The project of that name in that organization, or none. */
  projectByName: (orgName, name) =>
    call('GET', `/v1/project?org_name=${encodeURIComponent(orgName)}&project_name=${encodeURIComponent(name)}`),
  experimentByName: (projectId, name) =>
    call('GET', `/v1/experiment?project_id=${encodeURIComponent(projectId)}&experiment_name=${encodeURIComponent(name)}`),
  /** Score averages of a whole experiment, with diffs, improvements and regressions against `comparisonId` when given. */
  summarize: (id, comparisonId) => call('GET', `/v1/experiment/${encodeURIComponent(id)}/summarize?summarize_scores=true${
    comparisonId ? `&comparison_experiment_id=${encodeURIComponent(comparisonId)}` : ''}`),
  // Monitor and settings (organization level).
  /** POST /btql for an aggregation: date buckets (hour(created), day(created)) follow the browser's time zone. */
  aggregate: (query) => call('POST', '/btql', { query, fmt: 'json', tz_offset: new Date().getTimezoneOffset() }),
  // The organization is the one picked (x-bt-org-name, set in call()).
  users: () => call('GET', '/v1/user?limit=1000'),
  inviteMembers: (emails) => call('PATCH', '/v1/organization/members', { invite_users: { emails } }),
  removeMember: (id) => call('PATCH', '/v1/organization/members', { remove_users: { ids: [id] } }),
  groups: () => call('GET', '/v1/group?limit=1000'),
  createGroup: (group) => call('POST', '/v1/group', group),
  /** PATCH /v1/group/{id} with add_member_users / remove_member_users lists. */
  patchGroup: (id, changes) => call('PATCH', `/v1/group/${encodeURIComponent(id)}`, changes),
  roles: () => call('GET', '/v1/role?limit=1000'),
  createRole: (role) => call('POST', '/v1/role', role),
  apiKeys: () => call('GET', '/v1/api_key?limit=1000'),
  /** The answer's `key` is the raw key, returned by this call only. */
  createApiKey: (name) => call('POST', '/v1/api_key', { name }),
  deleteApiKey: (id) => call('DELETE', `/v1/api_key/${encodeURIComponent(id)}`),
  aiSecrets: () => call('GET', '/v1/ai_secret?limit=1000'),
  /** PUT creates the secret or replaces the one with that name; the value is sent and never read back. */
  putAiSecret: (secret) => call('PUT', '/v1/ai_secret', secret),
  deleteAiSecret: (id) => call('DELETE', `/v1/ai_secret/${encodeURIComponent(id)}`),
};
