using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.Http;

namespace Braid.Server.Proxy;

/// <summary>
/// A proxy request's body. The fields that steer the call are read in one pass over the bytes, which also checks that
/// they are JSON; the document is built only when something needs all of it (a conversion to Anthropic or Gemini, or a
/// span), since an OpenAI-compatible provider is sent the caller's bytes as they are.
/// </summary>
public sealed class ProxyBody
{
    private static readonly JsonDocumentOptions NoDuplicates = new() { AllowDuplicateProperties = false };

    private JsonObject? _object;

    private ProxyBody(ArraySegment<byte> bytes) => Bytes = bytes;

    public ArraySegment<byte> Bytes { get; }

    /// <summary><c>model</c> when it is a string.</summary>
    public string? Model { get; private set; }

    /// <summary><c>"stream": true</c>.</summary>
    public bool Stream { get; private set; }

    /// <summary>A non-null <c>messages</c>: a chat request.</summary>
    public bool HasMessages { get; private set; }

    /// <summary><c>"temperature": 0</c>, which makes a request deterministic for the cache.</summary>
    public bool ZeroTemperature { get; private set; }

    /// <summary>A non-null <c>seed</c>, which makes a request deterministic for the cache.</summary>
    public bool HasSeed { get; private set; }

    /// <summary>The whole body as a document; a 400 when it names a property twice.</summary>
    public JsonObject Object
    {
        get
        {
            if (_object is null)
            {
                try
                {
                    _object = (JsonObject)JsonNode.Parse(Bytes, documentOptions: NoDuplicates)!;
                }
                catch (JsonException e)
                {
                    throw ApiException.BadRequest($"the request body is not valid JSON: {e.Message}");
                }
            }

            return _object;
        }
    }

    /// <summary>A body the server writes itself (prompt functions and scorers call models through the proxy's code).</summary>
    public static ProxyBody Of(JsonObject document)
    {
        var body = Read(JsonSerializer.SerializeToUtf8Bytes(document));
        body._object = document;
        return body;
    }

    /// <summary>Reads the steering fields, or a 400 when the body is not a JSON object or names one of them twice.</summary>
    public static ProxyBody Read(ArraySegment<byte> bytes)
    {
        var body = new ProxyBody(bytes);
        var reader = new Utf8JsonReader(bytes);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                // Not an object; whether it is JSON at all decides which 400.
                using var _ = JsonDocument.Parse(bytes);
                throw ApiException.BadRequest("the request body must be a JSON object");
            }

            var seen = Field.None;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = reader.ValueTextEquals("model"u8) ? Field.Model
                    : reader.ValueTextEquals("stream"u8) ? Field.Stream
                    : reader.ValueTextEquals("messages"u8) ? Field.Messages
                    : reader.ValueTextEquals("temperature"u8) ? Field.Temperature
                    : reader.ValueTextEquals("seed"u8) ? Field.Seed
                    : Field.None;
                if ((seen & field) != 0)
                {
                    throw ApiException.BadRequest($"the request body names '{reader.GetString()}' twice");
                }

                seen |= field;
                reader.Read();
                var isNull = reader.TokenType == JsonTokenType.Null;
                switch (field)
                {
                    case Field.Model when reader.TokenType == JsonTokenType.String:
                        body.Model = reader.GetString();
                        break;
                    case Field.Stream:
                        body.Stream = reader.TokenType == JsonTokenType.True;
                        break;
                    case Field.Messages:
                        body.HasMessages = !isNull;
                        break;
                    case Field.Temperature:
                        body.ZeroTemperature = reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var temperature) && temperature == 0;
                        break;
                    case Field.Seed:
                        body.HasSeed = !isNull;
                        break;
                }

                // Skipping a value reads every token of it, so the whole body is checked to be JSON.
                reader.Skip();
            }

            // Anything after the object other than whitespace is not JSON.
            reader.Read();
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the request body is not valid JSON: {e.Message}");
        }

        return body;
    }

    [Flags]
    private enum Field
    {
        None = 0,
        Model = 1,
        Stream = 2,
        Messages = 4,
        Temperature = 8,
        Seed = 16,
    }
}
