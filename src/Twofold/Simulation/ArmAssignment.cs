namespace Twofold.Simulation;

/// <summary>
/// User–creator co-diverted assignment (DualRec §5.1.1): creators and users are each split into disjoint arms by a
/// seeded hash, and an arm's users are served only its creators' items, so nothing a strategy does to creators leaks
/// into another arm.
/// </summary>
public sealed class ArmAssignment
{
    private readonly int[] _userArm;
    private readonly int[] _creatorArm;

    public ArmAssignment(int users, int creators, int arms, long seed)
    {
        if (arms < 1) throw new ArgumentOutOfRangeException(nameof(arms), arms, "At least one arm is needed.");
        Arms = arms;
        _userArm = Split(users, arms, seed, salt: 0x5553);
        _creatorArm = Split(creators, arms, seed, salt: 0x4352);
    }

    public int Arms { get; }

    public int UserArm(int user) => _userArm[user];

    public int CreatorArm(int creator) => _creatorArm[creator];

    public IEnumerable<int> UsersOf(int arm) => Enumerable.Range(0, _userArm.Length).Where(u => _userArm[u] == arm);

    public IEnumerable<int> CreatorsOf(int arm) => Enumerable.Range(0, _creatorArm.Length).Where(c => _creatorArm[c] == arm);

    // A seeded permutation dealt round-robin: arms differ in size by at most one, and membership does not depend on
    // the number of other agents' ids.
    private static int[] Split(int count, int arms, long seed, long salt)
    {
        var order = Enumerable.Range(0, count).ToArray();
        // HashCode is randomised per process, so the seed is mixed by hand to stay deterministic across runs.
        new Random(unchecked((int)(seed * 1_000_003 ^ salt * 7_919))).Shuffle(order);
        var arm = new int[count];
        for (var position = 0; position < count; position++) arm[order[position]] = position % arms;
        return arm;
    }
}
