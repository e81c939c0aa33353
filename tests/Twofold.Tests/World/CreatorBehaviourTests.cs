using System.Numerics.Tensors;
using System.Text.Json;
using Twofold.World;

namespace Twofold.Tests.World;

/// <summary>Each creator behaviour model's defining behaviour, driven day by day with feedback the test sets.</summary>
public class CreatorBehaviourTests
{
    // Every creator posts about three items a day (no engagement response), so each model has material every day.
    private static WorldConfig World(string model, Func<CreatorBehaviourConfig, CreatorBehaviourConfig>? tune = null)
    {
        var config = new WorldConfig
        {
            Users = 200, Creators = 24, Seed = 11,
            CreatorModel = new CreatorConfig { MeanPostingRate = 3, PostingRateSpread = 0, EngagementResponse = 0, ChurnDays = 0 },
            Catalogue = new CatalogueConfig { BacklogDays = 7 },
        };
        var behaviour = new CreatorBehaviourConfig { Model = model };
        return config with { CreatorBehaviour = tune is null ? behaviour : tune(behaviour) };
    }

    /// <summary>One day: creators post, <paramref name="feedback"/> sets the day's exposures and clicks, creators take them in.</summary>
    private static void Day(WorldState state, ICreatorBehaviour behaviour, int day, Action<WorldState, int>? feedback = null)
    {
        state.Day = day;
        state.ClearDay();
        var first = state.Items.Count;
        WorldGenerator.Post(state, behaviour, day);
        state.SyncItems();
        for (var i = first; i < state.Items.Count; i++) feedback?.Invoke(state, i);
        state.CloseDay(0.8);
        CreatorDay.Close(state, behaviour);
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.Dot(a, b);

    [Fact]
    public void History_creators_make_the_genre_their_items_got_most_clicks_in()
    {
        var config = World(CreatorBehaviours.History);
        var behaviour = (HistoryBehaviour)CreatorBehaviours.Create(config);
        var state = WorldGenerator.CreateState(config, behaviour);
        // Day 0: posting-response items (style, sometimes another genre); only items of genre 4 get clicks.
        Day(state, behaviour, 0, (s, item) => s.ItemClicksToday[item] = s.Items.Genre[item] == 4 ? 3 : 0);
        var learnt = Enumerable.Range(0, config.Creators).Where(c => behaviour.MostClickedGenre(state, c) == 4).ToList();
        Assert.NotEmpty(learnt);
        Assert.Contains(learnt, c => state.Creators.Genre[c] != 4);
        var first = state.Items.Count;
        Day(state, behaviour, 1, (s, item) => s.ItemClicksToday[item] = 1);
        var made = Enumerable.Range(first, state.Items.Count - first).Where(i => learnt.Contains(state.Items.Creator[i])).ToList();
        Assert.NotEmpty(made);
        Assert.All(made, i => Assert.Equal(4, state.Items.Genre[i]));
        Assert.All(made, i => Assert.Equal(4, state.Space.NearestGenre(state.Items.LatentOf(i))));
        // Creators without any click in memory act as the posting-response model: their own genre mostly.
        Assert.Contains(Enumerable.Range(0, config.Creators), c => behaviour.MostClickedGenre(state, c) != 4);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    public void Cfd_creators_move_their_strategy_up_the_click_gradient(int sign)
    {
        var config = World(CreatorBehaviours.Cfd);
        var behaviour = (CfdBehaviour)CreatorBehaviours.Create(config);
        var state = WorldGenerator.CreateState(config, behaviour);
        // Users click items in direction v: click rate = sigmoid(8 · sign · (l·v)).
        var v = state.Space.Centroid(5).ToArray();
        var before = Enumerable.Range(0, config.Creators).Average(c => Dot(behaviour.StrategyOf(state, c), v));
        for (var day = 0; day < 12; day++)
            Day(state, behaviour, day, (s, item) =>
            {
                s.ItemExposures[item] = 100;
                s.ItemClicksToday[item] = (int)Math.Round(100 / (1 + Math.Exp(-8 * sign * Dot(s.Items.LatentOf(item), v))));
            });
        var after = Enumerable.Range(0, config.Creators).Average(c => Dot(behaviour.StrategyOf(state, c), v));
        Assert.True(sign * (after - before) > 0.1, $"mean s·v moved from {before:F3} to {after:F3}; expected a move of > 0.1 towards {sign}·v");
        for (var c = 0; c < config.Creators; c++) Assert.Equal(1f, TensorPrimitives.Norm(behaviour.StrategyOf(state, c)), 3);
    }

    [Fact]
    public void Cfd_creators_without_feedback_keep_their_strategy()
    {
        var config = World(CreatorBehaviours.Cfd);
        var behaviour = (CfdBehaviour)CreatorBehaviours.Create(config);
        var state = WorldGenerator.CreateState(config, behaviour);
        for (var day = 0; day < 5; day++) Day(state, behaviour, day, (s, item) => s.ItemExposures[item] = 50); // shown, never clicked
        for (var c = 0; c < config.Creators; c++) Assert.Equal(state.Creators.StyleOf(c).ToArray(), behaviour.StrategyOf(state, c).ToArray());
    }

    [Fact]
    public void SimuLine_creators_vary_the_items_that_were_clicked()
    {
        var config = World(CreatorBehaviours.SimuLine);
        var behaviour = CreatorBehaviours.Create(config);
        var state = WorldGenerator.CreateState(config, behaviour);
        const int creator = 3;
        var own = Enumerable.Range(0, state.Items.Count).Where(i => state.Items.Creator[i] == creator && state.Items.UploadDay[i] >= -6).ToList();
        Assert.True(own.Count >= 10, $"creator {creator} has {own.Count} items in the window");
        var star = own[own.Count / 2];
        // Day 0: the backlog item `star` gets 60 clicks, every other item none.
        state.Day = 0;
        state.ClearDay();
        state.ItemClicksToday[star] = 60;
        state.CloseDay(0.8);
        CreatorDay.Close(state, behaviour);

        double NearestIsStar(int seed)
        {
            Span<float> latent = stackalloc float[config.Tastes.Dimension];
            var hits = 0;
            for (var k = 0; k < 400; k++)
            {
                var rng = new WorldRandom(seed, WorldRandom.Purpose.Posting, creator, k);
                behaviour.DesignItem(state, creator, ref rng, latent);
                var nearest = -1;
                var best = float.NegativeInfinity;
                foreach (var item in own)
                {
                    var dot = Dot(state.Items.LatentOf(item), latent);
                    if (dot > best) (nearest, best) = (item, dot);
                }
                if (nearest == star) hits++;
            }
            return hits / 400.0;
        }

        // P(vary star) = 61 / (61 + (n − 1)) with κ = 1; uniform would be 1/n.
        var share = NearestIsStar(1);
        Assert.True(share > 0.5, $"{share:P0} of new items are variations of the clicked item; expected most");
        Assert.True(share > 5.0 / own.Count);
    }

    [Fact]
    public void Lbr_creators_move_to_the_trial_strategy_only_when_its_utility_is_at_least_the_current()
    {
        var config = World(CreatorBehaviours.Lbr);
        var behaviour = (LocalBetterResponseBehaviour)CreatorBehaviours.Create(config);
        var state = WorldGenerator.CreateState(config, behaviour);
        // Day 0 measures u(s) = 2 clicks per item for every creator that posts.
        Day(state, behaviour, 0, (s, item) => s.ItemClicksToday[item] = 2);
        var trying = Enumerable.Range(0, config.Creators).Where(behaviour.IsTrying).ToList();
        Assert.True(trying.Count >= config.Creators / 2);
        var strategies = trying.ToDictionary(c => c, c => behaviour.StrategyOf(state, c).ToArray());
        var trials = trying.ToDictionary(c => c, c => behaviour.TrialOf(c).ToArray());
        foreach (var c in trying)
        {
            // The trial is s + η g projected onto the sphere: a unit vector at distance ≤ η from s.
            Assert.Equal(1f, TensorPrimitives.Norm(trials[c]), 3);
            Assert.InRange(TensorPrimitives.Distance(trials[c], strategies[c]), 0.01f, 0.2013f); // chord of an angle asin(η) at most
        }

        // Day 1 tries: even creators' trial items get 2 clicks each (as good: accepted), odd creators' none (worse: rejected).
        Day(state, behaviour, 1, (s, item) => s.ItemClicksToday[item] = s.Items.Creator[item] % 2 == 0 ? 2 : 0);
        var posted = trying.Where(c => state.CreatorPostsToday[c] > 0).ToList();
        Assert.Contains(posted, c => c % 2 == 0);
        Assert.Contains(posted, c => c % 2 == 1);
        foreach (var c in posted)
        {
            var now = behaviour.StrategyOf(state, c).ToArray();
            if (c % 2 == 0)
            {
                Assert.Equal(trials[c], now);
                Assert.True(behaviour.IsTrying(c), "after a move the next posting day tries another direction");
            }
            else
            {
                Assert.Equal(strategies[c], now);
                Assert.False(behaviour.IsTrying(c), "after a rejection the next posting day measures u(s) again");
            }
        }
    }

    [Fact]
    public void Lbr_creators_climb_towards_the_users_who_click()
    {
        var config = World(CreatorBehaviours.Lbr);
        var behaviour = (LocalBetterResponseBehaviour)CreatorBehaviours.Create(config);
        var state = WorldGenerator.CreateState(config, behaviour);
        var v = state.Space.Centroid(2).ToArray();
        var before = Enumerable.Range(0, config.Creators).Average(c => Dot(behaviour.StrategyOf(state, c), v));
        for (var day = 0; day < 30; day++)
            Day(state, behaviour, day, (s, item) => s.ItemClicksToday[item] = (int)Math.Round(50 * (1 + Dot(s.Items.LatentOf(item), v))));
        var after = Enumerable.Range(0, config.Creators).Average(c => Dot(behaviour.StrategyOf(state, c), v));
        Assert.True(after - before > 0.1, $"mean s·v moved from {before:F3} to {after:F3}");
    }

    private sealed class FixedSuggestion(int genre) : ICreatorSuggestions
    {
        public int? Suggest(WorldState state, int creator) => genre;
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    [InlineData(0.0)]
    public void Creators_follow_a_suggestion_with_probability_equal_to_their_trust(double trust)
    {
        var config = World(CreatorBehaviours.SuggestionFollowing, b => b with { TrustMean = trust, TrustSd = 0, OwnModel = CreatorBehaviours.PostingResponse });
        const int genre = 7;
        var behaviour = (SuggestionFollowingBehaviour)CreatorBehaviours.Create(config, new FixedSuggestion(genre));
        var state = WorldGenerator.CreateState(config, behaviour);
        int decisions = 0, followed = 0, items = 0, itemsOfGenre = 0;
        for (var day = 0; day < 20; day++)
        {
            var first = state.Items.Count;
            Day(state, behaviour, day, (s, item) => s.ItemClicksToday[item] = 1);
            for (var c = 0; c < config.Creators; c++)
            {
                if (state.CreatorPostsToday[c] == 0) continue;
                decisions++;
                if (behaviour.FollowedToday(state, c) == genre) followed++;
            }
            for (var i = first; i < state.Items.Count; i++)
            {
                items++;
                if (state.Items.Genre[i] == genre && behaviour.FollowedToday(state, state.Items.Creator[i]) == genre)
                {
                    itemsOfGenre++;
                    Assert.Equal(genre, state.Space.NearestGenre(state.Items.LatentOf(i)));
                }
            }
        }
        var rate = followed / (double)decisions;
        Assert.True(decisions > 300);
        Assert.InRange(rate, trust - 0.08, trust + 0.08);
        // Every item of a following creator is of the suggested genre.
        Assert.InRange(itemsOfGenre / (double)items, rate - 0.1, rate + 0.1);
    }

    [Fact]
    public void Without_suggestions_creators_act_by_their_own_model()
    {
        var config = World(CreatorBehaviours.SuggestionFollowing, b => b with { TrustMean = 1, TrustSd = 0, OwnModel = CreatorBehaviours.PostingResponse });
        var following = CreatorBehaviours.Create(config);
        var own = CreatorBehaviours.Create(config with { CreatorBehaviour = new CreatorBehaviourConfig() });
        var a = WorldGenerator.CreateState(config, following);
        var b = WorldGenerator.CreateState(config, own);
        for (var day = 0; day < 3; day++)
        {
            Day(a, following, day);
            Day(b, own, day);
        }
        Assert.Equal(b.Items.Latents.ToArray(), a.Items.Latents.ToArray());
        Assert.Equal(b.Items.Genre.ToArray(), a.Items.Genre.ToArray());
    }

    [Fact]
    public void Dynamic_trust_follows_the_change_in_clicks_after_following()
    {
        var config = World(CreatorBehaviours.SuggestionFollowing, b => b with { TrustMean = 0.5, TrustSd = 0, TrustDynamics = true });
        var behaviour = (SuggestionFollowingBehaviour)CreatorBehaviours.Create(config, new FixedSuggestion(1));
        var state = WorldGenerator.CreateState(config, behaviour);
        // Day 0: every creator's items together get 3 clicks (one on its first item of the day).
        var firstOfDay = new HashSet<int>();
        void OneClickPerCreator(WorldState s, int item, int clicks)
        {
            if (firstOfDay.Add(s.Items.Creator[item])) s.ItemClicksToday[item] = clicks;
        }
        Day(state, behaviour, 0, (s, item) => OneClickPerCreator(s, item, 3));
        var trustAfterDay0 = Enumerable.Range(0, config.Creators).Select(behaviour.TrustOf).ToArray();
        var clicksDay0 = state.CreatorClicksToday.ToArray();
        // Day 1: even creators get 15 clicks, odd creators none.
        firstOfDay.Clear();
        Day(state, behaviour, 1, (s, item) => OneClickPerCreator(s, item, s.Items.Creator[item] % 2 == 0 ? 15 : 0));
        var changed = 0;
        for (var c = 0; c < config.Creators; c++)
        {
            var expected = behaviour.FollowedToday(state, c) >= 0 && state.CreatorPostsToday[c] > 0
                ? Math.Clamp(trustAfterDay0[c] * (state.CreatorClicksToday[c] + 1.0) / (clicksDay0[c] + 1.0), 0, 1)
                : trustAfterDay0[c];
            Assert.Equal(expected, behaviour.TrustOf(c), 9);
            if (expected != trustAfterDay0[c]) changed++;
        }
        Assert.True(changed > 0);
    }

    [Theory]
    [InlineData("posting-response")]
    [InlineData("history")]
    [InlineData("cfd")]
    [InlineData("simuline")]
    [InlineData("lbr")]
    [InlineData("suggestion-following")]
    public void Every_model_churns_after_l_days_without_clicks(string model)
    {
        var config = World(model) with { CreatorModel = World(model).CreatorModel with { ChurnDays = 3 } };
        var behaviour = CreatorBehaviours.Create(config, new FixedSuggestion(0));
        Assert.Equal(model, behaviour.Name);
        var state = WorldGenerator.CreateState(config, behaviour);
        // Creator 0's items are clicked (it posts about three a day); nobody else's ever are.
        for (var day = 0; day < 3; day++)
            Day(state, behaviour, day, (s, item) =>
            {
                if (s.Items.Creator[item] == 0) s.ItemClicksToday[item] = 1;
            });
        for (var c = 1; c < config.Creators; c++)
        {
            Assert.False(state.CreatorActive[c], $"creator {c} got no click in 3 days and should have left");
            Assert.Equal(0, behaviour.ExpectedPosts(state, c));
        }
        Assert.True(state.CreatorActive[0]);
    }

    [Fact]
    public void The_model_is_chosen_by_name_in_the_json_config_and_a_bad_name_is_an_error()
    {
        var config = JsonSerializer.Deserialize<WorldConfig>("""{ "creator_behaviour": { "model": "lbr", "lbr_step": 0.1 } }""", WorldConfig.Json)!;
        Assert.IsType<LocalBetterResponseBehaviour>(CreatorBehaviours.Create(config.Validate()));
        Assert.Equal(0.1, config.CreatorBehaviour.LbrStep);
        var following = JsonSerializer.Deserialize<WorldConfig>("""{ "creator_behaviour": { "model": "suggestion-following", "own_model": "cfd" } }""", WorldConfig.Json)!;
        Assert.IsType<CfdBehaviour>(((SuggestionFollowingBehaviour)CreatorBehaviours.Create(following.Validate())).Own);
        var bad = JsonSerializer.Deserialize<WorldConfig>("""{ "creator_behaviour": { "model": "herd" } }""", WorldConfig.Json)!;
        Assert.Contains("creator_behaviour.model", Assert.Throws<ArgumentException>(() => bad.Validate()).Message);
        var badOwn = JsonSerializer.Deserialize<WorldConfig>("""{ "creator_behaviour": { "model": "suggestion-following", "own_model": "suggestion-following" } }""", WorldConfig.Json)!;
        Assert.Contains("creator_behaviour.own_model", Assert.Throws<ArgumentException>(() => badOwn.Validate()).Message);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<WorldConfig>("""{ "creator_behaviour": { "modle": "lbr" } }""", WorldConfig.Json));
    }
}
