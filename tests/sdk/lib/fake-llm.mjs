// A stand-in for OpenAI's chat/completions on loopback, so invoke and Eval scenarios can run prompts
// without the outside world: the answer is "echo: " + the last user message (streamed a word per
// chunk), and a forced tool call (an LLM classifier's select_choice) picks the enum value the message
// names as "choose:VALUE". The Braid side reaches it through an ai_secret whose api_base points here.
import http from "node:http";

export function echo(text) {
  return `echo: ${text}`;
}

function lastUserText(messages) {
  const last = [...(messages ?? [])].reverse().find((m) => m.role === "user");
  if (!last) return "";
  return typeof last.content === "string" ? last.content : last.content.map((p) => p.text ?? "").join("");
}

function completion(request) {
  const text = lastUserText(request.messages);
  const forced = request.tool_choice?.function?.name;
  const tool = forced && request.tools?.find((t) => t.function.name === forced);
  const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
  if (tool) {
    const args = {};
    for (const [name, schema] of Object.entries(tool.function.parameters?.properties ?? {})) {
      args[name] = schema.enum ? schema.enum.find((c) => text.includes(`choose:${c}`)) ?? schema.enum[0] : echo(text);
    }
    return {
      message: {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "call_fake", type: "function", function: { name: forced, arguments: JSON.stringify(args) } }],
      },
      finish: "tool_calls",
      usage,
    };
  }
  return { message: { role: "assistant", content: echo(text) }, finish: "stop", usage };
}

/** Starts the fake; resolves to {url, close()} where url is the OpenAI-style base (…/v1). */
export async function startFakeLlm() {
  const server = http.createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const request = JSON.parse(body || "{}");
    if (req.method !== "POST" || !req.url.endsWith("/chat/completions")) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "not here" } }));
      return;
    }
    const { message, finish, usage } = completion(request);
    const base = { id: "fake", created: 1700000000, model: request.model };
    if (!request.stream) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ...base, object: "chat.completion", choices: [{ index: 0, message, finish_reason: finish }], usage }));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    const send = (delta, finishReason = null) =>
      res.write(`data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`);
    if (message.tool_calls) {
      send({ tool_calls: message.tool_calls.map((c, index) => ({ index, ...c })) }, finish);
    } else {
      const words = message.content.split(" ");
      words.forEach((w, i) => send({ content: i === 0 ? w : ` ${w}` }));
      send({}, finish);
    }
    if (request.stream_options?.include_usage) {
      res.write(`data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [], usage })}\n\n`);
    }
    res.end("data: [DONE]\n\n");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/v1`, close: () => new Promise((resolve) => server.close(resolve)) };
}
