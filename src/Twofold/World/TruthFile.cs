using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Twofold.Data;

namespace Twofold.World;

/// <summary>
/// The ground-truth table format: a little-endian binary file of named, fixed-width columns.
/// </summary>
/// <remarks>
/// Layout: magic "TWFT" (4 ASCII bytes), format version (int32, currently 1), row count (int64), column count (int32);
/// then per column: name (int32 byte length + UTF-8), element type (byte: 1 = float32, 2 = int32, 3 = int64,
/// 4 = uint8), width (int32, values per row), and rows × width values. Written atomically.
/// </remarks>
public static class TruthFile
{
    public const int Version = 1;
    private static readonly byte[] Magic = "TWFT"u8.ToArray();

    private enum ElementType : byte { Float32 = 1, Int32 = 2, Int64 = 3, UInt8 = 4 }

    /// <summary>A column to write: its name, values (float[], int[], long[] or byte[]) and values per row.</summary>
    public readonly record struct Column(string Name, Array Values, int Width = 1);

    public static void Write(string path, long rows, IReadOnlyList<Column> columns)
    {
        AtomicFile.Write(path, stream =>
        {
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Ground truth is written on little-endian machines only.");
            w.Write(Magic);
            w.Write(Version);
            w.Write(rows);
            w.Write(columns.Count);
            foreach (var column in columns)
            {
                if (column.Values.LongLength != rows * column.Width)
                    throw new ArgumentException($"Column {column.Name} has {column.Values.LongLength} values, not {rows} × {column.Width}.");
                var name = Encoding.UTF8.GetBytes(column.Name);
                w.Write(name.Length);
                w.Write(name);
                var (type, bytes) = column.Values switch
                {
                    float[] f => (ElementType.Float32, MemoryMarshal.AsBytes(f.AsSpan()).ToArray()),
                    int[] i => (ElementType.Int32, MemoryMarshal.AsBytes(i.AsSpan()).ToArray()),
                    long[] l => (ElementType.Int64, MemoryMarshal.AsBytes(l.AsSpan()).ToArray()),
                    byte[] b => (ElementType.UInt8, b),
                    _ => throw new ArgumentException($"Column {column.Name}: unsupported element type {column.Values.GetType().Name}."),
                };
                w.Write((byte)type);
                w.Write(column.Width);
                w.Write(bytes);
            }
        });
    }

    /// <summary>Reads every column of a file, by name.</summary>
    public static (long Rows, Dictionary<string, Array> Columns) Read(string path)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, "the ground-truth file is missing");
        using var stream = File.OpenRead(path);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (!r.ReadBytes(4).AsSpan().SequenceEqual(Magic)) throw new DataFormatException(path, "not a ground-truth file (bad magic)");
            var version = r.ReadInt32();
            if (version != Version) throw new DataFormatException(path, $"ground-truth format version {version} is not supported (this build reads {Version})");
            var rows = r.ReadInt64();
            var count = r.ReadInt32();
            if (rows < 0 || count < 0) throw new DataFormatException(path, "negative row or column count");
            var columns = new Dictionary<string, Array>(StringComparer.Ordinal);
            for (var c = 0; c < count; c++)
            {
                var name = Encoding.UTF8.GetString(r.ReadBytes(r.ReadInt32()));
                var type = (ElementType)r.ReadByte();
                var width = r.ReadInt32();
                var n = checked((int)(rows * width));
                Array values = type switch
                {
                    ElementType.Float32 => new float[n],
                    ElementType.Int32 => new int[n],
                    ElementType.Int64 => new long[n],
                    ElementType.UInt8 => new byte[n],
                    _ => throw new DataFormatException(path, $"column {name} has unknown element type {(byte)type}"),
                };
                var bytes = values switch
                {
                    float[] f => MemoryMarshal.AsBytes(f.AsSpan()),
                    int[] i => MemoryMarshal.AsBytes(i.AsSpan()),
                    long[] l => MemoryMarshal.AsBytes(l.AsSpan()),
                    _ => ((byte[])values).AsSpan(),
                };
                if (stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) != bytes.Length)
                    throw new DataFormatException(path, $"column {name} is truncated");
                columns[name] = values;
            }
            return (rows, columns);
        }
        catch (EndOfStreamException e)
        {
            throw new DataFormatException(path, "the ground-truth file is truncated", inner: e);
        }
    }

    internal static T Get<T>(Dictionary<string, Array> columns, string name, string path) where T : class =>
        columns.TryGetValue(name, out var v) && v is T t ? t : throw new DataFormatException(path, $"column {name} is missing or has the wrong type");
}

/// <summary>
/// Daily activity ground truth, streamed day by day: header magic "TWFA", version (int32), users (int32), days
/// (int32, patched when the file is completed); then per day: users × uint8 visited, users × float32 visit probability.
/// </summary>
public sealed class ActivityTruthWriter : IDisposable
{
    public const string FileName = "activity.bin";
    internal static readonly byte[] Magic = "TWFA"u8.ToArray();
    private readonly FileStream _stream;
    private readonly int _users;
    private int _days;

    public ActivityTruthWriter(string path, int users)
    {
        _users = users;
        _stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        _stream.Write(Magic);
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteInt32LittleEndian(header, TruthFile.Version);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], users);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], 0);
        _stream.Write(header);
    }

    public void AppendDay(ReadOnlySpan<bool> visited, ReadOnlySpan<float> probability)
    {
        _stream.Write(MemoryMarshal.AsBytes(visited[.._users]));
        _stream.Write(MemoryMarshal.AsBytes(probability[.._users]));
        _days++;
    }

    public void Complete()
    {
        _stream.Position = 12;
        Span<byte> days = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(days, _days);
        _stream.Write(days);
        _stream.Flush(flushToDisk: true);
    }

    public void Dispose() => _stream.Dispose();
}
