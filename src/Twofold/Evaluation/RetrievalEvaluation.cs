using Twofold.Data;
using Twofold.Domain;
using Twofold.Graph;
using Twofold.Models;
using Twofold.Retrieval;
using Twofold.Similarity;
using Twofold.Vectors;

namespace Twofold.Evaluation;

/// <summary>Settings of <see cref="RetrievalEvaluation"/>.</summary>
/// <param name="K">Length of each retrieved list.</param>
/// <param name="TestDays">The last this many days of the log are held out; the rest builds the graph and similarities.</param>
/// <param name="MaxQueries">Queries per side at most (a seeded sample of the eligible users or items).</param>
public sealed record RetrievalEvaluationOptions(int K = 50, int TestDays = 1, int MaxQueries = 2000, int Seed = 1)
{
    public GraphOptions Graph { get; init; } = GraphOptions.Default;
    public CollaborativeOptions Similarity { get; init; } = new();

    /// <summary>The two-tower model trained on the days before the cut; null leaves the two-tower rows out.</summary>
    public TwoTowerOptions? TwoTower { get; init; } = new();

    public void Validate()
    {
        if (K < 1) throw new ArgumentException($"K must be at least 1, not {K}.");
        if (TestDays < 1) throw new ArgumentException($"The test period must be at least one day, not {TestDays}.");
        if (MaxQueries < 1) throw new ArgumentException($"At least one query is needed, not {MaxQueries}.");
        Graph.Validate();
        Similarity.Validate();
    }
}

/// <summary>One retrieval's figures: accuracy on held-out positives, and how many new items it reaches.</summary>
/// <param name="Similarity">Which item similarity the retrieval used (collaborative or content), or "-".</param>
/// <param name="NewItemCoverage">
/// Share of the test period's new items reached: on the creator side, new items for which the retrieval finds at
/// least one user; on the user side, new items that appear in some user's list when retrieval is restricted to new items.
/// </param>
public sealed record RetrievalEvaluationRow(string Source, Side Side, string Similarity, int Queries, TopKMetrics Metrics, double NewItemCoverage);

public sealed record RetrievalEvaluationReport(DateOnly FirstTestDay, int K, int NewItems, IReadOnlyList<RetrievalEvaluationRow> Rows);

