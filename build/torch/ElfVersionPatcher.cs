// ELF64 version-need patcher used by build/torch/TorchNative.targets.
//
// This one file is compiled twice:
//  * by MSBuild's RoslynCodeTaskFactory, which needs the two task classes at the bottom;
//  * by tests/Twofold.Tests with TWOFOLD_ELF_CORE_ONLY defined (no MSBuild references),
//    so the tests exercise the very code the build runs.
// It must stay compatible with netstandard2.0 (what RoslynCodeTaskFactory compiles against).
#nullable enable

using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Twofold.Build
{
    /// <summary>Outcome of <see cref="ElfVersionPatcher.RetargetVersionNeed"/>.</summary>
    public enum ElfPatchResult
    {
        /// <summary>The file referenced the old version and now references the new one.</summary>
        Patched,
        /// <summary>The file does not reference the old version (already patched, or never needed it). Not written.</summary>
        NothingToDo,
    }

    /// <summary>A problem with the input file; the message says what was expected and what was found.</summary>
    public sealed class ElfPatchException : Exception
    {
        public ElfPatchException(string message) : base(message) { }
    }

    /// <summary>One vernaux entry of .gnu.version_r, with the file (vn_file) of its verneed entry.</summary>
    public sealed class ElfVersionNeed
    {
        public ElfVersionNeed(string file, string name, uint hash, ushort flags, ushort index)
        {
            File = file; Name = name; Hash = hash; Flags = flags; Index = index;
        }
        public string File { get; }
        public string Name { get; }
        public uint Hash { get; }
        public ushort Flags { get; }
        /// <summary>vna_other: the version index used by .gnu.version entries.</summary>
        public ushort Index { get; }
    }

    /// <summary>
    /// Minimal ELF64 little-endian reader/writer for the GNU symbol-versioning sections.
    /// It walks the section headers, the .gnu.version_r verneed/vernaux chains, .gnu.version_d,
    /// .gnu.version, .dynsym, .dynamic and .dynstr, with bounds checks on every access.
    /// </summary>
    public static class ElfVersionPatcher
    {
        private const uint ShtDynsym = 11;
        private const uint ShtDynamic = 6;
        private const uint ShtGnuVerdef = 0x6ffffffd;
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const uint ShtGnuVersym = 0x6fffffff;
        private const long DtNull = 0;
        private const long DtStrtab = 5;
        private const long DtVerneed = 0x6ffffffe;
        private const long DtVerneednum = 0x6fffffff;

        /// <summary>The SysV ELF hash (vna_hash / vd_hash) of a version name.</summary>
        public static uint ElfHash(string name)
        {
            uint h = 0;
            foreach (char c in name)
            {
                h = (h << 4) + (byte)c;
                uint g = h & 0xf0000000;
                if (g != 0) h ^= g >> 24;
                h &= ~g;
            }
            return h;
        }

        /// <summary>Version names defined (.gnu.version_d) by a shared library, e.g. a libstdc++.so.6.</summary>
        public static IReadOnlyList<string> ReadVersionDefinitions(string path)
        {
            var elf = new Elf(File.ReadAllBytes(path), path);
            var result = new List<string>();
            Section? verdef = elf.FindSection(ShtGnuVerdef);
            if (verdef == null) return result;
            Section strtab = elf.Linked(verdef, "version definitions");
            long off = 0;
            for (uint i = 0; i < verdef.Info; i++)
            {
                long vd = verdef.Offset + off;
                elf.Check(vd, 20, verdef.Offset, verdef.Size, "verdef entry");
                ushort cnt = elf.U16(vd + 6);
                uint aux = elf.U32(vd + 12);
                uint next = elf.U32(vd + 16);
                if (cnt > 0)
                {
                    long vda = vd + aux;
                    elf.Check(vda, 8, verdef.Offset, verdef.Size, "verdaux entry");
                    result.Add(elf.Str(strtab, elf.U32(vda)));
                }
                if (next == 0) break;
                off += next;
            }
            return result;
        }

        /// <summary>All version needs (.gnu.version_r) of an ELF file.</summary>
        public static IReadOnlyList<ElfVersionNeed> ReadVersionNeeds(string path)
        {
            var elf = new Elf(File.ReadAllBytes(path), path);
            var result = new List<ElfVersionNeed>();
            foreach (Aux a in elf.VersionNeeds())
                result.Add(new ElfVersionNeed(a.File, a.Name, a.Hash, a.Flags, a.Other));
            return result;
        }

        /// <summary>
        /// In the verneed entry for <paramref name="needFile"/>, retargets the vernaux entry named
        /// <paramref name="fromVersion"/> to <paramref name="toVersion"/> (vna_hash and vna_name; the
        /// name is the existing .dynstr string of <paramref name="toVersion"/> when the file already
        /// references it, otherwise the .dynstr bytes are rewritten in place, which needs equal lengths).
        /// Every dynamic symbol bound to the old version must be in <paramref name="allowedSymbols"/>
        /// (the symbols another library provides), otherwise nothing is written and it throws.
        /// The file is replaced (write to a temporary file, then rename), never written through,
        /// so a hard link or symbolic link to a shared copy is left intact. With <paramref name="preserveTimestamp"/>
        /// the patched file keeps the original's last-write time (see TorchNative.targets for why).
        /// </summary>
        public static ElfPatchResult RetargetVersionNeed(string path, string needFile, string fromVersion, string toVersion,
            ICollection<string> allowedSymbols, out string detail, bool preserveTimestamp = false)
        {
            DateTime originalTime = File.GetLastWriteTimeUtc(path);
            byte[] bytes = File.ReadAllBytes(path);
            var elf = new Elf(bytes, path);
            List<Aux> needs = elf.VersionNeeds();

            Aux? from = null, to = null;
            bool fileSeen = false;
            foreach (Aux a in needs)
            {
                if (a.File != needFile) continue;
                fileSeen = true;
                if (a.Name == fromVersion && from == null) from = a;
                if (a.Name == toVersion && to == null) to = a;
            }
            if (!fileSeen)
                throw new ElfPatchException($"{path}: expected a version need on '{needFile}' in .gnu.version_r, found none (needs: {Describe(needs)}).");
            if (from == null)
            {
                detail = $"{path}: no version need {needFile}:{fromVersion} (already patched or not needed); left unchanged.";
                return ElfPatchResult.NothingToDo;
            }

            // Every symbol bound to the old version must be one we provide elsewhere.
            var offending = new List<string>();
            var bound = new List<string>();
            foreach (Sym s in elf.DynamicSymbols())
            {
                if ((s.Versym & 0x7fff) != from.Other) continue;
                bound.Add(s.Name);
                if (s.Shndx != 0 || !allowedSymbols.Contains(s.Name)) offending.Add(s.Name + (s.Shndx != 0 ? " (defined here)" : ""));
            }
            if (offending.Count > 0)
                throw new ElfPatchException($"{path}: expected only [{string.Join(", ", allowedSymbols)}] to need {fromVersion}, found also [{string.Join(", ", offending)}]; retargeting would leave them unresolved.");

            uint newName;
            if (to != null)
            {
                newName = to.NameOffset;
            }
            else
            {
                if (Encoding.ASCII.GetByteCount(fromVersion) != Encoding.ASCII.GetByteCount(toVersion))
                    throw new ElfPatchException($"{path}: '{toVersion}' is not referenced yet and differs in length from '{fromVersion}'; cannot rewrite .dynstr in place.");
                elf.EnsureStringNotShared(from.NameOffset, fromVersion.Length, from.AuxOffset);
                byte[] name = Encoding.ASCII.GetBytes(toVersion);
                Buffer.BlockCopy(name, 0, bytes, checked((int)(elf.Dynstr.Offset + from.NameOffset)), name.Length);
                newName = from.NameOffset;
            }
            elf.PutU32(from.AuxOffset + 0, ElfHash(toVersion));
            elf.PutU32(from.AuxOffset + 8, newName);

            string tmp = path + ".patch-tmp";
            File.WriteAllBytes(tmp, bytes);
            File.Delete(path);
            File.Move(tmp, path);
            if (preserveTimestamp) File.SetLastWriteTimeUtc(path, originalTime);
            detail = $"{path}: version need {needFile}:{fromVersion} (index {from.Other}, symbols [{string.Join(", ", bound)}]) retargeted to {toVersion}.";
            return ElfPatchResult.Patched;
        }

        private static string Describe(List<Aux> needs)
        {
            var sb = new StringBuilder();
            foreach (Aux a in needs) { if (sb.Length > 0) sb.Append(", "); sb.Append(a.File).Append(':').Append(a.Name); }
            return sb.Length == 0 ? "none" : sb.ToString();
        }

        private sealed class Section
        {
            public int Index; public uint Type; public ulong Addr; public long Offset; public long Size; public uint Link; public uint Info; public long EntSize;
        }

        private sealed class Aux
        {
            public string File = ""; public string Name = ""; public uint Hash; public ushort Flags; public ushort Other; public uint NameOffset; public long AuxOffset;
        }

        private struct Sym
        {
            public string Name; public ushort Versym; public ushort Shndx; public uint NameOffset;
        }

        private sealed class Elf
        {
            private readonly byte[] _b;
            private readonly string _path;
            private readonly List<Section> _sections = new List<Section>();
            private Section? _dynstr;

            public Elf(byte[] bytes, string path)
            {
                _b = bytes; _path = path;
                if (_b.Length < 64 || _b[0] != 0x7f || _b[1] != (byte)'E' || _b[2] != (byte)'L' || _b[3] != (byte)'F')
                    throw Fail("expected an ELF file (magic 7F 45 4C 46), found something else");
                if (_b[4] != 2) throw Fail($"expected ELF64 (EI_CLASS 2), found EI_CLASS {_b[4]}");
                if (_b[5] != 1) throw Fail($"expected little-endian (EI_DATA 1), found EI_DATA {_b[5]}");
                ushort type = U16(16);
                if (type != 3) throw Fail($"expected a shared object (e_type ET_DYN=3), found e_type {type}");
                long shoff = checked((long)U64(0x28));
                ushort shentsize = U16(0x3a), shnum = U16(0x3c);
                if (shentsize != 64) throw Fail($"expected e_shentsize 64, found {shentsize}");
                if (shoff == 0 || shnum == 0) throw Fail("expected section headers, found none (stripped section table)");
                Check(shoff, (long)shnum * 64, 0, _b.Length, "section header table");
                for (int i = 0; i < shnum; i++)
                {
                    long h = shoff + (long)i * 64;
                    var s = new Section
                    {
                        Index = i, Type = U32(h + 4), Addr = U64(h + 16), Offset = checked((long)U64(h + 24)),
                        Size = checked((long)U64(h + 32)), Link = U32(h + 40), Info = U32(h + 44), EntSize = checked((long)U64(h + 56)),
                    };
                    if (s.Type != 8 /* SHT_NOBITS */ && s.Type != 0) Check(s.Offset, s.Size, 0, _b.Length, $"section {i}");
                    _sections.Add(s);
                }
            }

            public Section Dynstr => _dynstr ?? throw Fail("expected .dynstr, found none");

            public Exception Fail(string what) => new ElfPatchException($"{_path}: {what}.");

            public Section? FindSection(uint type)
            {
                Section? found = null;
                foreach (Section s in _sections)
                {
                    if (s.Type != type) continue;
                    if (found != null) throw Fail($"expected one section of type 0x{type:x}, found several");
                    found = s;
                }
                return found;
            }

            public Section Linked(Section s, string what)
            {
                if (s.Link == 0 || s.Link >= _sections.Count) throw Fail($"expected the {what} section to link a string table, found sh_link {s.Link}");
                Section l = _sections[(int)s.Link];
                if (l.Type != 3 /* SHT_STRTAB */) throw Fail($"expected the {what} section to link a string table, found section type 0x{l.Type:x}");
                return l;
            }

            public List<Aux> VersionNeeds()
            {
                Section verneed = FindSection(ShtGnuVerneed) ?? throw Fail("expected a .gnu.version_r (SHT_GNU_verneed) section, found none");
                Section strtab = Linked(verneed, ".gnu.version_r");
                _dynstr = strtab;
                CheckDynamic(verneed, strtab);
                var result = new List<Aux>();
                long off = 0;
                for (uint i = 0; i < verneed.Info; i++)
                {
                    long vn = verneed.Offset + off;
                    Check(vn, 16, verneed.Offset, verneed.Size, "verneed entry");
                    ushort version = U16(vn);
                    if (version != 1) throw Fail($"expected vn_version 1, found {version}");
                    ushort cnt = U16(vn + 2);
                    string file = Str(strtab, U32(vn + 4));
                    long auxOff = vn + U32(vn + 8);
                    for (int j = 0; j < cnt; j++)
                    {
                        Check(auxOff, 16, verneed.Offset, verneed.Size, "vernaux entry");
                        uint nameOff = U32(auxOff + 8);
                        var a = new Aux
                        {
                            File = file, Hash = U32(auxOff), Flags = U16(auxOff + 4), Other = U16(auxOff + 6),
                            NameOffset = nameOff, Name = Str(strtab, nameOff), AuxOffset = auxOff,
                        };
                        if (a.Hash != ElfHash(a.Name)) throw Fail($"expected vna_hash 0x{ElfHash(a.Name):x} for {a.Name}, found 0x{a.Hash:x}");
                        result.Add(a);
                        uint next = U32(auxOff + 12);
                        if (next == 0)
                        {
                            if (j != cnt - 1) throw Fail($"expected {cnt} vernaux entries for {file}, found {j + 1}");
                            break;
                        }
                        auxOff += next;
                    }
                    uint vnNext = U32(vn + 12);
                    if (vnNext == 0)
                    {
                        if (i != verneed.Info - 1) throw Fail($"expected {verneed.Info} verneed entries, found {i + 1}");
                        break;
                    }
                    off += vnNext;
                }
                return result;
            }

            // The loader reads DT_VERNEED/DT_STRTAB, not section headers: make sure both agree.
            private void CheckDynamic(Section verneed, Section strtab)
            {
                Section dyn = FindSection(ShtDynamic) ?? throw Fail("expected a .dynamic section, found none");
                ulong? dtVerneed = null, dtStrtab = null, dtVerneednum = null;
                for (long p = dyn.Offset; p + 16 <= dyn.Offset + dyn.Size; p += 16)
                {
                    long tag = (long)U64(p);
                    ulong val = U64(p + 8);
                    if (tag == DtNull) break;
                    if (tag == DtVerneed) dtVerneed = val;
                    else if (tag == DtStrtab) dtStrtab = val;
                    else if (tag == DtVerneednum) dtVerneednum = val;
                }
                if (dtVerneed != verneed.Addr) throw Fail($"expected DT_VERNEED 0x{verneed.Addr:x} (.gnu.version_r), found {Hex(dtVerneed)}");
                if (dtStrtab != strtab.Addr) throw Fail($"expected DT_STRTAB 0x{strtab.Addr:x} (.dynstr), found {Hex(dtStrtab)}");
                if (dtVerneednum != verneed.Info) throw Fail($"expected DT_VERNEEDNUM {verneed.Info}, found {(dtVerneednum.HasValue ? dtVerneednum.Value.ToString() : "none")}");
            }

            private static string Hex(ulong? v) => v.HasValue ? "0x" + v.Value.ToString("x") : "none";

            public List<Sym> DynamicSymbols()
            {
                Section dynsym = FindSection(ShtDynsym) ?? throw Fail("expected a .dynsym section, found none");
                Section versym = FindSection(ShtGnuVersym) ?? throw Fail("expected a .gnu.version section, found none");
                if (dynsym.EntSize != 24) throw Fail($"expected .dynsym entries of 24 bytes, found {dynsym.EntSize}");
                long count = dynsym.Size / 24;
                if (versym.Size != count * 2) throw Fail($"expected .gnu.version of {count * 2} bytes for {count} symbols, found {versym.Size}");
                Section strtab = Linked(dynsym, ".dynsym");
                var result = new List<Sym>();
                for (long i = 0; i < count; i++)
                {
                    long e = dynsym.Offset + i * 24;
                    uint nameOff = U32(e);
                    result.Add(new Sym { NameOffset = nameOff, Name = Str(strtab, nameOff), Shndx = U16(e + 6), Versym = U16(versym.Offset + i * 2) });
                }
                return result;
            }

            // Before rewriting a .dynstr string in place, make sure nothing else points into it
            // (linkers share string tails, e.g. "foo" inside "barfoo").
            public void EnsureStringNotShared(uint offset, int length, long ownerAux)
            {
                bool Overlaps(uint o, string s) => o <= offset + (uint)length && offset <= o + (uint)s.Length;
                foreach (Aux a in VersionNeeds())
                    if (a.AuxOffset != ownerAux && Overlaps(a.NameOffset, a.Name))
                        throw Fail($"expected the .dynstr string at 0x{offset:x} to be used by one version need only, found it shared with {a.Name}");
                foreach (Sym s in DynamicSymbols())
                    if (Overlaps(s.NameOffset, s.Name) && s.Name.Length > 0)
                        throw Fail($"expected the .dynstr string at 0x{offset:x} to be used by one version need only, found it shared with symbol {s.Name}");
            }

            public void Check(long start, long length, long areaStart, long areaLength, string what)
            {
                if (start < areaStart || length < 0 || start + length > areaStart + areaLength)
                    throw Fail($"expected the {what} (0x{start:x}+{length}) inside 0x{areaStart:x}+{areaLength}, found it outside (truncated or corrupt file)");
            }

            public string Str(Section strtab, uint offset)
            {
                if (offset >= strtab.Size) throw Fail($"expected a string offset below {strtab.Size}, found {offset}");
                long start = strtab.Offset + offset, end = start;
                long limit = strtab.Offset + strtab.Size;
                while (end < limit && _b[end] != 0) end++;
                if (end == limit) throw Fail($"expected a NUL-terminated string at .dynstr+0x{offset:x}, found none");
                return Encoding.ASCII.GetString(_b, (int)start, (int)(end - start));
            }

            public ushort U16(long o) { Check(o, 2, 0, _b.Length, "field"); return (ushort)(_b[o] | _b[o + 1] << 8); }
            public uint U32(long o) { Check(o, 4, 0, _b.Length, "field"); return (uint)(_b[o] | _b[o + 1] << 8 | _b[o + 2] << 16 | _b[o + 3] << 24); }
            public ulong U64(long o) => U32(o) | (ulong)U32(o + 4) << 32;
            public void PutU32(long o, uint v)
            {
                Check(o, 4, 0, _b.Length, "field");
                _b[o] = (byte)v; _b[o + 1] = (byte)(v >> 8); _b[o + 2] = (byte)(v >> 16); _b[o + 3] = (byte)(v >> 24);
            }
        }
    }
}

