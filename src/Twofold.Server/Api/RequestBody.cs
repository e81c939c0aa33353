using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Twofold.Server.Api;

/// <summary>
/// Reads a JSON request body, turning every way it can be wrong into an RFC 7807 problem that names the field:
/// wrong content type (415), a body over the size limit (413), malformed JSON or a wrongly typed or unknown field (400).
/// </summary>
internal static class RequestBody
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    public static async Task<(T? Value, IResult? Problem)> Read<T>(HttpRequest request, CancellationToken cancellation) where T : class
    {
        if (!request.HasJsonContentType())
            return (null, Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"The body must be JSON (Content-Type: application/json), not '{request.ContentType ?? "none"}'."));
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Json, cancellation);
            return value is null ? (null, Problems.Field("$", "The body is empty (JSON null); an object is expected.")) : (value, null);
        }
        catch (JsonException e)
        {
            // Paths come as $.events[1].user; the validation errors name fields without the root, as events[1].user.
            var field = e.Path is null or "" or "$" ? "$" : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path;
            return (null, Problems.Field(field, $"Malformed JSON: {e.Message}"));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.Status(StatusCodes.Status413PayloadTooLarge, "Request body too large", e.Message));
        }
    }
}

/// <summary>The problem-details responses of the API.</summary>
internal static class Problems
{
    public static IResult Field(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The request is not valid");

    public static IResult Fields(IReadOnlyDictionary<string, List<string>> errors) =>
        Results.ValidationProblem(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()), title: "The request is not valid");

    public static IResult Status(int status, string title, string detail) => Results.Problem(detail: detail, statusCode: status, title: title);

    public static IResult NotFound(string field, string detail) =>
        Results.Problem(detail: detail, statusCode: StatusCodes.Status404NotFound, title: "Not found",
            extensions: new Dictionary<string, object?> { ["field"] = field });
}

/// <summary>Collects field errors; empty means valid.</summary>
internal sealed class Validation
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Valid => _errors.Count == 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
    }

    /// <summary>Requires a value; returns it (default when missing, with the error recorded).</summary>
    public T Required<T>(T? value, string field) where T : struct
    {
        if (value is null) Add(field, "The field is required.");
        return value ?? default;
    }

    public IResult Problem() => Problems.Fields(_errors);
}
