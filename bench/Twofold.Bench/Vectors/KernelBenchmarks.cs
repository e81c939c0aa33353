using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using Twofold.Vectors;

namespace Twofold.Bench.Vectors;

/// <summary>Hand-written inner product vs System.Numerics.Tensors at the dimensions embeddings use.</summary>
[ShortRunJob]
public class DotBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];

    [Params(16, 64, 128)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _a = SyntheticEmbeddings.Clustered(1, Dimension, seed: 1, normalised: false);
        _b = SyntheticEmbeddings.Clustered(1, Dimension, seed: 2, normalised: false);
    }

    [Benchmark(Baseline = true)]
    public float TensorPrimitivesDot() => TensorPrimitives.Dot(_a, _b);

    [Benchmark]
    public float HandWrittenDot() => VectorKernels.Dot(_a, _b);
}

/// <summary>Exact top-200 over 20,000 rows (d = 64, in cache): the panel kernel vs a row-by-row TensorPrimitives scan.</summary>
[ShortRunJob]
public class ScanBenchmarks
{
    private const int N = 20_000, D = 64, K = 200;
    private float[] _rows = [];
    private float[] _query = [];
    private float[] _queries = [];
    private FlatIndex _index = null!;

    [GlobalSetup]
    public void Setup()
    {
        _rows = SyntheticEmbeddings.Clustered(N, D, seed: 3, normalised: false);
        _queries = SyntheticEmbeddings.Clustered(32, D, seed: 4, normalised: false);
        _query = _queries.AsSpan(0, D).ToArray();
        _index = new FlatIndex(_rows, D);
    }

    [Benchmark(Baseline = true)]
    public Neighbor[] RowScanTensorPrimitives()
    {
        var heap = new TopKHeap(K);
        var rows = _rows.AsSpan();
        for (int i = 0; i < N; i++)
        {
            float s = TensorPrimitives.Dot(rows.Slice(i * D, D), _query);
            if (s >= heap.Threshold) heap.TryPush(s, i);
        }
        return heap.ToSortedArray();
    }

    [Benchmark]
    public Neighbor[] PanelScan() => _index.Search(_query, K);

    /// <summary>32 queries per call; divide by 32 for the per-query cost.</summary>
    [Benchmark(OperationsPerInvoke = 32)]
    public Neighbor[][] PanelScanBatch32() => _index.SearchBatch(_queries, K);
}
