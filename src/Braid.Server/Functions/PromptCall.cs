using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.Functions.Templates;
using Braid.Server.Http;
using Braid.Server.Proxy;

namespace Braid.Server.Functions;

/// <summary>
/// Turns a prompt (<c>prompt_data</c>) and the invoke's arguments into a chat request, as the SDK's
/// <c>prompt.build()</c> does: templates see <c>{input, ...input}</c>, every message part, tool call and the tools
/// string are rendered, extra <c>messages</c> are appended (a system message only when the prompt has none), and the
/// options' <c>params</c> go to the provider. An <c>llm_classifier</c> parser makes it an LLM-as-judge scorer: the model
/// must call <c>select_choice</c>, and the choice it picks maps to a score through <c>choice_scores</c>.
/// </summary>
public sealed class PromptCall
{
    private const string SelectChoice = "select_choice";

    // Braintrust-only options the providers do not take.
    private static readonly HashSet<string> BraintrustParams = ["use_cache", "reasoning_enabled", "reasoning_budget", "position"];

    private PromptCall(JsonObject request, JsonObject? choiceScores)
    {
        Request = request;
        ChoiceScores = choiceScores;
    }

    public JsonObject Request { get; }

    /// <summary>The classifier's choice → score map, when the prompt is an LLM-as-judge scorer.</summary>
    public JsonObject? ChoiceScores { get; }

    /// <summary>Whether the answer is JSON text (a JSON response format, or mode json), streamed as <c>json_delta</c>.</summary>
    public bool JsonContent(string? mode) =>
        mode == "json" || (mode != "text" && (string?)Request["response_format"]?["type"] is "json_object" or "json_schema");

