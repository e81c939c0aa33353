namespace Twofold.Vectors;

/// <summary>
/// A changing subset of ids with their vectors, searched by inner product over exactly its members: the available
/// users of the creator side. Removing an id takes it out of every later search (the filter is the set itself, never
/// applied after the search). <see cref="CompactVectorSet"/> scans every member; <see cref="ClusteredVectorSet"/>
/// only the members of the clusters nearest each query.
/// </summary>
public interface IVectorSubset
{
    int Dimension { get; }

    /// <summary>Ids are in [0, IdCapacity).</summary>
    int IdCapacity { get; }

    /// <summary>Number of ids currently in the set.</summary>
    int Count { get; }

    bool Contains(int id);

    /// <summary>Adds <paramref name="id"/> with <paramref name="vector"/>; returns false (and changes nothing) if already present.</summary>
    bool Add(int id, ReadOnlySpan<float> vector);

    /// <summary>Removes <paramref name="id"/>; returns false if it was absent.</summary>
    bool Remove(int id);

    /// <summary>The k best members for the query, best first (score descending, then id ascending), with exact scores.</summary>
    Neighbor[] Search(ReadOnlySpan<float> query, int k);

    /// <summary><see cref="Search"/> for each of the row-major <paramref name="queries"/>, sharing passes over the vectors.</summary>
    Neighbor[][] SearchBatch(ReadOnlySpan<float> queries, int k);
}
