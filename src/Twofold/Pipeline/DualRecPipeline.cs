using Twofold.CreatorSide;
using Twofold.Domain;
using Twofold.Graph;
using Twofold.Ranking;
using Twofold.Retrieval;
using Twofold.Similarity;
using Twofold.Vectors;

namespace Twofold.Pipeline;

/// <summary>
/// The serving pipeline assembled from a <see cref="ModelBundle"/> for a catalogue: the user-side retrievals
/// (two-tower items, u2i2i, u2u2i) and the combined feed, and — when a DualRec version is given — the creator-side
/// recommender (two-tower over the available users, i2i2u over content similarity, i2u2u) with its availability
/// store. The command line, the service and the simulator's platforms all serve through this one class.
/// </summary>
/// <remarks>
/// Items added since the bundle was trained are served too: the rankers score them through their unknown-item row
/// with their creator, genre and duration; content similarity (recomputed for the catalogue) gives them neighbours;
/// and their two-tower embedding is the mean embedding of their content neighbours among the trained items, a
/// stand-in for an item tower over content, which the model does not have. An item without such neighbours (no content
/// embedding) takes the mean embedding of its creator's trained items, else of its genre's
/// (<see cref="ItemEmbeddingFallback"/>); with neither it has no two-tower embedding, and the two-tower sources pass it by.
/// </remarks>
public sealed class DualRecPipeline : IDisposable
{
    private readonly FeedbackModel _userRanker;
    private readonly FeedbackModel _creatorRanker;

