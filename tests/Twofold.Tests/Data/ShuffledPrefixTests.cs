using Twofold.Data;
using Xunit;

namespace Twofold.Tests.Data;

public class ShuffledPrefixTests
{
    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(1, 1, 1)]
    [InlineData(10, 3, 7)]
    [InlineData(10, 10, 7)]
    [InlineData(1000, 1, 42)]
    [InlineData(1000, 400, 42)]
    [InlineData(1000, 999, 5)]
    [InlineData(1000, 5000, 5)]
    public void Draw_equals_the_prefix_of_a_whole_shuffle_and_leaves_the_generator_where_the_shuffle_does(int count, int take, int seed)
    {
        var whole = Enumerable.Range(0, count).ToArray();
        var shuffler = new Random(seed);
        shuffler.Shuffle(whole);

        var drawer = new Random(seed);
        var prefix = ShuffledPrefix.Draw(drawer, count, take, completeShuffle: true);

        Assert.Equal(whole.Take(take), prefix);
        Assert.Equal(shuffler.Next(), drawer.Next());
    }

    [Fact]
    public void Skip_replays_the_rest_of_the_shuffle()
    {
        var shuffler = new Random(3);
        shuffler.Shuffle(new int[500]);
        var skipper = new Random(3);
        ShuffledPrefix.Draw(skipper, 500, 20);
        ShuffledPrefix.Skip(skipper, 500, from: 20);
        Assert.Equal(shuffler.Next(), skipper.Next());
    }
}
