// A stand-in for an OpenAI-compatible provider on loopback, so the prompt playground runs without the outside world:
// chat/completions answers "echo: " + the last user message, or fails with a 400 when that message says "refuse".
// Braid reaches it through an ai_secret whose metadata.api_base points here (see useFakeLlm).
import http from 'node:http';
import { api, unique } from './ui.mjs';

export const echo = (text) => `echo: ${text}`;

function lastUserText(messages = []) {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  return typeof last.content === 'string' ? last.content : last.content.map((p) => p.text ?? '').join('');
}

function answer(request, res) {
  const text = lastUserText(request.messages);
  if (text.includes('refuse')) {
    res.writeHead(400, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { message: 'the fake provider refuses this prompt', type: 'invalid_request_error' } }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
    id: 'fake', object: 'chat.completion', created: 1700000000, model: request.model,
    choices: [{ index: 0, message: { role: 'assistant', content: echo(text) }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  }));
}

/**
 * Starts the fake and creates an ai_secret (a name of its own, so no other test's secret is touched) that routes
 * `model` to it through metadata.models. Resolves to {model, close()}; close() removes both.
 */
export async function useFakeLlm(model = unique('fake-model')) {
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not here' } }));
      return;
    }
    answer(JSON.parse(body || '{}'), res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/v1`;
  const secret = await api('POST', '/v1/ai_secret', { name: unique('FAKE_LLM'), type: 'openai', secret: 'sk-fake-key-for-ui-tests',
    metadata: { api_base: url, models: [model] } });
  // Closing deletes the secret too: left behind, it would serve every other gpt-* model of the organization.
  const close = async () => {
    await api('DELETE', `/v1/ai_secret/${secret.id}`);
    await new Promise((resolve) => server.close(resolve));
  };
  return { model, close };
}
