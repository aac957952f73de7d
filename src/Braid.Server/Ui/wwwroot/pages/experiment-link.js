import { api } from '../api.js';
import { session } from '../session.js';
import { h, replace } from '../dom.js';
import { projectPath } from '../components/project-nav.js';

/**
 * The link the SDKs print after an Eval, <app_url>/app/<org>/p/<project>/experiments/<experiment> (the
 * experiment_url of Braid's summarize), names rather than ids: they are looked up through the API and the address
 * replaced with the experiment's page, so the link keeps working and the page's own URL stays the one Braid uses.
 */
export async function renderExperimentLink(page, { params, isCurrent, navigate, setContext }) {
  const { orgName, projectName, experimentName } = params;
  setContext([{ label: orgName }, { label: projectName }, { label: experimentName }]);
  replace(page, h('p', { class: 'muted', text: `Looking up ${experimentName}…` }));
  const { objects: projects } = await api.projectByName(orgName, projectName);
  if (!isCurrent()) return;
  const project = projects[0];
  if (!project) {
    replace(page, h('p', { class: 'error', role: 'alert', text: `No project named ${projectName} in ${orgName}.` }));
    return;
  }
  // Reads by id act in the organization the UI has picked: the link's is the one to act in from here on.
  session.useOrg(orgName);
  const { objects: experiments } = await api.experimentByName(project.id, experimentName);
  if (!isCurrent()) return;
  if (experiments.length === 0) {
    replace(page, h('p', { class: 'error', role: 'alert', text: `No experiment named ${experimentName} in ${projectName}.` }));
    return;
  }
  navigate(projectPath(project.id, 'experiments', experiments[0].id), { replaceState: true });
}
