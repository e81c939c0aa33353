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
/// stand-in for an item tower over content, which the model does not have.
/// </remarks>
public sealed class DualRecPipeline : IDisposable
{
    private readonly FeedbackModel _userRanker;
    private readonly FeedbackModel _creatorRanker;

    /// <param name="dispatch">The creator side's settings; null for a user-side-only recommender.</param>
    /// <param name="graph">The current graph (newer than the bundle's when refreshed since); the bundle's when null.</param>
    /// <param name="bias">The current θ_u; the bundle's when null.</param>
    /// <param name="extraUserSide">More user-side sources, after the standard ones (e.g. Base's new-item retrieval).</param>
    /// <param name="contentSimilarity">Content S^I over <paramref name="catalogue"/> when the caller keeps it up to date
    /// (<see cref="GrowingContentSimilarity"/>); computed for the catalogue when null.</param>
    /// <param name="servableItems">The only items feeds may show (e.g. an experiment arm's recent items), when known up
    /// front: the two-tower item index then holds just these rather than being scanned through a filter. Null: all.</param>
    public DualRecPipeline(ModelBundle bundle, IReadOnlyList<Item> catalogue, IAvailabilityStore store, DispatchOptions? dispatch,
        CombinedOptions combined, InteractionGraph? graph = null, UserBias? bias = null, IEnumerable<ICandidateRetrieval>? extraUserSide = null,
        NeighborLists? contentSimilarity = null, IdFilter? servableItems = null)
    {
        if (contentSimilarity is not null && contentSimilarity.NodeCount != catalogue.Count)
            throw new ArgumentException($"The content similarity covers {contentSimilarity.NodeCount} items, the catalogue {catalogue.Count}.", nameof(contentSimilarity));
        var users = bundle.Manifest.Users;
        var tower = bundle.TwoTower;
        bias ??= bundle.Bias;
        graph = (graph ?? bundle.Graph).GrowTo(users, catalogue.Count);
        _userRanker = bundle.UserRanker.WithCatalogue(catalogue);
        // Before DualRec-v2 the creator side ranks with the user-side model (no sample augmentation or extra features).
        _creatorRanker = (dispatch is { CreatorSidePredictionOptions: false } ? bundle.UserRanker : bundle.CreatorRanker).WithCatalogue(catalogue);
        ContentSimilarity = contentSimilarity ?? Similarity.ContentSimilarity.Compute(catalogue, bundle.Manifest.Options.Similarity.TopK);
        ItemEmbeddings = EmbedItems(bundle, catalogue.Count, ContentSimilarity);

        var collaborative = new TwoHopRetriever(graph, bundle.UserSimilarity, bundle.ItemSimilarity.WithNodeCount(catalogue.Count));
        var content = new TwoHopRetriever(graph, bundle.UserSimilarity, ContentSimilarity);
        var userSide = new List<ICandidateRetrieval>
        {
            new EmbeddingRetrieval(Side.User, u => tower.Embedding(Side.User, u).ToArray(), ItemSearch(ItemEmbeddings, tower.Dimension, servableItems)),
            new TwoHopRetrieval(collaborative, RetrievalKind.HistoryThenSimilarity, Side.User),
            new TwoHopRetrieval(collaborative, RetrievalKind.SimilarityThenHistory, Side.User),
        };
        userSide.AddRange(extraUserSide ?? []);
        Feed = new CombinedRecommender(userSide, _userRanker, dispatch is null ? null : _creatorRanker,
            dispatch is { UseUserBias: true } ? bias : null, dispatch is null ? null : store, combined);
        if (dispatch is null) return;

        var available = new AvailableUsers(users, tower.ExportUserEmbeddings(), tower.Dimension);
        var creatorSide = new List<ICandidateRetrieval>
        {
            EmbeddingRetrieval.OverCompactedSet(Side.Item, i => ItemEmbeddings.AsSpan(i * tower.Dimension, tower.Dimension).ToArray(), available.Embeddings!),
        };
        if (dispatch.UseI2I2U) creatorSide.Add(new TwoHopRetrieval(content, RetrievalKind.SimilarityThenHistory, Side.Item));
        if (dispatch.UseI2U2U) creatorSide.Add(new TwoHopRetrieval(collaborative, RetrievalKind.HistoryThenSimilarity, Side.Item));
        CreatorSide = new CreatorSideRecommender(creatorSide, _creatorRanker, dispatch.UseUserBias ? bias : null, store, available, dispatch);
    }

    /// <summary>The combined feed of a visiting user.</summary>
    public CombinedRecommender Feed { get; }

    /// <summary>The creator-side recommender; null for a user-side-only pipeline.</summary>
    public CreatorSideRecommender? CreatorSide { get; }

    /// <summary>Content S^I over the whole catalogue.</summary>
    public NeighborLists ContentSimilarity { get; }

    /// <summary>Two-tower item embeddings for the whole catalogue, row-major.</summary>
    public float[] ItemEmbeddings { get; }

    public void Dispose()
    {
        _userRanker.Dispose();
        _creatorRanker.Dispose();
    }

    /// <summary>
    /// Exact inner-product search over the item embeddings: over all of them, or only over the servable ones (rows in
    /// id order, so scores and ties are those of the full index restricted to them).
    /// </summary>
    private static Func<float[], int, IdFilter?, Neighbor[]> ItemSearch(float[] embeddings, int dimension, IdFilter? servable)
    {
        if (servable is null)
        {
            var all = new FlatIndex(embeddings, dimension);
            return (q, k, f) => all.Search(q, k, f);
        }
        var items = Enumerable.Range(0, Math.Min(servable.Capacity, embeddings.Length / dimension)).Where(servable.Contains).ToArray();
        if (items.Length == 0) return (_, _, _) => [];
        var rows = new float[items.Length * dimension];
        for (var r = 0; r < items.Length; r++) embeddings.AsSpan(items[r] * dimension, dimension).CopyTo(rows.AsSpan(r * dimension));
        var index = new FlatIndex(rows, dimension);
        return (q, k, f) =>
        {
            IdFilter? rowFilter = null;
            if (f is not null && !ReferenceEquals(f, servable))
            {
                // Another filter than the servable set: translated to rows (rare; the serving path passes the same one).
                rowFilter = new IdFilter(items.Length);
                for (var r = 0; r < items.Length; r++)
                    if (f.Contains(items[r])) rowFilter.Set(r);
            }
            var found = index.Search(q, k, rowFilter);
            for (var n = 0; n < found.Length; n++) found[n] = new Neighbor(items[found[n].Id], found[n].Score);
            return found;
        };
    }

    private static float[] EmbedItems(ModelBundle bundle, int items, NeighborLists content)
    {
        var tower = bundle.TwoTower;
        var d = tower.Dimension;
        var trained = tower.ItemCount;
        var embeddings = new float[items * d];
        tower.ItemEmbeddings.Span[..Math.Min(tower.ItemEmbeddings.Length, embeddings.Length)].CopyTo(embeddings);
        for (var i = trained; i < items; i++)
        {
            var row = embeddings.AsSpan(i * d, d);
            var count = 0;
            foreach (var neighbor in content.Neighbors(i))
            {
                if (neighbor >= trained) continue;
                System.Numerics.Tensors.TensorPrimitives.Add(row, tower.Embedding(Side.Item, neighbor), row);
                count++;
            }
            if (count > 0) System.Numerics.Tensors.TensorPrimitives.Divide(row, count, row);
        }
        return embeddings;
    }
}
