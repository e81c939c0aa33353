using Twofold.Evaluation;

namespace Twofold.Tests.Evaluation;

public class AucTests
{
    [Fact]
    public void Perfect_reversed_and_hand_computed_orderings()
    {
        Assert.Equal(1.0, Auc.Of([0.1f, 0.4f, 0.35f, 0.8f], [0, 1, 0, 1]), 12);
        Assert.Equal(0.0, Auc.Of([0.9f, 0.1f], [0, 1]), 12);
        // Positives 0.35 and 0.8, negatives 0.1 and 0.4: pairs (0.35>0.1), (0.35<0.4), (0.8>0.1), (0.8>0.4) → 3/4.
        Assert.Equal(0.75, Auc.Of([0.1f, 0.4f, 0.35f, 0.8f], [0, 0, 1, 1]), 12);
    }

    [Fact]
    public void Ties_count_one_half()
    {
        Assert.Equal(0.5, Auc.Of([0.3f, 0.3f, 0.3f], [1, 0, 0]), 12);
        // Positives {0.5, 0.2}, negatives {0.5, 0.1, 0.2}: 0.5 vs (0.5 tie=½, 0.1=1, 0.2=1) = 2.5; 0.2 vs (0.5=0, 0.1=1, 0.2 tie=½) = 1.5 → 4/6.
        Assert.Equal(4 / 6.0, Auc.Of([0.5f, 0.5f, 0.1f, 0.2f, 0.2f], [1, 0, 0, 1, 0]), 12);
    }

    [Fact]
    public void Matches_the_pairwise_definition_on_random_data()
    {
        var random = new Random(3);
        var scores = Enumerable.Range(0, 300).Select(_ => (float)Math.Round(random.NextDouble(), 1)).ToArray(); // many ties
        var labels = scores.Select(s => random.NextDouble() < s ? 1f : 0f).ToArray();
        double wins = 0, pairs = 0;
        for (var p = 0; p < scores.Length; p++)
            for (var n = 0; n < scores.Length; n++)
                if (labels[p] == 1 && labels[n] == 0)
                {
                    pairs++;
                    wins += scores[p] > scores[n] ? 1 : scores[p] == scores[n] ? 0.5 : 0;
                }
        Assert.Equal(wins / pairs, Auc.Of(scores, labels), 10);
    }

    [Fact]
    public void Undefined_without_both_classes_and_bad_input_is_rejected()
    {
        Assert.True(double.IsNaN(Auc.Of([0.1f, 0.2f], [1, 1])));
        Assert.True(double.IsNaN(Auc.Of(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty)));
        Assert.Throws<ArgumentException>(() => Auc.Of([0.1f], [1, 0]));
        Assert.Throws<ArgumentException>(() => Auc.Of([float.NaN, 0.2f], [1, 0]));
    }
}
