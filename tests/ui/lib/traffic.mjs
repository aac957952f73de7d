// A day of steady traffic for the Monitor's screenshot: every hour of the last 24 a few traces (a root span and an
// LLM child with tokens and cost), durations and scores varying by hour, so each chart has a shape to show.
import { createProject, logSpans } from './ui.mjs';

export async function trafficProject() {
  const project = await createProject();
  const hour = 3_600_000;
  const now = Date.now();
  const spans = [];
  for (let h = 23; h >= 0; h--) {
    const traces = 2 + ((h * 7) % 5);
    for (let n = 0; n < traces; n++) {
      const at = now - h * hour - n * 97_000;
      const id = `t-${h}-${n}`;
      const start = at / 1000;
      const duration = 0.6 + ((h + n) % 6) * 0.35;
      const prompt = 120 + ((h * 13 + n * 29) % 200);
      const completion = 40 + ((h * 11 + n * 17) % 90);
      spans.push(
        { id, span_id: id, root_span_id: id, created: new Date(at).toISOString(), input: { question: `q${h}-${n}` },
          span_attributes: { name: 'answer-question', type: 'task' }, metrics: { start, end: start + duration },
          scores: { accuracy: ((h + n) % 4) / 3, helpfulness: 0.5 + ((h * 3 + n) % 5) / 10 } },
        { id: `${id}-llm`, span_id: `${id}-llm`, root_span_id: id, span_parents: [id], created: new Date(at + 50).toISOString(),
          span_attributes: { name: 'chat-completion', type: 'llm' },
          metrics: { start: start + 0.05, end: start + duration - 0.05, prompt_tokens: prompt, completion_tokens: completion,
            tokens: prompt + completion, estimated_cost: (prompt * 0.15 + completion * 0.6) / 1e6 * 100 } });
    }
  }
  await logSpans(project.id, spans);
  return project;
}
