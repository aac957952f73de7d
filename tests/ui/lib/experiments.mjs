// Three experiments of one project, logged through the API in order (exp-a oldest, exp-c newest), one row per
// request so each experiment's newest-first order is fixed. exp-b against exp-a: "2+2" improved, "France" regressed,
// "ocean" the same, "light" has no base row.
import { api, createProject } from './ui.mjs';

const t = 1_750_000_000;
const q = (question) => ({ question });

export const experiments = [
  { name: 'exp-a', rows: [
    { id: 'a-ocean', input: q('Largest ocean?'), output: 'Pacific', expected: 'Pacific', scores: { accuracy: 0.5 } },
    { id: 'a-france', input: q('Capital of France?'), output: 'Paris', expected: 'Paris', scores: { accuracy: 1 } },
    { id: 'a-math', input: q('What is 2+2?'), output: '5', expected: '4', scores: { accuracy: 0.5 } },
  ] },
  { name: 'exp-b', repo_info: { commit: 'abc1234def5678', branch: 'main' }, metadata: { model: 'gpt-4o' }, rows: [
    { id: 'b-light', input: q('Speed of light?'), output: 'fast', expected: '299,792 km/s', scores: { accuracy: 0 } },
    { id: 'b-ocean', input: q('Largest ocean?'), output: 'Pacific', expected: 'Pacific', scores: { accuracy: 0.5 } },
    { id: 'b-france', input: q('Capital of France?'), output: 'Lyon', expected: 'Paris', scores: { accuracy: 0.5 } },
    { id: 'b-math', input: q('What is 2+2?'), output: '4', expected: '4', scores: { accuracy: 1, fluency: 0.8 },
      metrics: { start: t, end: t + 1.5, prompt_tokens: 20, completion_tokens: 5, tokens: 25, estimated_cost: 0.0005 } },
  ] },
  { name: 'exp-c', rows: [
    { id: 'c-math', input: q('What is 2+2?'), output: 'four', expected: '4', scores: { accuracy: 0.75 } },
  ] },
];

/** A new project holding the three experiments; returns { project, byName: {name → experiment} }. */
export async function experimentsProject() {
  const project = await createProject();
  const byName = {};
  for (const { rows, ...fields } of experiments) {
    const experiment = await api('POST', '/v1/experiment', { project_id: project.id, ...fields });
    for (const row of rows) {
      await api('POST', `/v1/experiment/${experiment.id}/insert`,
        { events: [{ span_id: row.id, root_span_id: row.id, span_attributes: { name: 'eval', type: 'eval' }, ...row }] });
    }
    byName[experiment.name] = experiment;
  }
  return { project, byName };
}
