using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Twofold.Data;

namespace Twofold.CreatorSide;

/// <summary>
/// A trained activity predictor: a_u of DualRec §4.1 as a probability that the user visits on the target day.
/// Immutable; scores whole populations in parallel batches through ML.NET's <see cref="ITransformer.Transform"/>
/// over the feature arrays (no per-row objects), and saves itself with its <see cref="Info"/> in one file.
/// </summary>
public sealed class ActivityPredictor
{
    private const int ChunkRows = 16_384;
    private static readonly byte[] Magic = "TWOFOLD-ACTIVITY\n"u8.ToArray();

    private readonly MLContext _ml;
    private readonly ITransformer _model;
    private readonly DataViewSchema _inputSchema;
    private readonly FlatTreeEnsemble? _trees;

    internal ActivityPredictor(MLContext ml, ITransformer model, ActivityModelInfo info)
    {
        _ml = ml;
        _model = model;
        Info = info;
        _inputSchema = new FeatureMatrixView(new FeatureMatrix(0, info.Features.Count)).Schema;
        _trees = FlatTreeEnsemble.TryCreate(model);
    }

    /// <summary>Whether scoring walks the flattened trees (true) or goes through ML.NET's transform.</summary>
    internal bool UsesFlatTrees => _trees is not null;

    public ActivityModelInfo Info { get; }

    /// <summary>The ML.NET model and its context, for peers measured against the batched path (bench/).</summary>
    internal ITransformer Transformer => _model;
    internal MLContext Context => _ml;

    /// <summary>Number of feature columns the model reads.</summary>
    public int FeatureCount => Info.Features.Count;

    /// <summary>The probability of a visit for every row of <paramref name="features"/>.</summary>
    public float[] Score(FeatureMatrix features) => Score(features, -1);

