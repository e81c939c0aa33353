namespace Twofold.Data;

/// <summary>
/// <c>dataset.json</c>: what a dataset directory holds and where it came from.
/// </summary>
/// <param name="Format">Always <see cref="FormatName"/>.</param>
/// <param name="Source">Where the data came from: <c>kuairand</c>, <c>kuairec</c>, <c>movielens</c>, <c>world</c>, ...</param>
/// <param name="Notes">Free-form facts about the conversion (input files, skipped rows, generator settings).</param>
public sealed record DatasetManifest(
    string Format,
    int SchemaVersion,
    string Source,
    int Users,
    int Items,
    int Creators,
    long Interactions,
    IReadOnlyDictionary<string, string> Notes)
{
    public const string FormatName = "twofold-dataset";
    public const int CurrentSchemaVersion = 1;
    public const string FileName = "dataset.json";
}
