namespace Twofold.Data;

/// <summary>
/// The header every small binary file of the project starts with (a 4-byte magic and a format version), and the one
/// way a wrong, newer or truncated file is reported: an <see cref="InvalidDataException"/> naming the file.
/// </summary>
public static class BinaryFormat
{
    public static void WriteHeader(BinaryWriter writer, uint magic, int version)
    {
        writer.Write(magic);
        writer.Write(version);
    }

    /// <summary>Opens <paramref name="path"/>, checks its header and reads the rest with <paramref name="read"/>.</summary>
    /// <param name="what">What the file holds, for messages ("neighbour-list", "interaction graph", ...).</param>
    public static T Read<T>(string path, uint magic, int version, string what, Func<BinaryReader, T> read)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, path, magic, version, what, read);
    }

    public static T Read<T>(Stream stream, string source, uint magic, int version, string what, Func<BinaryReader, T> read)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            if (reader.ReadUInt32() != magic) throw new InvalidDataException($"{source}: not a {what} file.");
            var found = reader.ReadInt32();
            if (found != version) throw new InvalidDataException($"{source}: {what} format version {found} is not supported (expected {version}).");
            var value = read(reader);
            if (stream.CanSeek && stream.Position != stream.Length) throw new InvalidDataException($"{source}: unexpected bytes after the {what}.");
            return value;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{source}: the {what} file is truncated.", e);
        }
    }
}
