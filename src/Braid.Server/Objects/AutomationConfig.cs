using System.Text.Json.Nodes;
using Braid.Query.Syntax;
using Braid.Server.Automations.Alerts;
using Braid.Server.Functions.Templates;
using Braid.Server.Http;
using Braid.Server.Query;
using static Braid.Server.Objects.FieldUse;

namespace Braid.Server.Objects;

/// <summary>
/// Checks a project automation's <c>config</c>, a union keyed by <c>event_type</c> (inventory §3.11): the fields each
/// event type requires, their types, enums and ranges. Nested unions (actions, credentials, export definitions)
/// are checked by their <c>type</c>. Running automations is another concern; this only keeps bad configs out.
/// </summary>
public static class AutomationConfig
{
    private static readonly Field Interval = new("interval_seconds", FieldType.Number, Required);
    private static readonly Field Status = new("status", FieldType.Enum, Create, Values: ["active", "paused"]);

    private static readonly Dictionary<string, Field[]> Rules = new(StringComparer.Ordinal)
    {
        ["logs"] = [new("btql_filter", FieldType.String, Required), Interval, new("action", FieldType.Object, Required)],
        ["btql_export"] =
        [
            Status, new("export_definition", FieldType.Object, Required), new("export_path", FieldType.String, Required, NonEmpty: true),
            new("format", FieldType.Enum, Required, Values: ["jsonl", "parquet"]), Interval,
            new("credentials", FieldType.Object, Required), new("batch_size", FieldType.Number, Create),
        ],
        ["async_query"] =
        [
            Status, new("created_by_user_id", FieldType.Uuid, Required),
            new("object_type", FieldType.Enum, Required, Values: ["project_logs", "experiment", "dataset", "playground_logs"]),
            new("object_id", FieldType.String, Required), new("query", FieldType.String, Required),
            new("format", FieldType.Enum, Required, Values: ["jsonl"]), new("batch_size", FieldType.Integer, Create),
        ],
        ["retention"] =
        [
            new("object_type", FieldType.Enum, Required, Values: ["project_logs", "experiment", "dataset"]),
            new("retention_days", FieldType.Number, Required),
        ],
        ["environment_update"] = [new("environment_filter", FieldType.StringArray, Create), new("action", FieldType.Object, Required)],
        ["topic"] =
        [
            Status, new("sampling_rate", FieldType.Number, Required), new("facet_functions", FieldType.ObjectArray, Required),
            new("topic_map_functions", FieldType.ObjectArray, Required),
        ],
        ["topic_digest"] = [Status, new("scheduled_time_minutes_utc", FieldType.Integer, Required), new("action", FieldType.Object, Required)],
    };

    // Each nested union: its discriminator values and the fields each one requires.
    private static readonly Dictionary<string, Dictionary<string, string[]>> Unions = new(StringComparer.Ordinal)
    {
        ["action"] = new() { ["webhook"] = ["url"], ["slack"] = ["workspace_id", "channel"] },
        ["export_definition"] = new() { ["log_traces"] = [], ["log_spans"] = [], ["btql_query"] = ["btql_query"] },
        ["credentials"] = new() { ["aws_iam"] = ["role_arn"], ["gcp_service_account"] = ["service_account_email"] },
    };

    public static void Check(JsonObject config)
    {
        var eventType = JsonBody.Text(config["event_type"]);
        if (eventType is null || !Rules.TryGetValue(eventType, out var fields))
        {
            throw ApiException.BadRequest($"config.event_type: must be one of {string.Join(", ", Rules.Keys)}");
        }

        foreach (var field in fields)
        {
            var named = field with { Name = "config." + field.Name };
            if (config[field.Name] is not { } value)
            {
                if (field.Has(Required))
                {
                    ApiException.ThrowBadRequest($"{named.Name}: is required for event_type '{eventType}'");
                }

                continue;
            }

            FieldValidation.Check(named, value);
            if (Unions.TryGetValue(field.Name, out var union))
            {
                CheckUnion(named.Name, value.AsObject(), union, eventType);
            }
        }

        Range(config, "interval_seconds", 1, 2_592_000);
        Range(config, "retention_days", 0, double.MaxValue);
        Range(config, "sampling_rate", 0, 1);
        Range(config, "scheduled_time_minutes_utc", 0, 1439);
        Range(config, "batch_size", 1, eventType == "async_query" ? 100_000 : double.MaxValue);
        CheckAlert(config);
    }

    // What an alert needs to be sent at all, checked now rather than failing at every run: a filter that parses, a
    // webhook URL it can POST to, a Slack template that renders.
    private static void CheckAlert(JsonObject config)
    {
        if (JsonBody.Text(config["event_type"]) == "logs" && JsonBody.Text(config["btql_filter"]) is { } filter && !string.IsNullOrWhiteSpace(filter))
        {
            try
            {
                LogFilter.Parse(filter);
            }
            catch (QueryError e)
            {
                ApiException.ThrowBadRequest($"config.btql_filter: {e.Message}");
            }
        }

        if (config["action"] is not JsonObject action)
        {
            return;
        }

        if (JsonBody.Text(action["type"]) == "webhook" && JsonBody.Text(action["url"]) is { } url && !AlertDelivery.IsHttpUrl(url))
        {
            ApiException.ThrowBadRequest($"config.action.url: '{url}' is not an absolute http or https URL");
        }

        if (FieldValidation.Check(new Field("config.action.message_template", FieldType.String, Create), action["message_template"]) is JsonValue template)
        {
            try
            {
                Mustache.Render(template.GetValue<string>(), null, strict: false);
            }
            catch (TemplateException e)
            {
                ApiException.ThrowBadRequest($"config.action.message_template: {e.Message}");
            }
        }
    }

    private static void CheckUnion(string name, JsonObject value, Dictionary<string, string[]> union, string eventType)
    {
        var type = JsonBody.Text(value["type"]);

        // A topic digest posts only to Slack.
        var allowed = name == "config.action" && eventType == "topic_digest" ? ["slack"] : union.Keys.ToArray();
        if (type is null || !allowed.Contains(type))
        {
            ApiException.ThrowBadRequest($"{name}.type: must be one of {string.Join(", ", allowed)}");
        }

        foreach (var required in union[type!])
        {
            FieldValidation.Check(new Field($"{name}.{required}", FieldType.String, Required, NonEmpty: true), value[required]
                ?? throw ApiException.BadRequest($"{name}.{required}: is required for type '{type}'"));
        }
    }

    private static void Range(JsonObject config, string name, double min, double max)
    {
        if (config[name] is JsonValue value && value.TryGetValue<double>(out var n) && (n < min || n > max))
        {
            ApiException.ThrowBadRequest($"config.{name}: {n} is out of range ({min}..{(max == double.MaxValue ? "" : max)})");
        }
    }
}