    /// <summary>As <see cref="Score(FeatureMatrix)"/>, on at most <paramref name="threads"/> threads (−1: all cores).</summary>
    internal float[] Score(FeatureMatrix features, int threads)
    {
        if (features.Columns != FeatureCount)
            throw new ArgumentException($"The model reads {FeatureCount} features per row; the matrix has {features.Columns}.", nameof(features));
        var scores = new float[features.Rows];
        var chunks = (features.Rows + ChunkRows - 1) / ChunkRows;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, chunk =>
        {
            var start = chunk * ChunkRows;
            ScoreRange(features, start, Math.Min(ChunkRows, features.Rows - start), scores.AsSpan(start));
        });
        return scores;
    }

    /// <summary>
    /// The probability that each user visits on target day <paramref name="day"/> of <paramref name="history"/>
    /// (1 .. Days; Days is the day after the log, i.e. tomorrow). Features are computed batch by batch, so memory
    /// stays bounded whatever the number of users.
    /// </summary>
    public float[] Score(ActivityHistory history, int day)
    {
        ActivityFeatures.CheckTargetDay(history, day);
        var scores = new float[history.Users];
        var chunks = (history.Users + ChunkRows - 1) / ChunkRows;
        var includeDayBits = Info.Options.IncludeDayBits;
        Parallel.For(0, chunks, Parallelism.PerCore(), chunk =>
        {
            var start = chunk * ChunkRows;
            var count = Math.Min(ChunkRows, history.Users - start);
            var block = new FeatureMatrix(count, FeatureCount);
            ActivityFeatures.Compute(history, day, start, count, includeDayBits, block.Values);
            ScoreRange(block, 0, count, scores.AsSpan(start));
        });
        return scores;
    }

    private void ScoreRange(FeatureMatrix features, int start, int count, Span<float> into)
    {
        if (_trees is not null) _trees.Score(features.Values.AsSpan(start * features.Columns, count * features.Columns), count, features.Columns, into);
        else ScoreThroughTransform(features, start, count, into);
    }

    /// <summary>Scores rows through ML.NET's batched <see cref="ITransformer.Transform"/> (the reference path).</summary>
    internal void ScoreThroughTransform(FeatureMatrix features, int start, int count, Span<float> into)
    {
        var scored = _model.Transform(new FeatureMatrixView(features, start, count));
        var probability = scored.Schema["Probability"];
        using var cursor = scored.GetRowCursor([probability]);
        var getter = cursor.GetGetter<float>(probability);
        var value = 0f;
        var row = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            into[row++] = value;
        }
        if (row != count) throw new InvalidOperationException($"Scoring returned {row} rows for {count}.");
    }

    /// <summary>Writes the model atomically to <paramref name="path"/>.</summary>
    public void Save(string path) => AtomicFile.Write(path, Save);

    /// <summary>
    /// Writes the versioned model file: a magic line, the format version, the JSON <see cref="Info"/>, then the
    /// ML.NET model (a zip), each length-prefixed.
    /// </summary>
    public void Save(Stream stream)
    {
        var info = JsonSerializer.SerializeToUtf8Bytes(Info, JsonDefaults.Indented);
        using var model = new MemoryStream();
        _ml.Model.Save(_model, _inputSchema, model);
        Span<byte> number = stackalloc byte[8];
        stream.Write(Magic);
        BinaryPrimitives.WriteInt32LittleEndian(number, ActivityModelInfo.CurrentFormatVersion);
        stream.Write(number[..4]);
        BinaryPrimitives.WriteInt32LittleEndian(number, info.Length);
        stream.Write(number[..4]);
        stream.Write(info);
        BinaryPrimitives.WriteInt64LittleEndian(number, model.Length);
        stream.Write(number);
        model.Position = 0;
        model.CopyTo(stream);
    }

    public static ActivityPredictor Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"The activity model {path} does not exist.", path);
        using var stream = File.OpenRead(path);
        return Load(stream, path);
    }

    /// <summary>Reads a model written by <see cref="Save(Stream)"/>; <paramref name="name"/> names the source in errors.</summary>
    public static ActivityPredictor Load(Stream stream, string name)
    {
        var header = new byte[Magic.Length + 8];
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length || !header.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new DataFormatException(name, "not a Twofold activity model (bad header)");
        var version = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(Magic.Length));
        if (version != ActivityModelInfo.CurrentFormatVersion)
            throw new DataFormatException(name, $"activity model format version {version} is not supported (this build reads {ActivityModelInfo.CurrentFormatVersion})");
        var infoLength = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(Magic.Length + 4));
        if (infoLength is <= 0 or > 1 << 20) throw new DataFormatException(name, $"the model's metadata length {infoLength} is not plausible");
        var infoBytes = ReadExactly(stream, infoLength, name, "metadata");
        ActivityModelInfo? info;
        try
        {
            info = JsonSerializer.Deserialize<ActivityModelInfo>(infoBytes, JsonDefaults.Indented);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(name, $"the model's metadata is not valid JSON: {e.Message}", inner: e);
        }
        if (info is null || info.Options is null || info.Features is null) throw new DataFormatException(name, "the model's metadata is incomplete");
        if (!info.Features.SequenceEqual(ActivityFeatures.Names(info.Options.IncludeDayBits)))
            throw new DataFormatException(name, "the model was trained on features this build does not compute");
        var lengthBytes = ReadExactly(stream, 8, name, "model length");
        var modelLength = BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
        if (modelLength is <= 0 or > int.MaxValue) throw new DataFormatException(name, $"the model length {modelLength} is not plausible");
        var modelBytes = ReadExactly(stream, (int)modelLength, name, "model");
        if (stream.CanSeek && stream.Position != stream.Length) throw new DataFormatException(name, "the model file has trailing bytes");
        var ml = new MLContext(seed: info.Options.Seed);
        ITransformer model;
        try
        {
            model = ml.Model.Load(new MemoryStream(modelBytes, writable: false), out _);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DataFormatException(name, $"the ML.NET model inside is not readable: {e.Message}", inner: e);
        }
        return new ActivityPredictor(ml, model, info);
    }

    private static byte[] ReadExactly(Stream stream, int length, string name, string what)
    {
        var bytes = new byte[length];
        if (stream.ReadAtLeast(bytes, length, throwOnEndOfStream: false) < length)
            throw new DataFormatException(name, $"the model file is truncated (in the {what})");
        return bytes;
    }
}