    /// <param name="dispatch">The creator side's settings; null for a user-side-only recommender.</param>
    /// <param name="graph">The current graph (newer than the bundle's when refreshed since); the bundle's when null.</param>
    /// <param name="bias">The current θ_u; the bundle's when null.</param>
    /// <param name="extraUserSide">More user-side sources, after the standard ones (e.g. Base's new-item retrieval).</param>
    /// <param name="grownFrom">
    /// A pipeline of the same bundle over a prefix of <paramref name="catalogue"/> (a running service's catalogue before
    /// its latest uploads): its content similarity and item embeddings are extended rather than recomputed, and its
    /// available set Ũ is shared, so the day's dispatch goes on where it was.
    /// </param>
    /// <param name="contentSimilarity">Content S^I over <paramref name="catalogue"/> when the caller keeps it up to date
    /// (<see cref="GrowingContentSimilarity"/>); computed for the catalogue when null.</param>
    /// <param name="servableItems">The only items feeds may show (e.g. an experiment arm's recent items), when known up
    /// front: the two-tower item index then holds just these rather than being scanned through a filter. Null: all.</param>
    public DualRecPipeline(ModelBundle bundle, IReadOnlyList<Item> catalogue, IAvailabilityStore store, DispatchOptions? dispatch,
        CombinedOptions combined, InteractionGraph? graph = null, UserBias? bias = null, IEnumerable<ICandidateRetrieval>? extraUserSide = null,
        DualRecPipeline? grownFrom = null, NeighborLists? contentSimilarity = null, IdFilter? servableItems = null)
    {
        if (contentSimilarity is not null && contentSimilarity.NodeCount != catalogue.Count)
            throw new ArgumentException($"The content similarity covers {contentSimilarity.NodeCount} items, the catalogue {catalogue.Count}.", nameof(contentSimilarity));
        var users = bundle.Manifest.Users;
        var tower = bundle.TwoTower;
        if (grownFrom is not null && (!ReferenceEquals(grownFrom._bundle, bundle) || grownFrom.ItemCount > catalogue.Count))
            throw new ArgumentException("A pipeline can only grow from one of the same bundle over fewer items.", nameof(grownFrom));
        _bundle = bundle;
        ItemCount = catalogue.Count;
        bias ??= bundle.Bias;
        graph ??= bundle.Graph;
        // Items added since the graph was built have no history yet; the retrievals read that as an empty history,
        // so a grown catalogue needs no copy of the graph (GrowTo shares the edges).
        if (graph.UserToItems.NodeCount != users) graph = graph.GrowTo(users, graph.ItemToUsers.NodeCount);
        Graph = graph;
        _userRanker = OverCatalogue(bundle.UserRanker, grownFrom?._userRanker, catalogue);
        // Before DualRec-v2 the creator side ranks with the user-side model (no sample augmentation or extra features).
        _creatorRanker = OverCatalogue(dispatch is { CreatorSidePredictionOptions: false } ? bundle.UserRanker : bundle.CreatorRanker,
            grownFrom?._creatorRanker, catalogue);
        var topK = bundle.Manifest.Options.Similarity.TopK;
        if (grownFrom is null)
        {
            // Rows for growing come with a similarity computed here; given lists have none (ContentSimilarity.Extend
            // then builds them on a first growth, which a simulated day never needs).
            if (contentSimilarity is null) ContentSimilarity = Similarity.ContentSimilarity.ComputeGrowable(catalogue, topK, out _contentRows);
            else ContentSimilarity = contentSimilarity;
            // Built only when an item needs it: a simulated day's items have content neighbours.
            _fallback = new Lazy<ItemEmbeddingFallback>(() => ItemEmbeddingFallback.Build(tower, catalogue));
            _items = ItemVectors.Build(EmbedItems(bundle, catalogue, ContentSimilarity, _fallback, out var missing), tower.Dimension, missing);
        }
        else
        {
            // Uploads since grownFrom: their content lists and embeddings are added; nothing of the catalogue is recomputed.
            ContentSimilarity = Similarity.ContentSimilarity.Extend(grownFrom.ContentSimilarity, catalogue, topK, grownFrom._contentRows, out _contentRows);
            var content = ContentSimilarity;
            var fallback = _fallback = grownFrom._fallback;
            _items = grownFrom._items.Grow(catalogue.Count, (item, row) => EmbedItem(bundle, item, catalogue[item], content, fallback, row));
        }
        var items = _items;

        var collaborative = new TwoHopRetriever(graph, bundle.UserSimilarity, bundle.ItemSimilarity);
        var contentWalk = new TwoHopRetriever(graph, bundle.UserSimilarity, ContentSimilarity);
        var (search, searchMany) = servableItems is null ? (items.Search, items.SearchMany) : ServableItemSearch(items, servableItems);
        UserSideTwoTower = new EmbeddingRetrieval(Side.User, u => tower.Embedding(Side.User, u).ToArray(), search, searchMany);
        var userSide = new List<ICandidateRetrieval>
        {
            UserSideTwoTower,
            new TwoHopRetrieval(collaborative, RetrievalKind.HistoryThenSimilarity, Side.User),
            new TwoHopRetrieval(collaborative, RetrievalKind.SimilarityThenHistory, Side.User),
        };
        userSide.AddRange(extraUserSide ?? []);
        Feed = new CombinedRecommender(userSide, _userRanker, dispatch is null ? null : _creatorRanker,
            dispatch is { UseUserBias: true } && combined.BoostWithUserBias ? bias : null, dispatch is null ? null : store, combined);
        if (dispatch is null) return;

        var available = grownFrom?.CreatorSide?.Available ?? new AvailableUsers(users, tower.ExportUserEmbeddings(), tower.Dimension, dispatch.UserSearch);
        var creatorSide = CreatorSideSources(dispatch, available, i => items.HasEmbedding(i) ? items.Row(i).ToArray() : null, contentWalk, collaborative);
        CreatorSide = new CreatorSideRecommender(creatorSide, _creatorRanker, dispatch.UseUserBias ? bias : null, store, available, dispatch);
    }

    /// <summary>
    /// The creator-side sources of a DualRec version, in attribution order: two-tower over the available users'
    /// compacted embeddings, then i2i2u through content similarity and i2u2u through the collaborative one when the
    /// version has them.
    /// </summary>
    /// <param name="itemEmbedding">The two-tower embedding of a catalogue item; null for one without (the two-tower source then finds no users for it).</param>
    /// <param name="content">Two-hop retriever whose item similarity is content S^I.</param>
    /// <param name="collaborative">Two-hop retriever whose user similarity is collaborative S^U.</param>
    public static List<ICandidateRetrieval> CreatorSideSources(DispatchOptions dispatch, AvailableUsers available, Func<int, float[]?> itemEmbedding,
        TwoHopRetriever content, TwoHopRetriever collaborative)
    {
        if (available.Embeddings is null) throw new ArgumentException("The creator side needs the available users' embeddings.", nameof(available));
        var sources = new List<ICandidateRetrieval> { EmbeddingRetrieval.OverCompactedSet(Side.Item, itemEmbedding, available.Embeddings) };
        if (dispatch.UseI2I2U) sources.Add(new TwoHopRetrieval(content, RetrievalKind.SimilarityThenHistory, Side.Item));
        if (dispatch.UseI2U2U) sources.Add(new TwoHopRetrieval(collaborative, RetrievalKind.HistoryThenSimilarity, Side.Item));
        return sources;
    }

