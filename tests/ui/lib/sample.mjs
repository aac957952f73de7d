// A small project's worth of logs: three traces with nested spans, scores, metrics, tags and one large value, logged
// one trace per request so the newest-first order is fixed (qa-3 newest).
import { createProject, logSpans } from './ui.mjs';

export const LONG_TEXT = 'The quick brown fox jumps over the lazy dog. '.repeat(60);

export function traces() {
  const t = 1_750_000_000;
  return [
    [
      { id: 'qa-1', input: { question: 'What is 2+2?' }, output: 'The answer is 4', scores: { accuracy: 1 }, tags: ['math'],
        metadata: { user: 'ann' }, span_attributes: { name: 'answer-question', type: 'task' },
        metrics: { start: t, end: t + 2 } },
      { id: 'qa-1-llm', root_span_id: 'qa-1', span_parents: ['qa-1'], span_attributes: { name: 'chat-completion', type: 'llm' },
        input: [{ role: 'user', content: 'What is 2+2?' }], output: { role: 'assistant', content: 'The answer is 4' },
        metadata: { model: 'gpt-4o-mini', request: { temperature: 0, settings: { retries: 2, secret_flag: 'nested-deep-value' } } },
        metrics: { start: t + 0.2, end: t + 1.5, prompt_tokens: 20, completion_tokens: 5, tokens: 25, estimated_cost: 0.0005 } },
      { id: 'qa-1-tool', root_span_id: 'qa-1', span_parents: ['qa-1-llm'], span_attributes: { name: 'calculator', type: 'tool' },
        input: { expression: '2+2' }, output: 4, metrics: { start: t + 0.5, end: t + 0.8 } },
    ],
    [
      { id: 'qa-2', input: { question: 'Capital of France?' }, output: 'Paris', scores: { accuracy: 0.5 }, tags: ['geo', 'prod'],
        metadata: { user: 'bob' }, span_attributes: { name: 'answer-question', type: 'task' }, metrics: { start: t + 10, end: t + 13 } },
      { id: 'qa-2-llm', root_span_id: 'qa-2', span_parents: ['qa-2'], span_attributes: { name: 'chat-completion', type: 'llm' },
        input: [{ role: 'user', content: 'Capital of France?' }], output: { role: 'assistant', content: LONG_TEXT },
        metrics: { start: t + 10.5, end: t + 12.5, prompt_tokens: 100, completion_tokens: 900, tokens: 1000, estimated_cost: 0.02 } },
    ],
    [
      { id: 'qa-3', input: { question: 'Summarize the report' }, error: 'timeout after 30s', scores: { accuracy: 0 },
        tags: ['prod'], metadata: { user: 'ann' }, span_attributes: { name: 'summarize', type: 'task' },
        metrics: { start: t + 20, end: t + 50 } },
    ],
  ];
}

/** A new project holding the sample traces; returns the project. */
export async function sampleProject() {
  const project = await createProject();
  for (const spans of traces()) {
    await logSpans(project.id, spans.map((s) => ({ span_id: s.id, root_span_id: s.root_span_id ?? s.id, ...s })));
  }
  return project;
}
