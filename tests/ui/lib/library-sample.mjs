// A dataset, a prompt and a code function with some history, for the screenshots of the dataset, prompt and function pages.
import { api } from './ui.mjs';

/** In `projectId`: a dataset of four records (one edited), and a prompt saved twice whose second version uses `model`. */
export async function librarySample(projectId, model) {
  const dataset = await api('POST', '/v1/dataset', { project_id: projectId, name: 'capitals', description: 'Countries and their capitals' });
  await api('POST', `/v1/dataset/${dataset.id}/insert`, { events: [
    { id: 'fr', input: { country: 'France' }, expected: 'Paris', metadata: { continent: 'Europe' }, tags: ['europe'] },
    { id: 'jp', input: { country: 'Japan' }, expected: 'Tokyo', metadata: { continent: 'Asia' }, tags: ['asia'] },
    { id: 'br', input: { country: 'Brazil' }, expected: 'Rio de Janeiro', metadata: { continent: 'South America' } },
    { id: 'ke', input: { country: 'Kenya' }, expected: 'Nairobi', metadata: { continent: 'Africa' }, tags: ['africa'] },
  ] });
  await api('POST', `/v1/dataset/${dataset.id}/insert`, { events: [
    { id: 'br', input: { country: 'Brazil' }, expected: 'Brasília', metadata: { continent: 'South America' }, tags: ['fixed'] },
  ] });

  const prompt = await api('POST', '/v1/prompt', {
    project_id: projectId, name: 'Capital finder', slug: 'capital-finder', description: 'Names the capital of a country',
    prompt_data: {
      prompt: { type: 'chat', messages: [
        { role: 'system', content: 'You are a geography teacher.' },
        { role: 'user', content: 'What is the capital of {{country}}?' },
      ] },
      options: { model: 'gpt-4o', params: { temperature: 0 } },
    },
  });
  await api('PATCH', `/v1/prompt/${prompt.id}`, { prompt_data: {
    prompt: { type: 'chat', messages: [
      { role: 'system', content: 'You are a geography teacher. Answer with the city name only.' },
      { role: 'user', content: 'Hi {{name}}, from {{city}}: what is the capital of {{country}}?' },
    ] },
    options: { model },
  } });
  return { dataset, prompt };
}

/** In `projectId`: an inline code scorer saved twice (the second version trims before comparing). */
export async function libraryCodeFunction(projectId) {
  const code = (compare) => `function handler({ output, expected }) {\n  // 1 when the answer is the expected city\n  return ${compare} ? 1 : 0;\n}`;
  const fn = await api('POST', '/v1/function', {
    project_id: projectId, name: 'Exact capital', slug: 'exact-capital', function_type: 'scorer', description: 'Scores 1 for the right capital',
    function_data: { type: 'code', data: { type: 'inline', runtime_context: { runtime: 'node', version: '20' }, code: code('output === expected') } },
  });
  await api('PATCH', `/v1/function/${fn.id}`, { function_data: { type: 'code',
    data: { type: 'inline', runtime_context: { runtime: 'node', version: '20' }, code: code('output.trim() === expected.trim()') } } });
  return fn;
}
