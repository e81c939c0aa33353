using System.Text.Json;

namespace Twofold.Data;

/// <summary>The JSON settings every manifest and report of the project uses.</summary>
public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = false,
    };
}
