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
        if (XactId.TryParse(text, out var xact))
        {
            return xact;
        }

        if (text.Length == 16 && ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var pretty))
        {
            return unchecked((long)(pretty * PrettyInverse));
        }

        throw ApiException.BadRequest($"{parameter}: '{text}' is not a version (an _xact_id such as 1000192656880881099, or 16 hex digits)");
    }

    /// <summary>
    /// The version a read of <paramref name="objectId"/> asks for, or null for the latest. An environment that
    /// pins nothing for the object is a 404.
    /// </summary>
    public static async Task<long?> RequestedAsync(
        ObjectKind kind, HttpRequest request, Principal principal, ObjectStore store, string objectId)
    {
        var version = QueryArgs.Single(request, "version");
        var environment = QueryArgs.Single(request, "environment");
        if (version is not null && environment is not null)
        {
            ApiException.ThrowBadRequest("version, environment: pass only one of them");
        }

        if (version is not null)
        {
            return Parse(version, "version");
        }

        if (environment is null)
        {
            return null;
        }

        var env = await store.GetByNaturalKeyAsync(principal.OrgId, ObjectKinds.Environment.Name, principal.OrgId, environment)
            ?? throw ApiException.BadRequest($"environment: no environment with slug '{environment}' in this organization");
        return await store.GetAssignmentAsync(principal.OrgId, kind.Name, objectId, env.Id)
            ?? throw ApiException.NotFound($"environment: '{environment}' pins no version of {kind.Name} '{objectId}'");
    }

    /// <summary>Whether the request asks for a version at all.</summary>
    public static bool IsRequested(HttpRequest request) =>
        QueryArgs.Single(request, "version") is not null || QueryArgs.Single(request, "environment") is not null;
}
