namespace Twofold.World;

/// <summary>
/// What each creator knows of their own recent items (LoRe §3.1's H_c: the items a creator made and the clicks each
/// received): the ids of the items uploaded in the last <c>windowDays</c> days and the clicks they received so far.
/// Exposures are read from <see cref="WorldState.ItemExposures"/>, which creators see too.
/// </summary>
public sealed class CreatorItemHistory
{
    private readonly List<int>[] _items;
    private readonly int _windowDays;
    private int[] _clicks = new int[1024];
    private int _indexed;

    public CreatorItemHistory(int creators, int windowDays)
    {
        if (windowDays < 1) throw new ArgumentOutOfRangeException(nameof(windowDays), windowDays, "The history covers at least one day.");
        _items = new List<int>[creators];
        for (var c = 0; c < creators; c++) _items[c] = [];
        _windowDays = windowDays;
    }

    /// <summary>The creator's items uploaded within the window, oldest first.</summary>
    public IReadOnlyList<int> ItemsOf(int creator) => _items[creator];

    /// <summary>Clicks the item received since upload (while it was in its creator's window).</summary>
    public int Clicks(int item) => item < _clicks.Length ? _clicks[item] : 0;

    /// <summary>Takes in the day's uploads and clicks, and forgets items that left the window. Call once per day.</summary>
    public void Update(WorldState state)
    {
        var items = state.Items;
        for (var i = _indexed; i < items.Count; i++) _items[items.Creator[i]].Add(i);
        _indexed = items.Count;
        if (_clicks.Length < items.Count) Array.Resize(ref _clicks, Math.Max(items.Count, _clicks.Length * 2));
        var firstDay = state.Day - _windowDays + 1;
        var clicksToday = state.ItemClicksToday;
        var uploadDay = items.UploadDay;
        foreach (var list in _items)
        {
            var expired = 0;
            while (expired < list.Count && uploadDay[list[expired]] < firstDay) expired++;
            if (expired > 0) list.RemoveRange(0, expired);
            foreach (var item in list) _clicks[item] += clicksToday[item];
        }
    }
}
