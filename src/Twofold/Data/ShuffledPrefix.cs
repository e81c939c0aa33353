namespace Twofold.Data;

/// <summary>
/// The first positions of a seeded shuffle of 0 … count − 1 without the shuffle: what <see cref="Random.Shuffle{T}(Span{T})"/>
/// would put in its first <c>take</c> slots, drawn in O(take) memory. The trainers use it to keep a seeded sample of a
/// log while reading it (the log's rows need not be held to be shuffled), and the sample equals the one a shuffle of
/// every row would have given.
/// </summary>
/// <remarks>
/// <see cref="Random.Shuffle{T}(Span{T})"/> is Fisher–Yates from the front: step i swaps slot i with slot
/// <c>Next(i, count)</c>, and no later step writes slot i again. So the first <c>take</c> slots are final after
/// <c>take</c> steps, and only the slots those steps touched differ from the identity (kept in a dictionary). A test
/// compares this with <see cref="Random.Shuffle{T}(Span{T})"/> itself, so a change of the runtime's algorithm fails it.
/// </remarks>
public static class ShuffledPrefix
{
    /// <summary>The values of slots 0 … take − 1 of the shuffle of 0 … count − 1, in slot order.</summary>
    /// <param name="random">Advanced by <paramref name="take"/> draws, or by all count − 1 of the whole shuffle when
    /// <paramref name="completeShuffle"/> (then its later draws equal those after <see cref="Random.Shuffle{T}(Span{T})"/>).</param>
    public static int[] Draw(Random random, int count, int take, bool completeShuffle = false)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        take = Math.Min(take, count);
        var moved = new Dictionary<int, int>(2 * take);
        var prefix = new int[take];
        var steps = count - 1;
        for (var i = 0; i < steps && i < take; i++)
        {
            var j = random.Next(i, count);
            var atI = moved.GetValueOrDefault(i, i);
            var atJ = moved.GetValueOrDefault(j, j);
            moved[j] = atI;
            prefix[i] = atJ;
        }
        if (take == count && count > 0) prefix[count - 1] = moved.GetValueOrDefault(count - 1, count - 1);
        if (completeShuffle) Skip(random, count, take);
        return prefix;
    }

    /// <summary>Advances <paramref name="random"/> over the draws of steps <paramref name="from"/> … count − 2 of the shuffle.</summary>
    public static void Skip(Random random, int count, int from = 0)
    {
        for (var i = from; i < count - 1; i++) random.Next(i, count);
    }
}
