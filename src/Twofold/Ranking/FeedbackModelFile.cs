using System.Security.Cryptography;
using System.Text.Json;
using Twofold.Data;
using Twofold.Models;

namespace Twofold.Ranking;

/// <summary>
/// The file of a <see cref="FeedbackModel"/>: a header (magic, format version, payload length), the payload (options
/// as JSON, table sizes, the <see cref="ItemFeatureTable"/>, the network parameters) and a SHA-256 of the payload.
/// Loading checks the header, the checksum and every size and id range before building the network, so a truncated,
/// corrupted or foreign file raises <see cref="InvalidDataException"/> naming the file. Written atomically.
/// </summary>
internal static class FeedbackModelFile
{
    private const uint Magic = 0x4D464654; // "TFFM"
    private const int FormatVersion = 1;
    private const int HeaderBytes = 4 + 4 + 8;
    private const int HashBytes = 32;

    public static void Save(FeedbackModel model, string path)
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(JsonSerializer.Serialize(model.Options, JsonDefaults.Indented));
            writer.Write(model.Users);
            writer.Write(model.Creators);
            var table = model.ItemTable;
            writer.Write(table.Genres.Length);
            foreach (var g in table.Genres) writer.Write(g);
            // A grown table's arrays have room past its items: only its own rows are written.
            var items = table.Count;
            WriteArray(writer, table.Creator.AsSpan(0, items));
            WriteArray(writer, table.Genre.AsSpan(0, items));
            WriteArray(writer, table.LogDuration.AsSpan(0, items));
            WriteArray(writer, table.TrainingImpressions.AsSpan(0, items));
            WriteArray(writer, table.Similar.AsSpan(0, items * ItemFeatureTable.SimilarStatistics));
            WriteArray(writer, table.RecentOffsets.AsSpan(0, items + 1));
            WriteArray(writer, table.RecentUsers.AsSpan(0, table.RecentOffsets[items]));
            WriteArray(writer, table.Engagements.AsSpan(0, items));
            ParameterFile.Write(writer, model.Network);
        }
        var bytes = payload.ToArray();
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write((long)bytes.Length);
            writer.Write(bytes);
            writer.Write(SHA256.HashData(bytes));
        });
    }

    public static FeedbackModel Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"The model file {path} does not exist.", path);
        var file = File.ReadAllBytes(path);
        if (file.Length < HeaderBytes + HashBytes) throw new InvalidDataException($"{path}: too short to be a feedback model file ({file.Length} bytes).");
        if (BitConverter.ToUInt32(file, 0) != Magic) throw new InvalidDataException($"{path}: not a feedback model file.");
        var version = BitConverter.ToInt32(file, 4);
        if (version != FormatVersion) throw new InvalidDataException($"{path}: feedback model format version {version} is not supported (this build reads {FormatVersion}).");
        var length = BitConverter.ToInt64(file, 8);
        if (length != file.Length - HeaderBytes - HashBytes)
            throw new InvalidDataException($"{path}: the header announces {length} payload bytes, the file holds {file.Length - HeaderBytes - HashBytes}; it is truncated or damaged.");
        var payload = file.AsSpan(HeaderBytes, (int)length);
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(file.AsSpan(HeaderBytes + (int)length, HashBytes)))
            throw new InvalidDataException($"{path}: the checksum does not match; the file is damaged.");

        using var reader = new BinaryReader(new MemoryStream(file, HeaderBytes, (int)length, writable: false));
        try
        {
            var options = JsonSerializer.Deserialize<FeedbackModelOptions>(reader.ReadString(), JsonDefaults.Indented)
                ?? throw new InvalidDataException($"{path}: the options are missing.");
            options.Validate();
            var users = reader.ReadInt32();
            var creators = reader.ReadInt32();
            var genreCount = reader.ReadInt32();
            if (users < 1 || creators < 1 || genreCount < 0 || genreCount > length)
                throw new InvalidDataException($"{path}: invalid sizes ({users} users, {creators} creators, {genreCount} genres).");
            var genres = new string[genreCount];
            for (var g = 0; g < genreCount; g++) genres[g] = reader.ReadString();
            var creator = ReadInts(reader, path);
            var genre = ReadInts(reader, path);
            var logDuration = ReadFloats(reader, path);
            var impressions = ReadInts(reader, path);
            var similar = ReadFloats(reader, path);
            var offsets = ReadInts(reader, path);
            var recent = ReadInts(reader, path);
            var engagements = ReadInts(reader, path);
            var items = creator.Length;
            if (items < 1 || genre.Length != items || logDuration.Length != items || impressions.Length != items
                || similar.Length != items * ItemFeatureTable.SimilarStatistics || offsets.Length != items + 1 || engagements.Length != items)
                throw new InvalidDataException($"{path}: the item tables do not agree in length.");
            Require(creator.All(c => (uint)c < (uint)creators), path, "an item's creator is out of range");
            Require(genre.All(g => (uint)g < (uint)Math.Max(1, genreCount)), path, "an item's genre is out of range");
            Require(impressions.All(n => n >= 0) && engagements.All(n => n >= 0), path, "negative counts");
            Require(logDuration.All(float.IsFinite) && similar.All(float.IsFinite), path, "non-finite item features");
            Require(offsets[0] == 0 && offsets[^1] == recent.Length && offsets.Zip(offsets.Skip(1)).All(p => p.First <= p.Second), path, "the recent-user offsets are inconsistent");
            Require(recent.All(u => (uint)u < (uint)users), path, "a recent user is out of range");

            var table = new ItemFeatureTable(genres, creator, genre, logDuration, impressions, similar, offsets, recent, engagements);
            var network = new MultiTaskNetwork(FeedbackModel.NetworkConfig(options, users, items, creators, genreCount), options.Seed);
            try
            {
                ParameterFile.Read(reader, network, path);
                if (reader.BaseStream.Position != reader.BaseStream.Length) throw new InvalidDataException($"{path}: unexpected bytes after the parameters.");
            }
            catch
            {
                network.Dispose();
                throw;
            }
            return new FeedbackModel(options, users, creators, table, network);
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"{path}: not a valid feedback model file: {e.Message}", e);
        }
    }

    private static void Require(bool condition, string path, string problem)
    {
        if (!condition) throw new InvalidDataException($"{path}: {problem}.");
    }

    private static void WriteArray<T>(BinaryWriter writer, ReadOnlySpan<T> values) where T : unmanaged
    {
        writer.Write(values.Length);
        writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
    }

    private static int[] ReadInts(BinaryReader reader, string path) => ReadArray<int>(reader, path);
    private static float[] ReadFloats(BinaryReader reader, string path) => ReadArray<float>(reader, path);

    private static T[] ReadArray<T>(BinaryReader reader, string path) where T : unmanaged
    {
        var count = reader.ReadInt32();
        var size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (count < 0 || (long)count * size > reader.BaseStream.Length - reader.BaseStream.Position)
            throw new InvalidDataException($"{path}: an array of {count} entries does not fit in the file.");
        var bytes = reader.ReadBytes(count * size);
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(bytes).ToArray();
    }
}
