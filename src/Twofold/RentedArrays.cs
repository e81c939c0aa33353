using System.Buffers;

namespace Twofold;

/// <summary>
/// Arrays rented from the shared pools for the length of one operation, all returned by <see cref="Dispose"/>. A
/// prediction builds its inputs in them: at a thousand dispatched items a second, inputs allocated anew were about
/// half of what the process allocated, and each collection of the first generation pauses every thread.
/// </summary>
/// <remarks>
/// Nothing written into a rented array may be read after the scope ends; a returned array is handed to the next
/// renter as it is (not cleared), so callers write every element they read.
/// </remarks>
public sealed class RentedArrays : IDisposable
{
    private readonly List<long[]> _longs = [];
    private readonly List<float[]> _floats = [];

    /// <summary>A rented array of at least <paramref name="length"/> longs, as exactly that many.</summary>
    public Memory<long> Longs(int length) => Rent(_longs, length);

    /// <summary>A rented array of at least <paramref name="length"/> floats, as exactly that many.</summary>
    public Memory<float> Floats(int length) => Rent(_floats, length);

    private static Memory<T> Rent<T>(List<T[]> rented, int length)
    {
        var array = ArrayPool<T>.Shared.Rent(length);
        rented.Add(array);
        return array.AsMemory(0, length);
    }

    public void Dispose()
    {
        foreach (var array in _longs) ArrayPool<long>.Shared.Return(array);
        foreach (var array in _floats) ArrayPool<float>.Shared.Return(array);
        _longs.Clear();
        _floats.Clear();
    }
}