    public static PromptCall Build(JsonObject function, JsonNode? input, JsonArray? extraMessages, bool strict)
    {
        var promptData = function["prompt_data"] as JsonObject
            ?? throw ApiException.BadRequest($"function '{function["name"]}' has no prompt_data to run");
        var prompt = promptData["prompt"] as JsonObject
            ?? throw ApiException.BadRequest($"function '{function["name"]}': prompt_data.prompt is missing");
        var format = (string?)promptData["template_format"] ?? "mustache";
        var variables = new JsonObject { ["input"] = input?.DeepClone() };
        if (input is JsonObject spread)
        {
            foreach (var (name, value) in spread)
            {
                variables[name] = value?.DeepClone();
            }
        }

        string Render(string template, string where)
        {
            try
            {
                return format switch
                {
                    "none" => template,
                    "nunjucks" => Nunjucks.Render(template, variables, strict),
                    _ => Mustache.Render(template, variables, strict),
                };
            }
            catch (TemplateException e)
            {
                throw ApiException.BadRequest($"{where}: {e.Message}");
            }
        }

        var messages = new JsonArray();
        if ((string?)prompt["type"] == "completion")
        {
            // Completion prompts are sent as one user message: every provider this server reaches speaks chat.
            messages.Add(new JsonObject { ["role"] = "user", ["content"] = Render((string?)prompt["content"] ?? "", "prompt_data.prompt.content") });
        }
        else
        {
            var i = 0;
            foreach (var message in prompt["messages"] as JsonArray ?? [])
            {
                messages.Add(RenderMessage(message as JsonObject ?? [], text => Render(text, $"prompt_data.prompt.messages[{i}]")));
                i++;
            }
        }

        var hasSystem = messages.Any(m => (string?)m?["role"] == "system");
        foreach (var extra in extraMessages ?? [])
        {
            if (!(hasSystem && (string?)extra?["role"] == "system"))
            {
                messages.Add(extra?.DeepClone());
            }
        }

        var options = promptData["options"] as JsonObject;
        var request = new JsonObject { ["model"] = options?["model"]?.DeepClone() };
        foreach (var (name, value) in options?["params"] as JsonObject ?? [])
        {
            if (!BraintrustParams.Contains(name))
            {
                request[name] = value?.DeepClone();
            }
        }

        request["messages"] = messages;
        if ((string?)prompt["tools"] is { Length: > 0 } tools && tools.Trim().Length > 0)
        {
            try
            {
                request["tools"] = JsonNode.Parse(Render(tools, "prompt_data.prompt.tools")) as JsonArray
                    ?? throw ApiException.BadRequest("prompt_data.prompt.tools: must render to a JSON array of tools");
            }
            catch (JsonException e)
            {
                throw ApiException.BadRequest($"prompt_data.prompt.tools: does not render to JSON: {e.Message}");
            }
        }

        JsonObject? choiceScores = null;
        if (promptData["parser"] is JsonObject parser && (string?)parser["type"] == "llm_classifier")
        {
            choiceScores = parser["choice_scores"] as JsonObject is { Count: > 0 } scores
                ? scores
                : throw ApiException.BadRequest("prompt_data.parser.choice_scores: an llm_classifier needs a map of choices to scores");
            var useCot = (bool?)parser["use_cot"] ?? true;
            request["tools"] = new JsonArray(ChoiceTool(choiceScores, useCot));
            request["tool_choice"] = new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = SelectChoice } };
        }

        return new PromptCall(request, choiceScores?.DeepClone().AsObject());
    }

    /// <summary>The scorer result for a classifier's answer: <c>{name, score, metadata: {choice, rationale}}</c>.</summary>
    public JsonObject Classify(ChatAnswer answer, string name)
    {
        var call = answer.ToolCalls?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["function"]?["name"] == SelectChoice)
            ?? throw new ApiException(StatusCodes.Status502BadGateway, $"the model did not call {SelectChoice}, so the classifier has no choice to score");
        JsonObject arguments;
        try
        {
            arguments = JsonNode.Parse((string?)call["function"]?["arguments"] ?? "") as JsonObject ?? [];
        }
        catch (JsonException e)
        {
            throw new ApiException(StatusCodes.Status502BadGateway, $"the model's {SelectChoice} arguments are not JSON: {e.Message}");
        }

        var choice = (string?)arguments["choice"] ?? "";
        var score = ChoiceScores!.TryGetPropertyValue(choice, out var value)
            ? value?.DeepClone()
            : throw new ApiException(StatusCodes.Status502BadGateway, $"the model chose '{choice}', which is not one of the classifier's choices ({string.Join(", ", ChoiceScores.Select(p => p.Key))})");
        var metadata = new JsonObject { ["choice"] = choice };
        if (arguments["reasons"] is { } reasons)
        {
            metadata["rationale"] = reasons.DeepClone();
        }

        return new JsonObject { ["name"] = name, ["score"] = score, ["metadata"] = metadata };
    }

    private static JsonObject RenderMessage(JsonObject message, Func<string, string> render)
    {
        var rendered = message.DeepClone().AsObject();
        switch (message["content"])
        {
            case JsonValue text when text.TryGetValue<string>(out var s):
                rendered["content"] = render(s);
                break;
            case JsonArray parts:
                var renderedParts = new JsonArray();
                foreach (var part in parts.OfType<JsonObject>())
                {
                    var copy = part.DeepClone().AsObject();
                    switch ((string?)part["type"])
                    {
                        case "text":
                            copy["text"] = render((string?)part["text"] ?? "");
                            break;
                        case "image_url" when TemplateValues.IsString(part["image_url"]?["url"], out var url):
                            copy["image_url"]!["url"] = render(url);
                            break;
                    }

                    renderedParts.Add(copy);
                }

                rendered["content"] = renderedParts;
                break;
        }

        if (message["tool_calls"] is JsonArray calls)
        {
            rendered["tool_calls"] = new JsonArray([.. calls.OfType<JsonObject>().Select(c => (JsonNode)new JsonObject
            {
                ["type"] = c["type"]?.DeepClone() ?? "function",
                ["id"] = render((string?)c["id"] ?? ""),
                ["function"] = new JsonObject
                {
                    ["name"] = render((string?)c["function"]?["name"] ?? ""),
                    ["arguments"] = render((string?)c["function"]?["arguments"] ?? ""),
                },
            })]);
        }

        if ((string?)message["tool_call_id"] is { } toolCallId)
        {
            rendered["tool_call_id"] = render(toolCallId);
        }

        return rendered;
    }

    private static JsonObject ChoiceTool(JsonObject choiceScores, bool useCot)
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        if (useCot)
        {
            properties["reasons"] = new JsonObject
            {
                ["description"] = "Write out in a step by step manner your reasoning to be sure that your conclusion is correct. Avoid simply stating the correct answer at the outset.",
                ["title"] = "Reasoning",
                ["type"] = "string",
            };
            required.Add("reasons");
        }

        properties["choice"] = new JsonObject
        {
            ["description"] = "The choice",
            ["title"] = "Choice",
            ["type"] = "string",
            ["enum"] = new JsonArray([.. choiceScores.Select(p => (JsonNode)p.Key)]),
        };
        required.Add("choice");
        return new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject
            {
                ["name"] = SelectChoice,
                ["description"] = "Call this function to select a choice.",
                ["parameters"] = new JsonObject { ["type"] = "object", ["properties"] = properties, ["required"] = required },
            },
        };
    }
}
