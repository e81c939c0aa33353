namespace Twofold.Data.Import;

/// <summary>Finds a dataset's files in the input directory (or its <c>data/</c> subfolder, as the archives unpack).</summary>
public static class InputFiles
{
    public const string DataSubfolder = "data";

    /// <summary>The input directory; an error when it does not exist.</summary>
    public static string RequireDirectory(string input)
    {
        var full = Path.GetFullPath(input);
        if (!Directory.Exists(full)) throw new DirectoryNotFoundException($"Input directory {full} does not exist.");
        return full;
    }

    /// <summary>Files matching <paramref name="pattern"/> in <paramref name="directory"/> and its data/ subfolder, in name order.</summary>
    public static IReadOnlyList<string> Find(string directory, string pattern)
    {
        var found = new List<string>();
        foreach (var dir in new[] { directory, Path.Combine(directory, DataSubfolder) })
            if (Directory.Exists(dir))
                found.AddRange(Directory.EnumerateFiles(dir, pattern));
        return found.OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ThenBy(f => f, StringComparer.Ordinal).ToList();
    }

    /// <summary>The first file named <paramref name="name"/> in the directory or its data/ subfolder, or null.</summary>
    public static string? FindOne(string directory, string name) => Find(directory, name).FirstOrDefault();
}
