using TorchSharp;
using Twofold.Data;
using Twofold.Domain;
using Twofold.Models;
using static TorchSharp.torch;

namespace Twofold.Tests.Models;

/// <summary>Bad input to the two-tower entry points is an ArgumentException, and the process keeps working after it.</summary>
public class TwoTowerGuardTests
{
    private static readonly TwoTowerOptions Small = new() { EmbeddingDim = 4, HiddenDim = 4, OutputDim = 4, BatchSize = 16, Epochs = 1, ValidationDays = 0, Threads = 1 };

    [Theory]
    [InlineData(nameof(TwoTowerOptions.EmbeddingDim))]
    [InlineData(nameof(TwoTowerOptions.OutputDim))]
    [InlineData(nameof(TwoTowerOptions.Temperature))]
    [InlineData(nameof(TwoTowerOptions.BatchSize))]
    [InlineData(nameof(TwoTowerOptions.LearningRate))]
    [InlineData(nameof(TwoTowerOptions.RandomNegatives))]
    [InlineData(nameof(TwoTowerOptions.Positive))]
    [InlineData(nameof(TwoTowerOptions.Directions))]
    [InlineData(nameof(TwoTowerOptions.Threads))]
    [InlineData(nameof(TwoTowerOptions.MaxPositivesPerEpoch))]
    public void Options_name_the_bad_field(string field)
    {
        var bad = field switch
        {
            nameof(TwoTowerOptions.EmbeddingDim) => Small with { EmbeddingDim = 0 },
            nameof(TwoTowerOptions.OutputDim) => Small with { OutputDim = -3 },
            nameof(TwoTowerOptions.Temperature) => Small with { Temperature = double.NaN },
            nameof(TwoTowerOptions.BatchSize) => Small with { BatchSize = 1 },
            nameof(TwoTowerOptions.LearningRate) => Small with { LearningRate = 0 },
            nameof(TwoTowerOptions.RandomNegatives) => Small with { RandomNegatives = -1 },
            nameof(TwoTowerOptions.Positive) => Small with { Positive = Feedback.None },
            nameof(TwoTowerOptions.Directions) => Small with { Directions = (TwoTowerDirections)8 },
            nameof(TwoTowerOptions.MaxPositivesPerEpoch) => Small with { MaxPositivesPerEpoch = 1 },
            _ => Small with { Threads = 0 },
        };
        var e = Assert.Throws<ArgumentException>(() => TwoTowerTrainer.Fit(TwoTowerTrainingTests.Tiny(), bad));
        Assert.Equal(field, e.ParamName);
        Assert.Contains($"TwoTowerOptions.{field}", e.Message);
    }

    [Fact]
    public void Data_with_ids_out_of_range_or_unequal_arrays_is_rejected()
    {
        var events = new InteractionBatch([]);
        events.Add(new Interaction(new UserId(5), new ItemId(0), 0, 0, 0, Feedback.Like));
        Assert.Equal("events.Users", Assert.Throws<ArgumentException>(() => new TwoTowerData(5, [0, 0], 1, [0, 0], 1, events)).ParamName);
        events.Clear();
        events.Add(new Interaction(new UserId(0), new ItemId(2), 0, 0, 0, Feedback.Like));
        Assert.Equal("events.Items", Assert.Throws<ArgumentException>(() => new TwoTowerData(5, [0, 0], 1, [0, 0], 1, events)).ParamName);
        Assert.Equal("itemGenres", Assert.Throws<ArgumentException>(() => new TwoTowerData(5, [0, 0], 1, [0], 1, events)).ParamName);
        Assert.Equal("itemCreators", Assert.Throws<ArgumentException>(() => new TwoTowerData(5, [0, 3], 2, [0, 0], 1, events)).ParamName);
    }

    [Fact]
    public void Fit_without_enough_positives_before_the_cut_is_rejected()
    {
        var events = new InteractionBatch([]);
        events.Add(new Interaction(new UserId(0), new ItemId(0), 0, 0, 0, Feedback.Like));
        events.Add(new Interaction(new UserId(1), new ItemId(1), 0, 0, 0, Feedback.Click)); // not a positive by default
        var data = new TwoTowerData(2, [0, 0], 1, [0, 0], 1, events);
        var e = Assert.Throws<ArgumentException>(() => TwoTowerTrainer.Fit(data, Small));
        Assert.Contains("at least 2 positive", e.Message);
    }

    [Fact]
    public void Model_and_network_entry_points_reject_bad_ids_and_shapes_and_keep_working()
    {
        var model = TwoTowerTrainer.Fit(TwoTowerTrainingTests.Tiny(), Small);
        Assert.Equal("users", Assert.Throws<ArgumentException>(() => model.Score([20], [0])).ParamName);
        Assert.Equal("items", Assert.Throws<ArgumentException>(() => model.Score([0], [-1])).ParamName);
        Assert.Equal("items", Assert.Throws<ArgumentException>(() => model.Score([0, 1], [0])).ParamName);
        Assert.Equal("id", Assert.Throws<ArgumentException>(() => model.Embedding(Side.Item, 30)).ParamName);
        Assert.Equal(2, model.Score([0, 19], [0, 29]).Length);

        using var network = new TwoTowerNetwork(TwoTowerTrainingTests.Tiny(), Small);
        using var scope = torch.NewDisposeScope();
        Assert.Equal("users", Assert.Throws<ArgumentException>(() => network.EmbedUsers(torch.tensor(new long[] { 0, 20 }))).ParamName);
        Assert.Equal("items", Assert.Throws<ArgumentException>(() => network.EmbedItems(torch.tensor(new long[] { -1 }))).ParamName);
        Assert.Equal("items", Assert.Throws<ArgumentException>(() => network.EmbedItems(torch.zeros(2, 2, dtype: ScalarType.Int64))).ParamName);
        Assert.Equal("users", Assert.Throws<ArgumentException>(() => network.EmbedUsers(torch.zeros(3))).ParamName);
        Assert.Equal([2L, 4L], network.EmbedItems(torch.tensor(new long[] { 0, 29 })).shape);

        var tower = new Tower("t", [3, 2], 4, 4, 4, new Random(1));
        Assert.Equal("ids", Assert.Throws<ArgumentException>(() => tower.forward([torch.tensor(new long[] { 0 })])).ParamName);
        Assert.Equal("ids[1]", Assert.Throws<ArgumentException>(() =>
            tower.forward([torch.tensor(new long[] { 0, 1 }), torch.tensor(new long[] { 0 })])).ParamName);
        Assert.Equal("ids[1]", Assert.Throws<ArgumentException>(() =>
            tower.forward([torch.tensor(new long[] { 0 }), torch.tensor(new long[] { 2 })])).ParamName);
        Assert.Equal([1L, 4L], tower.forward([torch.tensor(new long[] { 2 }), torch.tensor(new long[] { 1 })]).shape);
    }
}
