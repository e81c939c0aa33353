using Twofold.Domain;

namespace Twofold.World;

/// <summary>
/// All items of the world, struct-of-arrays by dense item id, growing as creators post. An item has a creator, a
/// genre, a heavy-tailed duration (log-normal: seconds to minutes), a quality, a latent vector near its creator's
/// style and, optionally, a content embedding (a noisy projection of the latent).
/// </summary>
public sealed class ItemCatalogue
{
    private int[] _creator = new int[1024];
    private int[] _genre = new int[1024];
    private int[] _duration = new int[1024];
    private float[] _quality = new float[1024];
    private long[] _upload = new long[1024];
    private int[] _uploadDay = new int[1024];
    private float[] _latent;
    private float[] _content;

    public ItemCatalogue(int dimension, int contentDimension)
    {
        Dimension = dimension;
        ContentDimension = contentDimension;
        _latent = new float[1024 * dimension];
        _content = new float[1024 * contentDimension];
    }

    public int Count { get; private set; }
    public int Dimension { get; }
    public int ContentDimension { get; }

    public ReadOnlySpan<int> Creator => _creator.AsSpan(0, Count);
    public ReadOnlySpan<int> Genre => _genre.AsSpan(0, Count);
    public ReadOnlySpan<int> DurationMs => _duration.AsSpan(0, Count);
    public ReadOnlySpan<float> Quality => _quality.AsSpan(0, Count);
    public ReadOnlySpan<long> UploadTimeMs => _upload.AsSpan(0, Count);
    /// <summary>The day of upload relative to the first logged day (negative for the backlog).</summary>
    public ReadOnlySpan<int> UploadDay => _uploadDay.AsSpan(0, Count);
    public ReadOnlySpan<float> Latents => _latent.AsSpan(0, Count * Dimension);
    public ReadOnlySpan<float> Contents => _content.AsSpan(0, Count * ContentDimension);

    public ReadOnlySpan<float> LatentOf(int item) => _latent.AsSpan(item * Dimension, Dimension);
    public ReadOnlySpan<float> ContentOf(int item) => _content.AsSpan(item * ContentDimension, ContentDimension);

    /// <summary>Adds an item; returns its id.</summary>
    public int Add(int creator, int genre, int durationMs, float quality, long uploadTimeMs, int uploadDay,
        ReadOnlySpan<float> latent, ReadOnlySpan<float> content)
    {
        if (Count == _creator.Length) Grow();
        var id = Count++;
        _creator[id] = creator;
        _genre[id] = genre;
        _duration[id] = durationMs;
        _quality[id] = quality;
        _upload[id] = uploadTimeMs;
        _uploadDay[id] = uploadDay;
        latent.CopyTo(_latent.AsSpan(id * Dimension, Dimension));
        content.CopyTo(_content.AsSpan(id * ContentDimension, ContentDimension));
        return id;
    }

    private void Grow()
    {
        var capacity = _creator.Length * 2;
        Array.Resize(ref _creator, capacity);
        Array.Resize(ref _genre, capacity);
        Array.Resize(ref _duration, capacity);
        Array.Resize(ref _quality, capacity);
        Array.Resize(ref _upload, capacity);
        Array.Resize(ref _uploadDay, capacity);
        Array.Resize(ref _latent, capacity * Dimension);
        Array.Resize(ref _content, capacity * ContentDimension);
    }

    /// <summary>Draws a duration: log-normal around the median, clipped to the configured range.</summary>
    public static int SampleDurationMs(CatalogueConfig c, ref WorldRandom rng) =>
        (int)Math.Clamp(c.MedianDurationMs * Math.Exp(c.DurationSpread * rng.Normal()), c.MinDurationMs, c.MaxDurationMs);

    /// <summary>The dataset's item table (external ids "i{id}", genre names "g{genre}").</summary>
    public List<Item> ToItems()
    {
        var items = new List<Item>(Count);
        for (var i = 0; i < Count; i++)
            items.Add(new Item(new ItemId(i), $"i{i}", new CreatorId(_creator[i]), _upload[i], _duration[i], LatentSpace.GenreName(_genre[i]), [],
                ContentDimension == 0 ? null : ContentOf(i).ToArray()));
        return items;
    }

    /// <summary>Rebuilds a catalogue from stored columns (see <see cref="WorldTruth"/>).</summary>
    internal static ItemCatalogue From(int dimension, int contentDimension, int[] creator, int[] genre, int[] duration, float[] quality,
        long[] upload, int[] uploadDay, float[] latent, float[] content)
    {
        var catalogue = new ItemCatalogue(dimension, contentDimension);
        for (var i = 0; i < creator.Length; i++)
            catalogue.Add(creator[i], genre[i], duration[i], quality[i], upload[i], uploadDay[i], latent.AsSpan(i * dimension, dimension),
                content.AsSpan(i * contentDimension, contentDimension));
        return catalogue;
    }
}
