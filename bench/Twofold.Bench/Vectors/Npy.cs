using System.Runtime.InteropServices;
using System.Text;

namespace Twofold.Bench.Vectors;

/// <summary>Minimal .npy (format 1.0) reader and writer for little-endian float32 and int32 matrices.</summary>
internal static class Npy
{
    public static void Write<T>(string path, ReadOnlySpan<T> data, int rows, int cols) where T : unmanaged
    {
        string descr = typeof(T) == typeof(float) ? "<f4" : typeof(T) == typeof(int) ? "<i4" : throw new NotSupportedException(typeof(T).Name);
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({rows}, {cols}), }}";
        int headerLength = 10 + dict.Length + 1;
        int pad = (64 - headerLength % 64) % 64;
        string header = dict + new string(' ', pad) + "\n";
        using var stream = File.Create(path);
        stream.Write([0x93, .. "NUMPY"u8, 1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(MemoryMarshal.AsBytes(data));
    }

    public static (T[] Data, int Rows, int Cols) Read<T>(string path) where T : unmanaged
    {
        using var stream = File.OpenRead(path);
        var prefix = new byte[10];
        stream.ReadExactly(prefix);
        if (prefix[0] != 0x93 || Encoding.ASCII.GetString(prefix, 1, 5) != "NUMPY") throw new InvalidDataException($"{path}: not an .npy file.");
        int headerLength = BitConverter.ToUInt16(prefix, 8);
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        string text = Encoding.ASCII.GetString(header);
        int open = text.IndexOf('(', text.IndexOf("shape", StringComparison.Ordinal));
        int close = text.IndexOf(')', open);
        var dims = text[(open + 1)..close].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        int rows = dims[0], cols = dims.Length > 1 ? dims[1] : 1;
        var data = new T[(long)rows * cols];
        stream.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
        return (data, rows, cols);
    }
}
