using System.Buffers;

namespace Twofold;

/// <summary>
/// Arrays rented from the shared pools for the length of one operation, all returned by <see cref="Dispose"/>. A
/// prediction builds its inputs in them: allocated anew, a creator-side dispatch's inputs and their copies for
/// libtorch were about half of the 385 KB it allocated per item, and every collection of the first generation pauses
/// all threads (bench/README.md, "Allocations of a dispatch").
/// </summary>
/// <remarks>
/// Nothing written into a rented array may be read after the scope ends; a returned array is handed to the next
/// renter as it is (not cleared), so callers write every element they read.
/// </remarks>
public sealed class RentedArrays : IDisposable
{
    private readonly List<(Array Array, Action<Array> Return)> _rented = [];

    /// <summary>An array of at least <paramref name="length"/> elements; the first <paramref name="length"/> are the caller's.</summary>
    public T[] Rent<T>(int length)
    {
        var array = ArrayPool<T>.Shared.Rent(length);
        _rented.Add((array, Pool<T>.Return));
        return array;
    }

    /// <summary>Exactly <paramref name="length"/> elements of a rented array.</summary>
    public Memory<T> Memory<T>(int length) => Rent<T>(length).AsMemory(0, length);

    public void Dispose()
    {
        foreach (var (array, giveBack) in _rented) giveBack(array);
        _rented.Clear();
    }

    // One delegate per element type, made once: renting allocates nothing but the list's growth.
    private static class Pool<T>
    {
        public static readonly Action<Array> Return = array => ArrayPool<T>.Shared.Return((T[])array);
    }
}
