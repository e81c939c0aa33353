using System.Runtime.InteropServices;
using System.Text;
using Twofold.Data;

namespace Twofold.Vectors;

public sealed unsafe partial class HnswIndex
{
    /// <summary>File magic: "TFHNSW" followed by two zero bytes.</summary>
    private static readonly byte[] Magic = "TFHNSW\0\0"u8.ToArray();

    /// <summary>Footer magic, written after the payload and before the checksum.</summary>
    private static readonly byte[] EndMagic = "TFHNSEND"u8.ToArray();

    /// <summary>Version of the binary format written by <see cref="Save"/>.</summary>
    /// <remarks>Version 2 added the graph calibration and the options that use it; version 1 files still load (uncalibrated).</remarks>
    public const int FormatVersion = 2;

    /// <summary>
    /// Writes the index to <paramref name="path"/> atomically (temp file + rename). Format (little-endian): magic,
    /// version, header (options, counts, entry point, transform norm, generator state, graph calibration), then vectors, link coordinates (transform or cosine metrics only), levels, tombstones, layer-0 links, upper-layer links, the end magic and an FNV-1a 64 checksum
    /// of everything before it. See docs/ann.md.
    /// </summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _lock.EnterReadLock();
        try
        {
            AtomicFile.Write(path, stream =>
            {
                var hashing = new HashingStream(stream);
                using (var w = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
                {
                    w.Write(Magic);
                    w.Write(FormatVersion);
                    w.Write(Dimension);
                    w.Write(_nodeCount);
                    w.Write(_deletedCount);
                    w.Write(_entry);
                    w.Write(_topLevel);
                    w.Write(_maxNorm2);
                    w.Write(_rng);
                    w.Write(Options.M);
                    w.Write(Options.EfConstruction);
                    w.Write(Options.EfSearch);
                    w.Write(Options.Seed);
                    w.Write(Options.ExactScanBelow);
                    w.Write((int)Options.LinkMetric);
                    w.Write((sbyte)(Options.KeepPrunedConnections is { } keep ? (keep ? 1 : 0) : -1));
                    w.Write(Options.CosineLinks);
                    w.Write(_keepPruned);
                    w.Write(Options.MinGraphRecall);
                    w.Write(Options.CalibrationQueries);
                    WriteCalibration(w, _calibration);
                    w.Flush();
                    for (int i = 0; i < _nodeCount; i++) WriteSpan(hashing, new ReadOnlySpan<float>(Vector(i), Dimension));
                    if (_hasExtra) WriteSpan(hashing, _extra.AsSpan(0, _nodeCount));
                    hashing.Write(_levels, 0, _nodeCount);
                    WriteSpan(hashing, _deleted.AsSpan(0, (_nodeCount + 63) >> 6));
                    WriteSpan(hashing, _links0.AsSpan(0, _nodeCount * (_m0 + 1)));
                    for (int i = 0; i < _nodeCount; i++) if (_levels[i] > 0) WriteSpan(hashing, _upperPool.AsSpan(_upperOffset[i], _levels[i] * (_m + 1)));
                    hashing.Write(EndMagic);
                }
                Span<byte> checksum = stackalloc byte[8];
                BitConverter.TryWriteBytes(checksum, hashing.Hash);
                stream.Write(checksum);
            });
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>Reads an index written by <see cref="Save"/>; a file that is not one, has another version, is truncated or corrupt gives an <see cref="InvalidDataException"/> naming it.</summary>
    public static HnswIndex Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            return Read(file, path);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: truncated HNSW index file (ended after {file.Position} of the expected bytes).");
        }
    }