/// <summary>
/// Time-split offline evaluation of the retrievals on both sides (`twofold eval retrieval`): the graph and the
/// similarities are built from the days before the cut; each retrieval's list for a user (items) or an item (users)
/// is scored against the positives of the held-out days; new-item coverage reproduces the comparison of DualRec
/// Figure 8.
/// </summary>
public static class RetrievalEvaluation
{
    public static RetrievalEvaluationReport Run(Dataset dataset, RetrievalEvaluationOptions options)
    {
        options.Validate();
        var log = dataset.Events;
        var days = log.Days.ToList();
        if (days.Count <= options.TestDays)
            throw new ArgumentException($"The log has {days.Count} days; holding out {options.TestDays} leaves nothing to learn from.");
        var cut = days[^options.TestDays];
        var users = dataset.Manifest.Users;
        var items = dataset.ReadItems();

        var graph = InteractionGraph.Build(log, users, items.Count, options.Graph, to: cut.AddDays(-1));
        var userSimilarity = CollaborativeSimilarity.Compute(graph, Side.User, options.Similarity);
        var itemSimilarities = new List<(string Name, NeighborLists Lists)>
        {
            ("collaborative", CollaborativeSimilarity.Compute(graph, Side.Item, options.Similarity)),
        };
        if (items.Any(i => i.ContentEmbedding is not null))
            itemSimilarities.Add(("content", ContentSimilarity.Compute(items, options.Similarity.TopK)));

        var (userPositives, itemPositives) = HeldOutPositives(log, cut, options.Graph.Positive);
        var cutMs = (long)EventLogDays.FromDate(cut) * 86_400_000L;
        var newItems = items.Where(i => i.UploadTimeMs >= cutMs).Select(i => i.Id.Value).ToList();
        var newItemFilter = new IdFilter(items.Count);
        foreach (var item in newItems) newItemFilter.Set(item);

        var userQueries = Sample(userPositives.Keys, options);
        var itemQueries = Sample(itemPositives.Keys, options);
        var newItemQueries = Sample(newItems, options);
        var rows = new List<RetrievalEvaluationRow>();
        foreach (var (name, itemSimilarity) in itemSimilarities)
        {
            var retriever = new TwoHopRetriever(graph, userSimilarity, itemSimilarity);
            foreach (var kind in new[] { RetrievalKind.HistoryThenSimilarity, RetrievalKind.SimilarityThenHistory })
                foreach (var side in new[] { Side.User, Side.Item })
                {
                    // u2u2i and i2u2u do not use item similarity: evaluate them once, with the collaborative run.
                    var usesItemSimilarity = (kind, side) is (RetrievalKind.HistoryThenSimilarity, Side.User) or (RetrievalKind.SimilarityThenHistory, Side.Item);
                    if (!usesItemSimilarity && name != "collaborative") continue;
                    var positives = side == Side.User ? userPositives : itemPositives;
                    var queries = side == Side.User ? userQueries : itemQueries;
                    var metrics = queries.Select(q => TopKMetrics.Of(
                        retriever.Retrieve(kind, side, q, options.K).Select(c => c.Id).ToList(), positives[q], options.K)).ToList();
                    var coverage = side == Side.Item
                        ? newItemQueries.Count(item => retriever.Retrieve(kind, side, item, options.K).Count > 0) / (double)Math.Max(1, newItemQueries.Count)
                        : userQueries.SelectMany(u => retriever.Retrieve(kind, side, u, options.K, newItemFilter).Select(c => c.Id)).Distinct().Count()
                          / (double)Math.Max(1, newItems.Count);
                    rows.Add(new RetrievalEvaluationRow(new RetrievalSource(kind, side).ToString(), side, usesItemSimilarity ? name : "-",
                        queries.Count, TopKMetrics.Mean(metrics), coverage));
                }
        }
        if (options.TwoTower is { } towerOptions)
        {
            var model = TwoTowerTrainer.Fit(TwoTowerData.FromDataset(dataset, to: cut.AddDays(-1)), towerOptions with { Seed = options.Seed });
            var itemIndex = new FlatIndex(model.ItemEmbeddings.Span, model.Dimension);
            var userIndex = new FlatIndex(model.UserEmbeddings.Span, model.Dimension);
            foreach (var side in new[] { Side.User, Side.Item })
            {
                var index = side == Side.User ? itemIndex : userIndex;
                var history = graph.History(side);
                // Like the two-hop retrievals, leave out the query's training history: over-fetch by its length.
                List<int> Retrieve(int query, IdFilter? filter)
                {
                    var seen = history.Neighbors(query);
                    var found = index.Search(model.Embedding(side, query), options.K + seen.Length, filter);
                    var exclude = seen.ToArray().ToHashSet();
                    return found.Where(n => !exclude.Contains(n.Id)).Take(options.K).Select(n => n.Id).ToList();
                }
                var positives = side == Side.User ? userPositives : itemPositives;
                var queries = side == Side.User ? userQueries : itemQueries;
                var metrics = queries.Select(q => TopKMetrics.Of(Retrieve(q, null), positives[q], options.K)).ToList();
                var coverage = side == Side.Item
                    ? newItemQueries.Count(item => Retrieve(item, null).Count > 0) / (double)Math.Max(1, newItemQueries.Count)
                    : userQueries.SelectMany(u => Retrieve(u, newItemFilter)).Distinct().Count() / (double)Math.Max(1, newItems.Count);
                rows.Add(new RetrievalEvaluationRow(new RetrievalSource(RetrievalKind.TwoTower, side).ToString(), side, "-",
                    queries.Count, TopKMetrics.Mean(metrics), coverage));
            }
        }
        return new RetrievalEvaluationReport(cut, options.K, newItems.Count, rows);
    }

    private static (Dictionary<int, HashSet<int>> Users, Dictionary<int, HashSet<int>> Items) HeldOutPositives(EventLog log, DateOnly cut, Feedback positive)
    {
        var byUser = new Dictionary<int, HashSet<int>>();
        var byItem = new Dictionary<int, HashSet<int>>();
        foreach (var batch in log.ReadBatches(from: cut, reuse: true))
            for (var r = 0; r < batch.Count; r++)
            {
                if ((batch.Feedback[r] & positive) == 0) continue;
                var (u, i) = (batch.Users[r], batch.Items[r]);
                (byUser.TryGetValue(u, out var a) ? a : byUser[u] = []).Add(i);
                (byItem.TryGetValue(i, out var b) ? b : byItem[i] = []).Add(u);
            }
        return (byUser, byItem);
    }

    private static List<int> Sample(IEnumerable<int> ids, RetrievalEvaluationOptions options)
    {
        var all = ids.Order().ToList();
        new Random(options.Seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(all));
        return all.Take(options.MaxQueries).Order().ToList();
    }
}