    /// <summary>
    /// The trained model over the catalogue, extended from the grown-from pipeline's view of the same model when there is
    /// one: its item rows are checked and filled only from that view's last item on. From the trained model each growth
    /// would check every item uploaded since training again, a cost that grows with the service's uptime.
    /// </summary>
    private static FeedbackModel OverCatalogue(FeedbackModel trained, FeedbackModel? grown, IReadOnlyList<Item> catalogue) =>
        (grown is not null && ReferenceEquals(grown.Network, trained.Network) ? grown : trained).WithCatalogue(catalogue);

    private readonly ModelBundle _bundle;
    private readonly ContentRows? _contentRows;
    private readonly ItemVectors _items;
    private readonly Lazy<ItemEmbeddingFallback> _fallback;

    /// <summary>
    /// Builds now what a service would otherwise build on a request's path, once each, shared by the pipelines grown
    /// from this one: the user-side item index over the whole catalogue (else the first feed builds it), the two-tower
    /// fallback for uploads (else the first upload without a trained content neighbour builds it: on the 1,000,000-user
    /// bundle about 170 ms and 43 MB), and room for as many uploads again as the catalogue holds in every buffer a
    /// growth appends to (else the first upload copies them all into larger ones). The simulator, which searches an
    /// index of the servable items, whose items have content neighbours and whose pipelines never grow, needs none of it.
    /// </summary>
    public void PrepareForServing()
    {
        _items.BuildIndexes();
        _ = _fallback.Value;
        ReserveRoomForUploads(2 * ItemCount);
    }

    /// <summary>
    /// Room for growths up to <paramref name="items"/> items without copying the catalogue's buffers (item embeddings,
    /// content rows and their graph index, content lists, the rankers' item features); each doubles (or grows by half)
    /// when full, so without it the first upload after start-up copies them all (on the 1,000,000-user bundle
    /// 0.2–1.8 s and 850 MB).
    /// </summary>
    private void ReserveRoomForUploads(int items)
    {
        _items.ReserveRoom(items);
        _contentRows?.ReserveRoom(items);
        var topK = _bundle.Manifest.Options.Similarity.TopK;
        ContentSimilarity.ReserveRoom(items, ContentSimilarity.EdgeCount + (items - ItemCount) * topK);
        _userRanker.ItemTable.ReserveRoom(items);
        _creatorRanker.ItemTable.ReserveRoom(items);
    }

    /// <summary>Whether the two-tower fallback for uploads is built (<see cref="PrepareForServing"/>).</summary>
    internal bool UploadFallbackBuilt => _fallback.IsValueCreated;

    /// <summary>The two-tower item embeddings and the feeds' index over them.</summary>
    internal ItemVectors Items => _items;

    /// <summary>Items of the catalogue the pipeline serves.</summary>
    public int ItemCount { get; }

    /// <summary>The interaction graph the retrievals walk (it may cover fewer items than the catalogue: the newest have no history yet).</summary>
    public InteractionGraph Graph { get; }

    /// <summary>The user-side two-tower retrieval (user embedding against the item index), also a source of <see cref="Feed"/>.</summary>
    public ICandidateRetrieval UserSideTwoTower { get; }

    /// <summary>The combined feed of a visiting user.</summary>
    public CombinedRecommender Feed { get; }

    /// <summary>The creator-side recommender; null for a user-side-only pipeline.</summary>
    public CreatorSideRecommender? CreatorSide { get; }

    /// <summary>Content S^I over the whole catalogue.</summary>
    public NeighborLists ContentSimilarity { get; }

    /// <summary>Two-tower item embeddings for the whole catalogue, row-major.</summary>
    public ReadOnlyMemory<float> ItemEmbeddings => _items.Embeddings;