    private static HnswIndex Read(FileStream file, string path)
    {
        var hashing = new HashingStream(file);
        using var r = new BinaryReader(hashing, Encoding.UTF8, leaveOpen: true);
        var magic = r.ReadBytes(Magic.Length);
        if (magic.Length < Magic.Length) throw new EndOfStreamException();
        if (!magic.AsSpan().SequenceEqual(Magic)) throw new InvalidDataException($"{path}: not a Twofold HNSW index (bad magic).");
        int version = r.ReadInt32();
        if (version is < 1 or > FormatVersion) throw new InvalidDataException($"{path}: unsupported HNSW index format version {version} (this build reads versions 1 to {FormatVersion}).");
        int dimension = r.ReadInt32(), nodeCount = r.ReadInt32(), deletedCount = r.ReadInt32(), entry = r.ReadInt32(), topLevel = r.ReadInt32();
        float maxNorm2 = r.ReadSingle();
        ulong rng = r.ReadUInt64();
        HnswOptions options;
        bool keepPruned;
        GraphCalibration? calibration = null;
        try
        {
            options = new HnswOptions
            {
                M = r.ReadInt32(), EfConstruction = r.ReadInt32(), EfSearch = r.ReadInt32(), Seed = r.ReadInt32(),
                ExactScanBelow = r.ReadDouble(), LinkMetric = (LinkMetric)r.ReadInt32(), KeepPrunedConnections = r.ReadSByte() switch { 1 => true, 0 => false, _ => null }, CosineLinks = r.ReadInt32(),
            };
            keepPruned = r.ReadBoolean();
            if (version >= 2)
            {
                options = options with { MinGraphRecall = r.ReadDouble(), CalibrationQueries = r.ReadInt32() };
                calibration = ReadCalibration(r);
            }
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: corrupt HNSW index header ({e.Message}).");
        }
        long expectedVectors = (long)nodeCount * dimension * sizeof(float);
        if (dimension <= 0 || dimension > 1 << 16 || nodeCount < 0 || deletedCount < 0 || deletedCount > nodeCount
            || topLevel < -1 || topLevel > MaxLevel || (nodeCount == 0 ? entry != -1 : (uint)entry >= (uint)nodeCount)
            || expectedVectors > file.Length)
            throw new InvalidDataException($"{path}: corrupt HNSW index header (dimension {dimension}, nodes {nodeCount}, entry {entry}, top level {topLevel}).");

        var index = new HnswIndex(dimension, options, nodeCount)
        {
            _keepPruned = keepPruned, _nodeCount = nodeCount, _deletedCount = deletedCount, _entry = entry, _topLevel = topLevel, _maxNorm2 = maxNorm2, _rng = rng,
            _calibration = calibration,
        };
        for (int i = 0; i < nodeCount; i++) ReadSpan(hashing, new Span<float>(index.Vector(i), dimension));
        if (index._hasExtra) ReadSpan(hashing, index._extra.AsSpan(0, nodeCount));
        hashing.ReadExactly(index._levels, 0, nodeCount);
        ReadSpan(hashing, index._deleted.AsSpan(0, (nodeCount + 63) >> 6));
        ReadSpan(hashing, index._links0.AsSpan(0, nodeCount * (index._m0 + 1)));
        for (int i = 0; i < nodeCount; i++)
        {
            int level = index._levels[i];
            if (level > Math.Max(topLevel, 0)) throw new InvalidDataException($"{path}: corrupt HNSW index (node {i} has level {level} above the top level {topLevel}).");
            index._upperOffset[i] = -1;
            if (level > 0)
            {
                index._upperOffset[i] = index.AllocateUpper(level);
                ReadSpan(hashing, index._upperPool.AsSpan(index._upperOffset[i], level * (index._m + 1)));
            }
        }
        var end = new byte[EndMagic.Length];
        hashing.ReadExactly(end);
        ulong computed = hashing.Hash;
        Span<byte> stored = stackalloc byte[8];
        file.ReadExactly(stored);
        if (!end.AsSpan().SequenceEqual(EndMagic) || BitConverter.ToUInt64(stored) != computed)
            throw new InvalidDataException($"{path}: corrupt HNSW index (checksum mismatch).");
        if (file.Position != file.Length) throw new InvalidDataException($"{path}: corrupt HNSW index ({file.Length - file.Position} unexpected trailing bytes).");
        index.CheckLinks(path);
        return index;
    }

    /// <summary>Every stored link must name an existing node with the right count, so a damaged file cannot send a search out of bounds.</summary>
    private void CheckLinks(string path)
    {
        for (int i = 0; i < _nodeCount; i++)
        {
            for (int layer = 0; layer <= _levels[i]; layer++)
            {
                var links = Links(i, layer);
                int max = layer == 0 ? _m0 : _m;
                if ((uint)links[0] > (uint)max) throw new InvalidDataException($"{path}: corrupt HNSW index (node {i} has {links[0]} links on layer {layer}).");
                for (int j = 1; j <= links[0]; j++)
                {
                    int n = links[j];
                    if ((uint)n >= (uint)_nodeCount || _levels[n] < layer)
                        throw new InvalidDataException($"{path}: corrupt HNSW index (node {i} links to {n} on layer {layer}).");
                }
            }
        }
    }

    private static void WriteCalibration(BinaryWriter w, GraphCalibration? calibration)
    {
        w.Write(calibration is not null);
        if (calibration is null) return;
        w.Write(calibration.Queries);
        w.Write(calibration.K);
        w.Write(calibration.Ef);
        w.Write(calibration.Points.Count);
        foreach (var (fraction, recall) in calibration.Points)
        {
            w.Write(fraction);
            w.Write(recall);
        }
    }

    private static GraphCalibration? ReadCalibration(BinaryReader r)
    {
        if (!r.ReadBoolean()) return null;
        int queries = r.ReadInt32(), k = r.ReadInt32(), ef = r.ReadInt32(), count = r.ReadInt32();
        if (queries <= 0 || k <= 0 || ef <= 0 || count is <= 0 or > 64)
            throw new ArgumentException($"calibration of {queries} queries, k {k}, ef {ef}, {count} points");
        var points = new (double, double)[count];
        for (int i = 0; i < count; i++)
        {
            double fraction = r.ReadDouble(), recall = r.ReadDouble();
            if (!(fraction > 0 && fraction <= 1 && recall >= 0 && recall <= 1) || (i > 0 && fraction <= points[i - 1].Item1))
                throw new ArgumentException($"calibration point {i} (fraction {fraction}, recall {recall})");
            points[i] = (fraction, recall);
        }
        return new GraphCalibration(queries, k, ef, points);
    }

    private static void WriteSpan<T>(Stream stream, ReadOnlySpan<T> values) where T : unmanaged => stream.Write(MemoryMarshal.AsBytes(values));

    private static void ReadSpan<T>(Stream stream, Span<T> values) where T : unmanaged => stream.ReadExactly(MemoryMarshal.AsBytes(values));

    /// <summary>Passes bytes through and keeps an FNV-1a 64 hash of them (reads and writes).</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        public ulong Hash { get; private set; } = 0xCBF29CE484222325UL;

        private void Update(ReadOnlySpan<byte> bytes)
        {
            ulong h = Hash;
            foreach (byte b in bytes) h = (h ^ b) * 0x100000001B3UL;
            Hash = h;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Update(buffer);
            inner.Write(buffer);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            Update(buffer[..n]);
            return n;
        }

        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
