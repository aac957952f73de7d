using System.Net.Http.Headers;
using System.Text;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Proxy;

public sealed class ProxyFormatsTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private FakeProvider Provider => fixture.Provider;

    [Fact]
    public async Task ChatCompletions_OpenAIModel_ForwardsTheBodyAsSentWithTheOrgsKey()
    {
        var tenant = await fixture.NewTenantAsync();
        var body = new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "hello there" } }, custom_field = new { kept = true } };

        var response = (await tenant.PostAsync("/v1/proxy/chat/completions", body)).AssertOk();

        Assert.Equal("chat.completion", (string)response.Json["object"]!);
        Assert.Equal(FakeProvider.Reply("hello there"), (string)response.Json["choices"]![0]!["message"]!["content"]!);
        Assert.Equal(2, (int)response.Json["usage"]!["prompt_tokens"]!);
        Assert.Equal("openai", response.Header("x-bt-used-endpoint"));
        var sent = Provider.Last("/v1/chat/completions");
        Assert.Equal("Bearer " + tenant.OpenAIKey, sent.Headers["authorization"]);
        Assert.Equal("org-fake", sent.Headers["openai-organization"]);
        Assert.Equal(ApiClient.Serialize(body), sent.Body);
    }

    [Fact]
    public async Task ProviderCalls_CarryNoTraceContextOfTheServers()
    {
        var tenant = await fixture.NewTenantAsync();
        var text = ApiClient.Unique("traced");

        (await tenant.PostAsync("/v1/proxy/chat/completions", new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = text } } })).AssertOk();

        var sent = Provider.Requests.Last(r => r.Body.Contains(text, StringComparison.Ordinal));
        Assert.DoesNotContain("traceparent", sent.Headers.Keys);
    }

    [Theory]
    [InlineData("gpt-4o-mini")]
    [InlineData("claude-3-5-haiku-latest")]
    public async Task ChatCompletionsStream_PassesEachChunkOnBeforeTheProviderFinishes(string model)
    {
        var tenant = await fixture.NewTenantAsync();
        Provider.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/proxy/chat/completions")
            {
                Content = new StringContent(
                    ApiClient.Serialize(new { model, stream = true, messages = new[] { new { role = "user", content = "one two three" } } }),
                    Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.Bearer);
            using var response = await fixture.App.CreateClient().SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

            // The provider is holding the rest of its answer; the chunk with its first word must already be here.
            var received = new StringBuilder();
            while (!received.ToString().Contains("\"echo:\"", StringComparison.Ordinal))
            {
                received.Append(await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10))).Append('\n');
            }

            Provider.Hold.SetResult();
            var rest = received + await reader.ReadToEndAsync();
            var streamed = new ProxyResponse(response.StatusCode, response.Headers, "text/event-stream", rest);
            Assert.Equal(FakeProvider.Reply("one two three"), streamed.StreamedText);
            Assert.EndsWith("data: [DONE]\n\n", rest);
        }
        finally
        {
            Provider.Hold.TrySetResult();
            Provider.Hold = null;
        }
    }

    [Fact]
    public async Task ChatCompletions_ClaudeModel_ConvertsToAnthropicMessagesAndBack()
    {
        var tenant = await fixture.NewTenantAsync();
        var response = (await tenant.PostAsync("/v1/proxy/chat/completions", new
        {
            model = "claude-3-5-haiku-latest",
            temperature = 0.5,
            stop = "END",
            messages = new object[]
            {
                new { role = "system", content = "be brief" },
                new { role = "user", content = new object[] { new { type = "text", text = "hi " }, new { type = "text", text = "claude" } } },
            },
        })).AssertOk();

        Assert.Equal("chat.completion", (string)response.Json["object"]!);
        Assert.Equal(FakeProvider.Reply("hi claude"), (string)response.Json["choices"]![0]!["message"]!["content"]!);
        Assert.Equal("stop", (string)response.Json["choices"]![0]!["finish_reason"]!);
        Assert.Equal(4, (int)response.Json["usage"]!["prompt_tokens"]!);
        Assert.Equal(3, (int)response.Json["usage"]!["completion_tokens"]!);
        Assert.Equal("anthropic", response.Header("x-bt-used-endpoint"));

        var sent = Provider.Last("/v1/messages");
        Assert.Equal(tenant.AnthropicKey, sent.Headers["x-api-key"]);
        Assert.Equal("2023-06-01", sent.Headers["anthropic-version"]);
        Assert.False(sent.Headers.ContainsKey("authorization"));
        Assert.Equal("be brief", (string)sent.Json["system"]!);
        Assert.Equal(4096, (int)sent.Json["max_tokens"]!);
        Assert.Equal(0.5, (double)sent.Json["temperature"]!);
        Assert.Equal("END", (string)sent.Json["stop_sequences"]![0]!);
        Assert.Equal("""[{"role":"user","content":"hi claude"}]""", sent.Json["messages"]!.ToJsonString());
    }

    [Fact]
    public async Task ChatCompletions_ClaudeStream_AnswersInOpenAIChunks()
    {
        var tenant = await fixture.NewTenantAsync();
        var response = (await tenant.PostAsync("/v1/proxy/chat/completions", new
        {
            model = "claude-3-5-haiku-latest", stream = true, max_tokens = 50, messages = new[] { new { role = "user", content = "stream me" } },
        })).AssertOk();

        Assert.Equal("text/event-stream", response.ContentType);
        Assert.All(response.Events, e => Assert.Equal("chat.completion.chunk", (string)e["object"]!));
        Assert.Equal("assistant", (string)response.Events[0]["choices"]![0]!["delta"]!["role"]!);
        Assert.Equal(FakeProvider.Reply("stream me"), response.StreamedText);
        Assert.Equal("stop", (string)response.Events[^1]["choices"]![0]!["finish_reason"]!);
        Assert.Equal(3, (int)response.Events[^1]["usage"]!["completion_tokens"]!);
        Assert.EndsWith("data: [DONE]\n\n", response.Body);
        Assert.True((bool)Provider.Last("/v1/messages").Json["stream"]!);
        Assert.Equal(50, (int)Provider.Last("/v1/messages").Json["max_tokens"]!);
    }

    [Fact]
    public async Task ChatCompletions_GeminiModel_ConvertsToGenerateContentAndBack()
    {
        var tenant = await fixture.NewTenantAsync();
        var response = (await tenant.PostAsync("/v1/proxy/chat/completions", new
        {
            model = "gemini-2.0-flash",
            max_tokens = 20,
            messages = new object[]
            {
                new { role = "system", content = "be kind" },
                new { role = "user", content = "first" },
                new { role = "assistant", content = "ok" },
                new { role = "user", content = "hi gemini" },
            },
        })).AssertOk();

        Assert.Equal(FakeProvider.Reply("hi gemini"), (string)response.Json["choices"]![0]!["message"]!["content"]!);
        Assert.Equal("google", response.Header("x-bt-used-endpoint"));
        Assert.Equal(4, (int)response.Json["usage"]!["prompt_tokens"]!);

        var sent = Provider.Last(":generateContent");
        Assert.Equal("/v1beta/models/gemini-2.0-flash:generateContent", sent.Path);
        Assert.Equal(tenant.GeminiKey, sent.Headers["x-goog-api-key"]);
        Assert.Equal("be kind", (string)sent.Json["systemInstruction"]!["parts"]![0]!["text"]!);
        Assert.Equal(new[] { "user", "model", "user" }, sent.Json["contents"]!.AsArray().Select(c => (string)c!["role"]!));
        Assert.Equal(20, (int)sent.Json["generationConfig"]!["maxOutputTokens"]!);
    }

    [Fact]
    public async Task ChatCompletions_GeminiStream_AnswersInOpenAIChunks()
    {
        var tenant = await fixture.NewTenantAsync();
        var response = (await tenant.PostAsync("/v1/proxy/chat/completions", new
        {
            model = "gemini-2.0-flash", stream = true, messages = new[] { new { role = "user", content = "stream gemini" } },
        })).AssertOk();

        Assert.Equal(FakeProvider.Reply("stream gemini"), response.StreamedText);
        Assert.Equal("stop", (string)response.Events[^1]["choices"]![0]!["finish_reason"]!);
        Assert.EndsWith("data: [DONE]\n\n", response.Body);
        var sent = Provider.Last(":streamGenerateContent");
        Assert.Equal("?alt=sse", sent.Query);
    }

    [Fact]
    public async Task Completions_ForwardsToTheProvidersCompletions_PlainAndStreamed()
    {
        var tenant = await fixture.NewTenantAsync();
        var plain = (await tenant.PostAsync("/v1/proxy/completions", new { model = "gpt-3.5-turbo-instruct", prompt = "say this" })).AssertOk();
        Assert.Equal(FakeProvider.Reply("say this"), (string)plain.Json["choices"]![0]!["text"]!);

        var streamed = (await tenant.PostAsync("/v1/proxy/completions", new { model = "gpt-3.5-turbo-instruct", prompt = "say more", stream = true })).AssertOk();
        Assert.Equal(FakeProvider.Reply("say more"), streamed.StreamedText);
        Assert.Equal("text/event-stream", streamed.ContentType);
    }

    [Fact]
    public async Task Auto_SendsChatRequestsToChatCompletions_AndPromptsToCompletions()
    {
        var tenant = await fixture.NewTenantAsync();
        var chat = (await tenant.PostAsync("/v1/proxy/auto", new { model = "gpt-4o", messages = new[] { new { role = "user", content = "auto chat" } } })).AssertOk();
        Assert.Equal("chat.completion", (string)chat.Json["object"]!);
        Assert.Equal("/v1/chat/completions", Provider.Requests.Last().Path);

        var completion = (await tenant.PostAsync("/v1/proxy/auto", new { model = "gpt-3.5-turbo-instruct", prompt = "auto prompt" })).AssertOk();
        Assert.Equal("text_completion", (string)completion.Json["object"]!);
        Assert.Equal("/v1/completions", Provider.Requests.Last().Path);
    }

    [Fact]
    public async Task Embeddings_AndModerations_ForwardToTheProvider()
    {
        var tenant = await fixture.NewTenantAsync();
        var embeddings = (await tenant.PostAsync("/v1/proxy/embeddings", new { model = "text-embedding-3-small", input = new[] { "a b", "c" } })).AssertOk();
        Assert.Equal(2, embeddings.Json["data"]!.AsArray().Count);
        Assert.Equal(3, (int)embeddings.Json["data"]![0]!["embedding"]![0]!);
        Assert.Equal("Bearer " + tenant.OpenAIKey, Provider.Last("/v1/embeddings").Headers["authorization"]);

        var moderation = (await tenant.PostAsync("/v1/proxy/moderations", new { model = "omni-moderation-latest", input = "something bad" })).AssertOk();
        Assert.True((bool)moderation.Json["results"]![0]!["flagged"]!);
    }

    [Fact]
    public async Task Passthrough_ForwardsAnyOtherPathToTheOpenAIProvider()
    {
        var tenant = await fixture.NewTenantAsync();
        var response = (await tenant.PostAsync("/v1/proxy/responses", new { model = "gpt-4o", input = "passthrough" })).AssertOk();

        Assert.Equal("/v1/responses", (string)response.Json["path"]!);
        Assert.Equal("passthrough", (string)response.Json["received"]!["input"]!);
        Assert.Equal("Bearer " + tenant.OpenAIKey, Provider.Last("/v1/responses").Headers["authorization"]);
    }

    [Fact]
    public async Task ChatCompletions_ModelListedInASecretsMetadata_GoesToThatSecretsEndpoint()
    {
        var tenant = await fixture.NewTenantAsync();
        (await tenant.Api.PostAsync("/v1/ai_secret", new
        {
            name = "MY_LLAMA", type = "openai", secret = "sk-llama",
            metadata = new { api_base = Provider.Url + "/v1", models = new[] { "my-llama-70b" } },
        })).AssertOk();

        (await tenant.PostAsync("/v1/proxy/chat/completions", new { model = "my-llama-70b", messages = new[] { new { role = "user", content = "custom" } } })).AssertOk();

        Assert.Equal("Bearer sk-llama", Provider.Last("/v1/chat/completions").Headers["authorization"]);
    }
}
