// A dataset and a prompt with some history, for the screenshots of the dataset and prompt pages.
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