#if !TWOFOLD_ELF_CORE_ONLY
namespace Twofold.Build
{
    using Microsoft.Build.Framework;
    using Microsoft.Build.Utilities;

    /// <summary>Reports whether a shared library defines a symbol version (reads .gnu.version_d).</summary>
    public sealed class TwofoldElfDefinesVersion : Task
    {
        [Required] public string Library { get; set; } = "";
        [Required] public string Version { get; set; } = "";
        [Output] public bool Defines { get; set; }
        [Output] public string Versions { get; set; } = "";

        public override bool Execute()
        {
            try
            {
                IReadOnlyList<string> defs = ElfVersionPatcher.ReadVersionDefinitions(Library);
                Defines = false;
                foreach (string d in defs) if (d == Version) Defines = true;
                Versions = string.Join(";", defs);
                return true;
            }
            catch (Exception e) when (e is ElfPatchException || e is IOException || e is UnauthorizedAccessException)
            {
                Log.LogError($"Twofold torch native: cannot read the version definitions of '{Library}': {e.Message}");
                return false;
            }
        }
    }

    /// <summary>Runs <see cref="ElfVersionPatcher.RetargetVersionNeed"/> on each file; fails the build on unexpected input.</summary>
    public sealed class TwofoldElfRetargetVersionNeed : Task
    {
        [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();
        [Required] public string NeedFile { get; set; } = "";
        [Required] public string FromVersion { get; set; } = "";
        [Required] public string ToVersion { get; set; } = "";
        [Required] public string[] AllowedSymbols { get; set; } = Array.Empty<string>();
        public bool PreserveTimestamp { get; set; } = true;

        public override bool Execute()
        {
            foreach (ITaskItem item in Files)
            {
                string path = item.GetMetadata("FullPath");
                try
                {
                    ElfPatchResult r = ElfVersionPatcher.RetargetVersionNeed(path, NeedFile, FromVersion, ToVersion, new HashSet<string>(AllowedSymbols), out string detail, PreserveTimestamp);
                    Log.LogMessage(r == ElfPatchResult.Patched ? MessageImportance.High : MessageImportance.Normal, "Twofold torch native: " + detail);
                }
                catch (Exception e) when (e is ElfPatchException || e is IOException || e is UnauthorizedAccessException)
                {
                    Log.LogError($"Twofold torch native: cannot patch '{path}' ({FromVersion} -> {ToVersion}): {e.Message}");
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
}
#endif
