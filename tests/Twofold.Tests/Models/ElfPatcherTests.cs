using System.Buffers.Binary;
using System.Reflection;
using System.Text;
using Twofold.Build;

namespace Twofold.Tests.Models;

/// <summary>
/// The build patches the output's libLibTorchSharp.so (build/torch/TorchNative.targets). These tests read the
/// result with their own ELF reader, and run the build's patcher (compiled in from build/torch) on copies.
/// </summary>
public sealed class ElfPatcherTests : IDisposable
{
    private const string Old = "GLIBCXX_3.4.32";
    private const string New = "GLIBCXX_3.4.30";
    private static readonly string[] ShimSymbols = ["_ZSt21ios_base_library_initv"];
    private static readonly string OutputLibrary = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
    private readonly string temp = Directory.CreateTempSubdirectory("twofold-elf-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    /// <summary>The libstdc++.so.6 this very process runs with, from /proc/self/maps (the loader's choice, not a guess).</summary>
    private static string LoadedLibStdCxx()
    {
        string? path = File.ReadLines("/proc/self/maps")
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 6 && Path.GetFileName(f[5]).StartsWith("libstdc++.so", StringComparison.Ordinal))
            .Select(f => f[5]).FirstOrDefault();
        Assert.NotNull(path);
        return path;
    }

    private static bool SystemHasOldVersion() => ElfVersionPatcher.ReadVersionDefinitions(LoadedLibStdCxx()).Contains(Old);

