using Twofold.Domain;

namespace Twofold.Data;

/// <summary>
/// Interactions as columns (struct of arrays): the in-memory form of the event log that hot paths scan.
/// Also the append buffer of the log writer, so rows are copied once from a source into their columns.
/// </summary>
public sealed class InteractionBatch
{
    private int[] _users;
    private int[] _items;
    private long[] _timesMs;
    private int[] _durationsMs;
    private int[] _watchesMs;
    private Feedback[] _feedback;
    private readonly int[][] _extras;

    public InteractionBatch(IReadOnlyList<string> extraColumns, int capacity = 1024)
    {
        capacity = Math.Max(capacity, 1);
        ExtraColumns = extraColumns;
        _users = new int[capacity];
        _items = new int[capacity];
        _timesMs = new long[capacity];
        _durationsMs = new int[capacity];
        _watchesMs = new int[capacity];
        _feedback = new Feedback[capacity];
        _extras = new int[extraColumns.Count][];
        for (var c = 0; c < _extras.Length; c++) _extras[c] = new int[capacity];
    }

    /// <summary>Names of the source-specific integer columns carried beside the core schema.</summary>
    public IReadOnlyList<string> ExtraColumns { get; }

    public int Count { get; private set; }

    public Span<int> Users => _users.AsSpan(0, Count);
    public Span<int> Items => _items.AsSpan(0, Count);
    public Span<long> TimesMs => _timesMs.AsSpan(0, Count);
    public Span<int> DurationsMs => _durationsMs.AsSpan(0, Count);
    public Span<int> WatchesMs => _watchesMs.AsSpan(0, Count);
    public Span<Feedback> Feedback => _feedback.AsSpan(0, Count);

    // Memory views for the Parquet writer, which takes ReadOnlyMemory rather than spans.
    internal Memory<int> UsersMemory => _users.AsMemory(0, Count);
    internal Memory<int> ItemsMemory => _items.AsMemory(0, Count);
    internal Memory<long> TimesMsMemory => _timesMs.AsMemory(0, Count);
    internal Memory<int> DurationsMsMemory => _durationsMs.AsMemory(0, Count);
    internal Memory<int> WatchesMsMemory => _watchesMs.AsMemory(0, Count);
    internal Memory<Feedback> FeedbackMemory => _feedback.AsMemory(0, Count);
    internal Memory<int> ExtraMemory(int index) => _extras[index].AsMemory(0, Count);

    /// <summary>The values of extra column <paramref name="index"/> (see <see cref="ExtraColumns"/>).</summary>
    public Span<int> Extra(int index) => _extras[index].AsSpan(0, Count);

    /// <summary>The values of the extra column named <paramref name="name"/>.</summary>
    public Span<int> Extra(string name)
    {
        for (var c = 0; c < ExtraColumns.Count; c++)
            if (ExtraColumns[c] == name) return Extra(c);
        throw new KeyNotFoundException($"The event log has no extra column '{name}'; it has: {string.Join(", ", ExtraColumns)}.");
    }

    public Interaction this[int row]
    {
        get
        {
            if ((uint)row >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(row), row, $"The batch has {Count} rows.");
            return new Interaction(new UserId(_users[row]), new ItemId(_items[row]), _timesMs[row], _durationsMs[row], _watchesMs[row], _feedback[row]);
        }
    }

    /// <summary>Appends one row; <paramref name="extras"/> holds one value per extra column, in order.</summary>
    public void Add(in Interaction interaction, ReadOnlySpan<int> extras = default)
    {
        if (extras.Length != _extras.Length)
            throw new ArgumentException($"Expected {_extras.Length} extra values ({string.Join(", ", ExtraColumns)}), got {extras.Length}.", nameof(extras));
        if (Count == _users.Length) Grow();
        var row = Count++;
        _users[row] = interaction.User.Value;
        _items[row] = interaction.Item.Value;
        _timesMs[row] = interaction.TimeMs;
        _durationsMs[row] = interaction.DurationMs;
        _watchesMs[row] = interaction.WatchMs;
        _feedback[row] = interaction.Feedback;
        for (var c = 0; c < extras.Length; c++) _extras[c][row] = extras[c];
    }

    /// <summary>Appends all rows of <paramref name="other"/>, which must carry the same extra columns.</summary>
    public void AddRange(InteractionBatch other)
    {
        if (!other.ExtraColumns.SequenceEqual(ExtraColumns))
            throw new ArgumentException("The batches carry different extra columns.", nameof(other));
        EnsureCapacity(Count + other.Count);
        other.Users.CopyTo(_users.AsSpan(Count));
        other.Items.CopyTo(_items.AsSpan(Count));
        other.TimesMs.CopyTo(_timesMs.AsSpan(Count));
        other.DurationsMs.CopyTo(_durationsMs.AsSpan(Count));
        other.WatchesMs.CopyTo(_watchesMs.AsSpan(Count));
        other.Feedback.CopyTo(_feedback.AsSpan(Count));
        for (var c = 0; c < _extras.Length; c++) other.Extra(c).CopyTo(_extras[c].AsSpan(Count));
        Count += other.Count;
    }

    /// <summary>Sets the row count after the columns were filled directly (used by the reader).</summary>
    internal void SetCountForFill(int count)
    {
        EnsureCapacity(count);
        Count = count;
    }

    /// <summary>Forgets the rows, keeping the allocated columns for reuse.</summary>
    public void Clear() => Count = 0;

    private void Grow() => EnsureCapacity(_users.Length * 2);

    private void EnsureCapacity(int capacity)
    {
        if (capacity <= _users.Length) return;
        capacity = Math.Max(capacity, _users.Length * 2);
        Array.Resize(ref _users, capacity);
        Array.Resize(ref _items, capacity);
        Array.Resize(ref _timesMs, capacity);
        Array.Resize(ref _durationsMs, capacity);
        Array.Resize(ref _watchesMs, capacity);
        Array.Resize(ref _feedback, capacity);
        for (var c = 0; c < _extras.Length; c++) Array.Resize(ref _extras[c], capacity);
    }
}
