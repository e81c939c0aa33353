using System.Runtime.CompilerServices;

namespace Twofold.Vectors;

/// <summary>
/// A float buffer on the pinned object heap whose first element is 64-byte aligned, so that a 512-bit load of an
/// aligned row never straddles two cache lines. Pinned arrays never move, so the pointer stays valid.
/// </summary>
internal sealed unsafe class AlignedFloats
{
    private readonly float[] _array;
    private readonly int _offset;

    public AlignedFloats(long length)
    {
        if (length < 0 || length > Array.MaxLength - 16)
            throw new ArgumentOutOfRangeException(nameof(length), length, "Buffer too large.");
        Length = (int)length;
        _array = GC.AllocateArray<float>(Length + 16, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref _array[0]);
        _offset = (int)(((64 - (address & 63)) & 63) / sizeof(float));
    }

    public int Length { get; }

    public float* Pointer => (float*)Unsafe.AsPointer(ref _array[_offset]);

    public Span<float> Span => _array.AsSpan(_offset, Length);

    /// <summary>A new buffer of <paramref name="length"/> floats holding a copy of this one's first elements.</summary>
    public AlignedFloats Resize(long length)
    {
        var next = new AlignedFloats(length);
        Span[..Math.Min(Length, next.Length)].CopyTo(next.Span);
        return next;
    }
}