    [Fact]
    public void OutputLibraryNeedsOnlyVersionsTheSystemLibStdCxxDefines()
    {
        Assert.True(File.Exists(OutputLibrary), $"missing {OutputLibrary}");
        var defined = ElfVersionPatcher.ReadVersionDefinitions(LoadedLibStdCxx()).ToHashSet();
        List<(string File, string Name, uint Hash)> needs = IndependentReader.VersionNeeds(OutputLibrary);
        var stdcxx = needs.Where(n => n.File == "libstdc++.so.6").ToList();

        Assert.NotEmpty(stdcxx);
        Assert.All(stdcxx, n => Assert.Contains(n.Name, defined));
        Assert.All(needs, n => Assert.Equal(IndependentReader.ElfHash(n.Name), n.Hash));
        if (!SystemHasOldVersion())
        {
            Assert.DoesNotContain(needs, n => n.Name == Old);
            Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "libtwofold_iosinit.so")), "the shim must sit next to the assembly");
        }
    }

    [Fact]
    public void PatchingThePatchedOutputIsANoOp()
    {
        string copy = Path.Combine(temp, "libLibTorchSharp.so");
        File.Copy(OutputLibrary, copy);
        byte[] before = File.ReadAllBytes(copy);
        DateTime stamp = File.GetLastWriteTimeUtc(copy);

        ElfPatchResult result = ElfVersionPatcher.RetargetVersionNeed(copy, "libstdc++.so.6", Old, New, ShimSymbols, out string detail);

        if (!SystemHasOldVersion()) Assert.Equal(ElfPatchResult.NothingToDo, result);
        if (result == ElfPatchResult.NothingToDo)
        {
            Assert.Equal(before, File.ReadAllBytes(copy));
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(copy));
            Assert.Contains("unchanged", detail);
        }
    }

    [Fact]
    public void PatchingAPristineCopyMatchesTheOutputAndIsIdempotent()
    {
        string pristine = PristineLibrary();
        Assert.Contains(IndependentReader.VersionNeeds(pristine), n => n.Name == Old);
        string copy = Path.Combine(temp, "libLibTorchSharp.so");
        File.Copy(pristine, copy);

        Assert.Equal(ElfPatchResult.Patched, ElfVersionPatcher.RetargetVersionNeed(copy, "libstdc++.so.6", Old, New, ShimSymbols, out _));
        byte[] once = File.ReadAllBytes(copy);
        Assert.Equal(ElfPatchResult.NothingToDo, ElfVersionPatcher.RetargetVersionNeed(copy, "libstdc++.so.6", Old, New, ShimSymbols, out _));
        Assert.Equal(once, File.ReadAllBytes(copy));

        var needs = IndependentReader.VersionNeeds(copy);
        Assert.DoesNotContain(needs, n => n.Name == Old);
        Assert.Equal(IndependentReader.VersionNeeds(pristine).Count, needs.Count);
        // Only the vernaux entry changed: 8 bytes (vna_hash, vna_name) at most.
        byte[] original = File.ReadAllBytes(pristine);
        Assert.Equal(original.Length, once.Length);
        Assert.InRange(original.Zip(once).Count(p => p.First != p.Second), 1, 8);
        if (!SystemHasOldVersion()) Assert.Equal(File.ReadAllBytes(OutputLibrary), once);
    }

    [Fact]
    public void PatcherRefusesSymbolsTheShimDoesNotProvide()
    {
        string copy = Path.Combine(temp, "libLibTorchSharp.so");
        File.Copy(PristineLibrary(), copy);
        byte[] before = File.ReadAllBytes(copy);
        var e = Assert.Throws<ElfPatchException>(() =>
            ElfVersionPatcher.RetargetVersionNeed(copy, "libstdc++.so.6", Old, New, ["some_other_symbol"], out _));
        Assert.Contains("_ZSt21ios_base_library_initv", e.Message);
        Assert.Equal(before, File.ReadAllBytes(copy));
    }

    [Fact]
    public void PatcherRejectsFilesItDoesNotExpect()
    {
        string text = Path.Combine(temp, "not-elf.so");
        File.WriteAllText(text, "INPUT(libc.so.6)\n" + new string(' ', 100));
        Assert.Contains("expected an ELF file", Assert.Throws<ElfPatchException>(() =>
            ElfVersionPatcher.RetargetVersionNeed(text, "libstdc++.so.6", Old, New, ShimSymbols, out _)).Message);

        string truncated = Path.Combine(temp, "truncated.so");
        File.WriteAllBytes(truncated, File.ReadAllBytes(OutputLibrary).AsSpan(0, 4096).ToArray());
        Assert.Throws<ElfPatchException>(() => ElfVersionPatcher.RetargetVersionNeed(truncated, "libstdc++.so.6", Old, New, ShimSymbols, out _));

        string copy = Path.Combine(temp, "libLibTorchSharp.so");
        File.Copy(OutputLibrary, copy);
        Assert.Contains("libfoo.so.1", Assert.Throws<ElfPatchException>(() =>
            ElfVersionPatcher.RetargetVersionNeed(copy, "libfoo.so.1", Old, New, ShimSymbols, out _)).Message);
    }

    [Fact]
    public void ElfHashMatchesKnownValues()
    {
        // vna_hash values as written by the GNU linker into the pristine libLibTorchSharp.so (checked with Python/readelf once).
        Assert.Equal(IndependentReader.ElfHash(New), ElfVersionPatcher.ElfHash(New));
        Assert.Equal(0x0297f840u, ElfVersionPatcher.ElfHash("GLIBCXX_3.4.30"));
        Assert.Equal(0x0297f842u, ElfVersionPatcher.ElfHash("GLIBCXX_3.4.32"));
    }

    /// <summary>The unmodified libLibTorchSharp.so in the NuGet cache (only read, never written).</summary>
    private static string PristineLibrary()
    {
        string root = typeof(ElfPatcherTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "NuGetPackageRoot").Value ?? "";
        string path = Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"missing {path}");
        return path;
    }

    /// <summary>A separate, minimal .gnu.version_r reader, so the patcher is not checked only by itself.</summary>
    private static class IndependentReader
    {
        public static uint ElfHash(string s)
        {
            uint h = 0;
            foreach (byte c in Encoding.ASCII.GetBytes(s))
            {
                h = (h << 4) + c;
                uint g = h & 0xf0000000;
                h ^= g >> 24;
                h &= ~g;
            }
            return h;
        }

        public static List<(string File, string Name, uint Hash)> VersionNeeds(string path)
        {
            byte[] b = File.ReadAllBytes(path);
            ReadOnlySpan<byte> s = b;
            Assert.True(s[0] == 0x7f && s[1] == (byte)'E' && s[2] == (byte)'L' && s[3] == (byte)'F', "not ELF");
            Assert.Equal(2, s[4]); // ELF64
            ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(s[0x28..]);
            int shnum = BinaryPrimitives.ReadUInt16LittleEndian(s[0x3c..]);
            int Section(int i) => checked((int)shoff + i * 64);
            for (int i = 0; i < shnum; i++)
            {
                int h = Section(i);
                if (BinaryPrimitives.ReadUInt32LittleEndian(s[(h + 4)..]) != 0x6ffffffe) continue; // SHT_GNU_verneed
                int off = (int)BinaryPrimitives.ReadUInt64LittleEndian(s[(h + 24)..]);
                uint count = BinaryPrimitives.ReadUInt32LittleEndian(s[(h + 44)..]);
                int strtab = (int)BinaryPrimitives.ReadUInt64LittleEndian(s[(Section((int)BinaryPrimitives.ReadUInt32LittleEndian(s[(h + 40)..])) + 24)..]);
                string Str(uint o) { int start = strtab + (int)o; int end = Array.IndexOf(b, (byte)0, start); return Encoding.ASCII.GetString(b, start, end - start); }
                var result = new List<(string, string, uint)>();
                int vn = off;
                for (uint n = 0; n < count; n++)
                {
                    string file = Str(BinaryPrimitives.ReadUInt32LittleEndian(s[(vn + 4)..]));
                    int aux = vn + (int)BinaryPrimitives.ReadUInt32LittleEndian(s[(vn + 8)..]);
                    int cnt = BinaryPrimitives.ReadUInt16LittleEndian(s[(vn + 2)..]);
                    for (int a = 0; a < cnt; a++)
                    {
                        result.Add((file, Str(BinaryPrimitives.ReadUInt32LittleEndian(s[(aux + 8)..])), BinaryPrimitives.ReadUInt32LittleEndian(s[aux..])));
                        aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(s[(aux + 12)..]);
                    }
                    vn += (int)BinaryPrimitives.ReadUInt32LittleEndian(s[(vn + 12)..]);
                }
                return result;
            }
            throw new InvalidDataException($"{path}: no .gnu.version_r");
        }
    }
}