    public void Dispose()
    {
        _userRanker.Dispose();
        _creatorRanker.Dispose();
    }

    /// <param name="missing">Which items have no embedding (their rows are zero).</param>
    private static float[] EmbedItems(ModelBundle bundle, IReadOnlyList<Item> catalogue, NeighborLists content, Lazy<ItemEmbeddingFallback> fallback, out bool[] missing)
    {
        var tower = bundle.TwoTower;
        var d = tower.Dimension;
        var items = catalogue.Count;
        var embeddings = new float[items * d];
        missing = new bool[items];
        tower.ItemEmbeddings.Span[..Math.Min(tower.ItemEmbeddings.Length, embeddings.Length)].CopyTo(embeddings);
        for (var i = tower.ItemCount; i < items; i++) missing[i] = !EmbedItem(bundle, i, catalogue[i], content, fallback, embeddings.AsSpan(i * d, d));
        return embeddings;
    }

    /// <summary>
    /// An item the tower was not trained on: the mean embedding of its content neighbours among the trained items, else
    /// the <paramref name="fallback"/>'s; false (the row left zero) when neither has one.
    /// </summary>
    private static bool EmbedItem(ModelBundle bundle, int index, Item item, NeighborLists content, Lazy<ItemEmbeddingFallback> fallback, Span<float> row)
    {
        var tower = bundle.TwoTower;
        var count = 0;
        foreach (var neighbor in content.Neighbors(index))
        {
            if (neighbor >= tower.ItemCount) continue;
            System.Numerics.Tensors.TensorPrimitives.Add(row, tower.Embedding(Side.Item, neighbor), row);
            count++;
        }
        if (count == 0) return fallback.Value.TryFill(item, row);
        System.Numerics.Tensors.TensorPrimitives.Divide(row, count, row);
        return true;
    }

    /// <summary>
    /// The item search of <see cref="ItemVectors"/> over just the servable items' embeddings (from
    /// <see cref="ItemVectors.QuantisedFrom"/> of them the 8-bit first pass: a 1,000,000-user simulated day spent most
    /// of its feeds in the float scan), answering with catalogue ids.
    /// </summary>
    private static (Func<float[], int, IdFilter?, Neighbor[]> Search, Func<float[], int, IdFilter?, Neighbor[][]> SearchMany) ServableItemSearch(
        ItemVectors embeddings, IdFilter servable)
    {
        var dimension = embeddings.Dimension;
        var items = Enumerable.Range(0, Math.Min(servable.Capacity, embeddings.Rows)).Where(i => servable.Contains(i) && embeddings.HasEmbedding(i)).ToArray();
        if (items.Length == 0) return ((_, _, _) => [], (queries, _, _) => [.. Enumerable.Range(0, queries.Length / dimension).Select(_ => Array.Empty<Neighbor>())]);
        var rows = new float[items.Length * dimension];
        for (var r = 0; r < items.Length; r++) embeddings.Row(items[r]).CopyTo(rows.AsSpan(r * dimension));
        // The 8-bit scan of every servable item, not the clustered search a service's feeds take from 200,000 items:
        // the simulator's 1,000,000-user day (bench/README.md) was measured with this scan and not since.
        var index = ItemVectors.Build(rows, dimension, new bool[items.Length], ClusteredSearchOptions.Never);

        IdFilter? RowFilter(IdFilter? filter)
        {
            if (filter is null || ReferenceEquals(filter, servable)) return null;
            // Another filter than the servable set (the coverage probe's new items): translated to rows.
            var rowFilter = new IdFilter(items.Length);
            for (var r = 0; r < items.Length; r++)
                if (filter.Contains(items[r])) rowFilter.Set(r);
            return rowFilter;
        }
        Neighbor[] InCatalogue(Neighbor[] found)
        {
            for (var n = 0; n < found.Length; n++) found[n] = new Neighbor(items[found[n].Id], found[n].Score);
            return found;
        }
        return ((query, k, filter) => InCatalogue(index.Search(query, k, RowFilter(filter))),
            (queries, k, filter) => [.. index.SearchMany(queries, k, RowFilter(filter)).Select(InCatalogue)]);
    }
}
