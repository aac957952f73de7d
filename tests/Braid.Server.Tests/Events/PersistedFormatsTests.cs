using Braid.Storage.Xact;

namespace Braid.Server.Tests.Events;

/// <summary>Transaction ids and fetch cursors live on in clients' hands and in stored rows: their encodings never change.</summary>
public sealed class PersistedFormatsTests
{
    [Fact]
    public void XactId_EncodingIsPinned()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);
        var first = XactId.Next(0, at);
        Assert.Equal("1117309440000000000", XactId.Format(first));
        Assert.Equal(at, XactId.Time(first));
        Assert.Equal("1117309440000000001", XactId.Format(XactId.Next(first, at)));
        Assert.Equal("1117309440000000001", XactId.Format(XactId.Next(first, at.AddSeconds(-5))));
        Assert.Equal("1117309440000065536", XactId.Format(XactId.Next(first, at.AddMilliseconds(1))));
        Assert.True(XactId.TryParse("1117309440000000000", out var parsed) && parsed == first);
        Assert.False(XactId.TryParse("-1", out _));
        Assert.False(XactId.TryParse("11173095707033600000", out _));
    }

    [Fact]
    public void FetchCursor_V1TokensStillDecode()
    {
        const string token = "eyJ2IjoxLCJ4IjoiMTExNzMwOTU3MDcwMzM2MDAwMCIsInIiOiJ0cmFjZS0xIiwicyI6bnVsbH0";
        Assert.Equal(new FetchCursor(1117309570703360000, "trace-1", null), FetchCursor.TryDecode(token));
        Assert.Equal(token, new FetchCursor(1117309570703360000, "trace-1", null).Encode());

        var versioned = new FetchCursor(1117309570703360000, "r", 1117309570703360005);
        Assert.Equal(versioned, FetchCursor.TryDecode(versioned.Encode()));
        Assert.Null(FetchCursor.TryDecode("garbage"));
        Assert.Null(FetchCursor.TryDecode("eyJ2IjoyfQ"));
    }
}
