using System.Runtime.InteropServices;

namespace Twofold.Data;

/// <summary>Hard links through libc's <c>link</c>, where the platform has one.</summary>
internal static partial class HardLink
{
    /// <summary>
    /// Makes <paramref name="link"/> a second name of the existing file <paramref name="existing"/>; false when the
    /// platform or file system cannot (no libc, another device, a file system without links) or the name is taken.
    /// </summary>
    public static bool TryCreate(string existing, string link)
    {
        try
        {
            return Link(existing, link) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string link);
}
