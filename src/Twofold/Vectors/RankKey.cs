using System.Runtime.CompilerServices;

namespace Twofold.Vectors;

/// <summary>
/// A (score, id) pair packed into one ulong that sorts ascending in result order: best score first, and on equal
/// scores the smaller id first. The high 32 bits are the score's bits mapped to an order-reversing unsigned integer,
/// the low 32 bits the id. Sorting such keys is a primitive sort, with no comparison delegate.
/// </summary>
internal static class RankKey
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Of(float score, int id)
    {
        if (score == 0) score = 0; // −0 and +0 compare equal: give them one key
        uint bits = BitConverter.SingleToUInt32Bits(score);
        uint ascending = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return ((ulong)~ascending << 32) | (uint)id;
    }

    public static int Id(ulong key) => (int)(uint)key;

    public static float Score(ulong key)
    {
        uint ascending = ~(uint)(key >> 32);
        uint bits = (ascending & 0x8000_0000u) != 0 ? ascending & 0x7FFF_FFFFu : ~ascending;
        return BitConverter.UInt32BitsToSingle(bits);
    }
}
