using System.Text.Json.Nodes;
using Braid.Storage;

namespace Braid.Server.Tests.Storage;

public sealed class ClockTests
{
    [Theory]
    [InlineData("\"2024-01-02T03:04:05+02:00\"", "2024-01-02T01:04:05.000Z")]
    [InlineData("\"2024-01-02T03:04:05.123456Z\"", "2024-01-02T03:04:05.123Z")]
    [InlineData("\"2024-01-02T03:04:05\"", "2024-01-02T03:04:05.000Z")]
    [InlineData("\"2024-01-02\"", "2024-01-02T00:00:00.000Z")]
    [InlineData("\"yesterday\"", "yesterday")]
    [InlineData("5", null)]
    [InlineData("null", null)]
    public void NormalizeCreated_FoldsDateTimesToUtcMilliseconds_AndKeepsOtherText(string json, string? expected) =>
        Assert.Equal(expected, Clock.NormalizeCreated(JsonNode.Parse(json)));
}
