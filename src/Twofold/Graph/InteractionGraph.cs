using Twofold.Data;
using Twofold.Domain;

namespace Twofold.Graph;

/// <summary>
/// The bipartite user–item graph of positive interactions, held both ways: H^U(u), the items user u engaged
/// with, and H^I(i), the users who engaged with item i (DualRec §3.2). Immutable; a new day is merged in with
/// <see cref="Append"/>, which combines the existing edges with the day's in one linear pass instead of
/// re-reading the event log.
/// </summary>
public sealed class InteractionGraph
{
    private const long MsPerDay = 86_400_000L;

    private InteractionGraph(Adjacency userToItems, Adjacency itemToUsers, GraphOptions options, long newestTimeMs)
    {
        UserToItems = userToItems;
        ItemToUsers = itemToUsers;
        Options = options;
        NewestTimeMs = newestTimeMs;
    }

    public Adjacency UserToItems { get; }
    public Adjacency ItemToUsers { get; }
    public GraphOptions Options { get; }

    /// <summary>The time of the newest interaction seen; the window is measured back from it.</summary>
    public long NewestTimeMs { get; }

    /// <summary>The history of a node on the given side: H^U for <see cref="Side.User"/>, H^I for <see cref="Side.Item"/>.</summary>
    public Adjacency History(Side side) => side == Side.User ? UserToItems : ItemToUsers;

    public static InteractionGraph Empty(int users, int items, GraphOptions options)
    {
        options.Validate();
        return FromEdges(new EdgeList(), users, items, options, long.MinValue);
    }

    /// <summary>Builds the graph from the row groups of <paramref name="log"/> in a day range, streaming.</summary>
    public static InteractionGraph Build(EventLog log, int users, int items, GraphOptions options, DateOnly? from = null, DateOnly? to = null)
    {
        options.Validate();
        var edges = new EdgeList();
        var newest = long.MinValue;
        foreach (var batch in log.ReadBatches(from, to, reuse: true)) newest = Math.Max(newest, CollectPositive(batch, users, items, options, edges));
        return FromEdges(edges, users, items, options, newest);
    }

    /// <summary>A graph holding this one's edges plus the positive interactions of <paramref name="batch"/>.</summary>
    /// <param name="users">The user count now (at least the current one: new users may have arrived).</param>
    /// <param name="items">The item count now.</param>
    public InteractionGraph Append(InteractionBatch batch, int users, int items)
    {
        if (users < UserToItems.NodeCount || items < ItemToUsers.NodeCount)
            throw new ArgumentException($"The graph has {UserToItems.NodeCount} users and {ItemToUsers.NodeCount} items; it cannot shrink to {users} and {items}.");
        // Edges kept on either side are the ones that can still be kept after the merge: the window and the recency
        // cut only ever drop more as newer edges arrive, so merging the day into each side equals a rebuild from the
        // whole log. Only the day's edges are sorted; the existing runs are merged in order.
        var edges = new EdgeList();
        var newest = Math.Max(NewestTimeMs, CollectPositive(batch, users, items, Options, edges));
        var minTime = MinTime(Options, newest);
        var userToItems = UserToItems.Merge(edges.Sources, edges.Targets, edges.Times, users, minTime, Options.MaxPerNode);
        var itemToUsers = ItemToUsers.Merge(edges.Targets, edges.Sources, edges.Times, items, minTime, Options.MaxPerNode);
        return new InteractionGraph(userToItems, itemToUsers, Options, newest);
    }

    private static long MinTime(GraphOptions options, long newest) =>
        options.WindowDays is { } days && newest != long.MinValue ? newest - days * MsPerDay : long.MinValue;

    /// <summary>
    /// This graph over more users or items (new ones have no edges yet), sharing the edges: O(nodes), where
    /// <see cref="Append"/> of an empty batch would still copy every edge into new arrays.
    /// </summary>
    public InteractionGraph GrowTo(int users, int items)
    {
        if (users < UserToItems.NodeCount || items < ItemToUsers.NodeCount)
            throw new ArgumentException($"The graph has {UserToItems.NodeCount} users and {ItemToUsers.NodeCount} items; it cannot shrink to {users} and {items}.");
        if (users == UserToItems.NodeCount && items == ItemToUsers.NodeCount) return this;
        return new InteractionGraph(UserToItems.WithNodeCount(users), ItemToUsers.WithNodeCount(items), Options, NewestTimeMs);
    }

    private const uint Magic = 0x48505247; // "GRPH"
    private const int FormatVersion = 1;

    /// <summary>Writes the graph (both directions, options and newest time) to <paramref name="path"/>, atomically.</summary>
    public void Save(string path) => AtomicFile.Write(path, stream =>
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        BinaryFormat.WriteHeader(writer, Magic, FormatVersion);
        writer.Write((ushort)Options.Positive);
        writer.Write(Options.WindowDays ?? 0);
        writer.Write(Options.MaxPerNode ?? 0);
        writer.Write(NewestTimeMs);
        UserToItems.Write(writer);
        ItemToUsers.Write(writer);
    });

    /// <summary>Reads a graph written by <see cref="Save"/>; a wrong, truncated or inconsistent file raises <see cref="InvalidDataException"/>.</summary>
    public static InteractionGraph Load(string path) =>
        BinaryFormat.Read(path, Magic, FormatVersion, "interaction graph", reader =>
        {
            var positive = (Feedback)reader.ReadUInt16();
            var window = reader.ReadInt32();
            var cut = reader.ReadInt32();
            var options = new GraphOptions(positive, window == 0 ? null : window, cut == 0 ? null : cut);
            var newest = reader.ReadInt64();
            var userToItems = Adjacency.Read(reader, path);
            var itemToUsers = Adjacency.Read(reader, path);
            return new InteractionGraph(userToItems, itemToUsers, options, newest);
        });

    private static long CollectPositive(InteractionBatch batch, int users, int items, GraphOptions options, EdgeList edges)
    {
        var newest = long.MinValue;
        var u = batch.Users;
        var i = batch.Items;
        var t = batch.TimesMs;
        var f = batch.Feedback;
        for (var r = 0; r < batch.Count; r++)
        {
            if ((f[r] & options.Positive) == 0) continue;
            if ((uint)u[r] >= (uint)users || (uint)i[r] >= (uint)items)
                throw new ArgumentException($"Interaction of user {u[r]} with item {i[r]} is outside the graph's {users} users and {items} items.");
            edges.Add(u[r], i[r], t[r]);
            newest = Math.Max(newest, t[r]);
        }
        return newest;
    }

    private static InteractionGraph FromEdges(EdgeList edges, int users, int items, GraphOptions options, long newest)
    {
        var minTime = MinTime(options, newest);
        // Both directions come from the same edges through the same builder (mirrored, not duplicated); the window and
        // the recency cut apply to each side on its own.
        var userToItems = Adjacency.FromEdges(edges.Sources, edges.Targets, edges.Times, users, minTime, options.MaxPerNode);
        var itemToUsers = Adjacency.FromEdges(edges.Targets, edges.Sources, edges.Times, items, minTime, options.MaxPerNode);
        return new InteractionGraph(userToItems, itemToUsers, options, newest);
    }
}
