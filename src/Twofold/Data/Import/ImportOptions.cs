namespace Twofold.Data.Import;

/// <summary>How an import runs; the same for every source format.</summary>
/// <param name="SkipInvalid">Import the valid rows and count the malformed ones instead of stopping at the first.</param>
/// <param name="Overwrite">Replace an existing output directory (only once the new dataset is complete).</param>
/// <param name="Progress">Called every <see cref="ProgressInterval"/> rows and at the end of each file.</param>
public sealed record ImportOptions(bool SkipInvalid = false, bool Overwrite = false, Action<ImportProgress>? Progress = null)
{
    public int ProgressInterval { get; init; } = 1 << 16;
}

/// <summary>How far an import has got.</summary>
/// <param name="File">The file being read.</param>
/// <param name="FileRows">Rows read from it so far.</param>
/// <param name="TotalRows">Rows read from all files so far.</param>
/// <param name="Skipped">Rows skipped as invalid so far.</param>
/// <param name="FileBytesRead">Approximate bytes of the file consumed.</param>
/// <param name="FileBytes">The file's size.</param>
public readonly record struct ImportProgress(string File, long FileRows, long TotalRows, long Skipped, long FileBytesRead, long FileBytes);

/// <summary>The outcome of an import.</summary>
/// <param name="RowsRead">Data rows read from every input file (logs and entity tables).</param>
public sealed record ImportResult(Dataset Dataset, long RowsRead, SkipReport Skipped);
