using System.Globalization;
using Braid.Server.Http;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;
using Braid.Storage.Xact;

namespace Braid.Server.Objects;

/// <summary>
/// Which version of a versioned object (prompt, function) a read asks for: <c>version</c> (an <c>_xact_id</c>, or the
/// 16-hex form Braintrust shows) or <c>environment</c> (the version an environment pins), never both.
/// </summary>
public static class ObjectVersions
{
    // Braintrust displays a version as its _xact_id multiplied by an odd constant modulo 2^64, in 16 hex digits.
    // Multiplying by the constant's inverse modulo 2^64 gives the _xact_id back, so both spellings name one version.
    private const ulong PrettyFactor = 205891132094649;
    private const ulong PrettyInverse = 1522336535492693385;

    /// <summary>The 16-hex display form of a version.</summary>
    public static string Pretty(long xact) => unchecked((ulong)xact * PrettyFactor).ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>A version in either spelling; a 400 naming <paramref name="parameter"/> otherwise.</summary>
    public static long Parse(string text, string parameter)
    {
        // Sixteen characters are always the hex form, as in Braintrust: a pretty version may happen to be all
        // digits, and no _xact_id is that short.
        if (text.Length == 16)
        {
            // Hex that decodes past 2^63 names no _xact_id.
            if (ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var pretty) &&
                unchecked((long)(pretty * PrettyInverse)) is > 0 and var decoded)
            {
                return decoded;
            }
        }
        else if (XactId.TryParse(text, out var xact))
        {
            return xact;
        }

        throw ApiException.BadRequest($"{parameter}: '{text}' is not a version (an _xact_id such as 1000192656880881099, or 16 hex digits)");
    }

    /// <summary>
    /// The version a read of <paramref name="objectId"/> asks for, or null for the latest. An environment that
    /// pins nothing for the object is a 404.
    /// </summary>
    public static Task<long?> RequestedAsync(
        ObjectKind kind, HttpRequest request, Principal principal, ObjectStore store, string objectId) =>
        PinnedAsync(kind, Version(request), QueryArgs.Single(request, "environment"), principal, store, objectId);

    /// <summary>
    /// The version <paramref name="version"/> or <paramref name="environment"/> pins for <paramref name="objectId"/>, or
    /// null for the latest; <paramref name="at"/> prefixes the field in errors (a request body's path).
    /// </summary>
    public static async Task<long?> PinnedAsync(
        ObjectKind kind, long? version, string? environment, Principal principal, ObjectStore store, string objectId, string at = "")
    {
        if (version is not null || environment is null)
        {
            return version;
        }

        var env = await store.GetByNaturalKeyAsync(principal.OrgId, ObjectKinds.Environment.Name, principal.OrgId, environment)
            ?? throw ApiException.BadRequest($"{at}environment: no environment with slug '{environment}' in this organization");
        return await store.GetAssignmentAsync(principal.OrgId, kind.Name, objectId, env.Id)
            ?? throw ApiException.NotFound($"{at}environment: '{environment}' pins no version of {kind.Name} '{objectId}'");
    }

    /// <summary>The <c>version</c> a request names, or null; naming an <c>environment</c> too is a 400.</summary>
    public static long? Version(HttpRequest request)
    {
        var version = QueryArgs.Single(request, "version");
        if (version is not null && QueryArgs.Single(request, "environment") is not null)
        {
            ApiException.ThrowBadRequest("version, environment: pass only one of them");
        }

        return version is null ? null : Parse(version, "version");
    }

    /// <summary>Whether the request asks for a version at all.</summary>
    public static bool IsRequested(HttpRequest request) =>
        QueryArgs.Single(request, "version") is not null || QueryArgs.Single(request, "environment") is not null;
}
