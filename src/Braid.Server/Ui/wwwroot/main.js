// The client-side router: every page lives under /app/ (the server answers index.html there), links are plain
// anchors, and navigation swaps the page without reloading so the session and module cache stay.
import { session } from './session.js';
import { h, replace } from './dom.js';
import { renderSignIn } from './pages/sign-in.js';
import { renderHome } from './pages/home.js';
import { renderLogs } from './pages/logs.js';
import { renderTrace } from './pages/trace.js';
import { renderDatasets } from './pages/datasets.js';
import { renderDataset } from './pages/dataset.js';
import { renderFunctions, renderPrompts } from './pages/functions.js';
import { renderFunction, renderPrompt } from './pages/function.js';
import { renderExperiments } from './pages/experiments.js';
import { renderExperiment } from './pages/experiment.js';
import { renderExperimentLink } from './pages/experiment-link.js';
import { renderMonitor } from './pages/monitor.js';
import { renderMembers } from './pages/settings-members.js';
import { renderGroups } from './pages/settings-groups.js';
import { renderRoles } from './pages/settings-roles.js';
import { renderApiKeys } from './pages/settings-api-keys.js';
import { renderAiSecrets } from './pages/settings-ai-secrets.js';

const routes = [
  { pattern: /^\/app\/sign-in\/?$/, page: renderSignIn, open: true },
  { pattern: /^\/app\/?$/, page: renderHome },
  { pattern: /^\/app\/projects\/([^/]+)\/logs\/?$/, page: renderLogs, names: ['projectId'] },
  { pattern: /^\/app\/projects\/([^/]+)\/logs\/([^/]+)\/?$/, page: renderTrace, names: ['projectId', 'rootSpanId'] },
  { pattern: /^\/app\/projects\/([^/]+)\/datasets\/?$/, page: renderDatasets, names: ['projectId'] },
  { pattern: /^\/app\/projects\/([^/]+)\/datasets\/([^/]+)\/?$/, page: renderDataset, names: ['projectId', 'datasetId'] },
  { pattern: /^\/app\/projects\/([^/]+)\/prompts\/?$/, page: renderPrompts, names: ['projectId'] },
  { pattern: /^\/app\/projects\/([^/]+)\/prompts\/([^/]+)\/?$/, page: renderPrompt, names: ['projectId', 'id'] },
  { pattern: /^\/app\/projects\/([^/]+)\/functions\/?$/, page: renderFunctions, names: ['projectId'] },
  { pattern: /^\/app\/projects\/([^/]+)\/functions\/([^/]+)\/?$/, page: renderFunction, names: ['projectId', 'id'] },
  // Experiments: the list, one experiment (with ?compare=), a test case's trace, and the link the SDKs print.
  { pattern: /^\/app\/projects\/([^/]+)\/experiments\/?$/, page: renderExperiments, names: ['projectId'] },
  { pattern: /^\/app\/projects\/([^/]+)\/experiments\/([^/]+)\/?$/, page: renderExperiment, names: ['projectId', 'experimentId'] },
  { pattern: /^\/app\/projects\/([^/]+)\/experiments\/([^/]+)\/([^/]+)\/?$/, page: renderTrace, names: ['projectId', 'experimentId', 'rootSpanId'] },
  { pattern: /^\/app\/([^/]+)\/p\/([^/]+)\/experiments\/([^/]+)\/?$/, page: renderExperimentLink, names: ['orgName', 'projectName', 'experimentName'] },
  { pattern: /^\/app\/projects\/([^/]+)\/monitor\/?$/, page: renderMonitor, names: ['projectId'] },
  { pattern: /^\/app\/settings(\/members)?\/?$/, page: renderMembers },
  { pattern: /^\/app\/settings\/groups\/?$/, page: renderGroups },
  { pattern: /^\/app\/settings\/roles\/?$/, page: renderRoles },
  { pattern: /^\/app\/settings\/api-keys\/?$/, page: renderApiKeys },
  { pattern: /^\/app\/settings\/ai-secrets\/?$/, page: renderAiSecrets },
];

let generation = 0;

/** Goes to `url` (a path under /app/, with its query), adding it to the history unless `replaceState`. */
export function navigate(url, { replaceState = false } = {}) {
  if (replaceState) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render();
}

/** True while the page that asked is still the one on screen: async work from a page left behind is dropped. */
function currentChecker() {
  const mine = ++generation;
  return () => mine === generation;
}

function render() {
  const page = document.getElementById('page');
  const path = location.pathname === '/' ? '/app/' : location.pathname;
  const route = routes.find((r) => r.pattern.test(path));
  const isCurrent = currentChecker();
  renderWho();
  if (!route) {
    replace(page, h('h1', { text: 'Not found' }), h('p', {}, 'Nothing here. ', h('a', { href: '/app/' }, 'Go to your projects.')));
    return;
  }
  if (!route.open && !session.apiKey) {
    navigate(`/app/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`, { replaceState: true });
    return;
  }
  const match = path.match(route.pattern);
  const params = Object.fromEntries((route.names ?? []).map((name, i) => [name, decodeURIComponent(match[i + 1])]));
  setContext([]);
  route.page(page, { params, query: new URLSearchParams(location.search), isCurrent, navigate, setContext })
    .catch((error) => {
      if (!isCurrent()) return;
      if (error.status === 401) {
        session.signOut();
        navigate('/app/sign-in', { replaceState: true });
        return;
      }
      replace(page, h('p', { class: 'error', role: 'alert', text: error.message }));
    });
}

/** The breadcrumb in the top bar: [{label, href?}]. */
function setContext(crumbs) {
  const nav = document.getElementById('context');
  replace(nav, crumbs.map((c, i) => [i > 0 ? h('span', { class: 'sep', text: '/' }) : null,
    c.href ? h('a', { href: c.href, text: c.label }) : h('span', { text: c.label })]));
}

function renderWho() {
  const who = document.getElementById('who');
  if (!session.apiKey) {
    replace(who);
    return;
  }
  replace(who, session.orgName ? h('span', { class: 'muted', text: session.orgName }) : null,
    h('a', { href: '/app/settings/members', text: 'Settings' }),
    h('button', { type: 'button', class: 'link', onclick: () => { session.signOut(); navigate('/app/sign-in'); } }, 'Sign out'));
}

// Same-origin links under /app/ navigate in place; modified clicks (new tab) are left to the browser.
document.addEventListener('click', (event) => {
  const link = event.target.closest('a[href]');
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith('/app')) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});

window.addEventListener('popstate', render);
render();
