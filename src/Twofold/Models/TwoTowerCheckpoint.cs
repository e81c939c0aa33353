using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Twofold.Data;

namespace Twofold.Models;

/// <summary>
/// The file format of a <see cref="TwoTowerModel"/>, little-endian:
/// <code>
/// "TWOFOLD-TWOTOWER" (16 ASCII bytes), int32 version (1)
/// int32 header length, header (UTF-8 JSON: options, user/item/creator/genre counts, report)
/// int32[ItemCount] item creators, int32[ItemCount] item genres
/// int32 parameter count, then per parameter: string name, int32 rank, int64[rank] shape, float32[numel] values
/// float32[UserCount × d] user embeddings, float32[ItemCount × d] item embeddings
/// "END" (3 ASCII bytes)
/// </code>
/// Written atomically (temporary file, then rename). Loading checks the magic, the version, the header, every size
/// against the header and the end marker, and reports the first problem with the file name.
/// </summary>
public static class TwoTowerCheckpoint
{
    public const string Magic = "TWOFOLD-TWOTOWER";
    public const int Version = 1;
    private const string EndMarker = "END";

    private static readonly JsonSerializerOptions Json = new(JsonDefaults.Indented)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    private sealed record Header(TwoTowerOptions Options, int UserCount, int ItemCount, int CreatorCount, int GenreCount, TwoTowerReport Report);

    public static void Save(TwoTowerModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var header = JsonSerializer.SerializeToUtf8Bytes(
            new Header(model.Options, model.UserCount, model.ItemCount, model.CreatorCount, model.GenreCount, model.Report), Json);
        AtomicFile.Write(path, stream =>
        {
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            w.Write(Encoding.ASCII.GetBytes(Magic));
            w.Write(Version);
            w.Write(header.Length);
            w.Write(header);
            WriteInts(w, model.ItemCreators);
            WriteInts(w, model.ItemGenres);
            w.Write(model.Parameters.Count);
            foreach (var p in model.Parameters)
            {
                w.Write(p.Name);
                w.Write(p.Shape.Length);
                foreach (var s in p.Shape) w.Write(s);
                WriteFloats(w, p.Values);
            }
            WriteFloats(w, model.UserEmbeddings.Span);
            WriteFloats(w, model.ItemEmbeddings.Span);
            w.Write(Encoding.ASCII.GetBytes(EndMarker));
        });
    }

    public static TwoTowerModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"The two-tower checkpoint {path} does not exist.", path);
        using var stream = File.OpenRead(path);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            var magic = Encoding.ASCII.GetString(r.ReadBytes(Magic.Length));
            if (magic != Magic) throw Bad(path, $"not a two-tower checkpoint (expected the magic '{Magic}')");
            var version = r.ReadInt32();
            if (version != Version) throw Bad(path, $"checkpoint version {version} is not supported (this build reads version {Version})");
            var headerLength = r.ReadInt32();
            if (headerLength <= 0 || headerLength > stream.Length - stream.Position) throw Bad(path, $"header length {headerLength} is impossible");
            Header header;
            try
            {
                header = JsonSerializer.Deserialize<Header>(r.ReadBytes(headerLength), Json) ?? throw Bad(path, "the header is empty");
                header.Options.Validate();
            }
            catch (Exception e) when (e is JsonException or ArgumentException)
            {
                throw new DataFormatException(path, $"the header is not valid: {e.Message}", inner: e);
            }
            if (header.UserCount < 1 || header.ItemCount < 1 || header.CreatorCount < 1 || header.GenreCount < 1)
                throw Bad(path, "the header's counts must be positive");
            var d = header.Options.OutputDim;
            var creators = ReadInts(r, header.ItemCount, header.CreatorCount, path, "item creators");
            var genres = ReadInts(r, header.ItemCount, header.GenreCount, path, "item genres");
            var parameterCount = r.ReadInt32();
            if (parameterCount is < 0 or > 1024) throw Bad(path, $"parameter count {parameterCount} is impossible");
            var parameters = new List<TwoTowerParameter>(parameterCount);
            for (var k = 0; k < parameterCount; k++)
            {
                var name = r.ReadString();
                var rank = r.ReadInt32();
                if (rank is < 1 or > 8) throw Bad(path, $"parameter '{name}' has impossible rank {rank}");
                var shape = new long[rank];
                long numel = 1;
                for (var s = 0; s < rank; s++)
                {
                    shape[s] = r.ReadInt64();
                    if (shape[s] < 1 || shape[s] > int.MaxValue) throw Bad(path, $"parameter '{name}' has impossible size {shape[s]}");
                    numel = checked(numel * shape[s]);
                }
                parameters.Add(new TwoTowerParameter(name, shape, ReadFloats(r, numel, path, $"parameter '{name}'")));
            }
            var users = ReadFloats(r, (long)header.UserCount * d, path, "user embeddings");
            var items = ReadFloats(r, (long)header.ItemCount * d, path, "item embeddings");
            if (Encoding.ASCII.GetString(r.ReadBytes(EndMarker.Length)) != EndMarker || stream.Position != stream.Length)
                throw Bad(path, "the end marker is missing or followed by extra bytes");
            return new TwoTowerModel(header.Options, header.UserCount, header.ItemCount, header.CreatorCount, header.GenreCount,
                creators, genres, parameters, users, items, header.Report);
        }
        catch (EndOfStreamException e)
        {
            throw new DataFormatException(path, "the checkpoint is truncated", inner: e);
        }
    }

    private static void WriteInts(BinaryWriter w, ReadOnlySpan<int> values)
    {
        foreach (var v in values) w.Write(v);
    }

    private static void WriteFloats(BinaryWriter w, ReadOnlySpan<float> values) =>
        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));

    private static int[] ReadInts(BinaryReader r, int count, int bound, string path, string what)
    {
        var values = new int[count];
        for (var k = 0; k < count; k++)
        {
            values[k] = r.ReadInt32();
            if ((uint)values[k] >= (uint)bound) throw Bad(path, $"{what}[{k}] = {values[k]} is outside [0, {bound})");
        }
        return values;
    }

    private static float[] ReadFloats(BinaryReader r, long count, string path, string what)
    {
        if (count * 4 > r.BaseStream.Length - r.BaseStream.Position) throw Bad(path, $"the checkpoint is truncated in the {what}");
        var values = new float[count];
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan());
        if (r.Read(bytes) != bytes.Length) throw Bad(path, $"the checkpoint is truncated in the {what}");
        return values;
    }

    private static DataFormatException Bad(string path, string problem) => new(path, problem);
}
