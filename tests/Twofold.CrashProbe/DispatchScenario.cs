namespace Twofold.Tests.CrashProbe;

/// <summary>The deterministic dispatch workload shared by the crash probe and the test that kills it.</summary>
public static class DispatchScenario
{
    public const int Day = 0;
    public const int Users = 20_000;
    public const int Capacity = 10;
    public const int Limit = 200;

    public static IReadOnlyCollection<int> ActiveUsers() => Enumerable.Range(0, Users).Where(u => u % 10 != 0).ToList();

    /// <summary>Item <paramref name="item"/>'s ordered candidates: long lists, so a kill often lands inside a transaction.</summary>
    public static IReadOnlyList<int> Candidates(int item)
    {
        var random = new Random(item);
        return Enumerable.Range(0, 3 * Limit).Select(_ => (int)(Users * Math.Pow(random.NextDouble(), 2))).ToList();
    }
}
