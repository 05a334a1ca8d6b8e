// The inline MSBuild task of OdeOpt.TorchSharp.targets (compiled by RoslynCodeTaskFactory at build time, not part of
// the OdeOpt.TorchSharp assembly). It makes TorchSharp's native glue load on a libstdc++ older than the one it was
// built against, when, and only when, the missing symbol versions guard nothing the glue calls. See docs/torchsharp.md.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class OdeOptPatchTorchSharpGlueTask : Task
{
    // Symbols whose version requirement may be dropped: referenced by a bare ".globl" in GCC 13's <iostream> to pull
    // in the new initialisation, never called through a relocation.
    private static readonly HashSet<string> Droppable = new HashSet<string>(StringComparer.Ordinal) { "_ZSt21ios_base_library_initv" };

    private const uint ShtDynsym = 11, ShtVerneed = 0x6ffffffe, ShtVersym = 0x6fffffff;
    private const ushort VerFlagWeak = 2;

    [Required] public string[] Directories { get; set; } = Array.Empty<string>();

    public override bool Execute()
    {
        var glues = Directories.Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "libLibTorchSharp.so", SearchOption.AllDirectories))
            .Distinct().ToList();
        if (glues.Count == 0) return true;
        string libstdcxx = RunningLibstdcxx();
        if (libstdcxx == null)
        {
            Log.LogMessage(MessageImportance.Low, "OdeOpt: no libstdc++.so.6 found; TorchSharp's glue left as it is.");
            return true;
        }
        byte[] system = File.ReadAllBytes(libstdcxx);
        foreach (var glue in glues)
        {
            try { PatchOne(glue, libstdcxx, system); }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is ArgumentException || e is UnauthorizedAccessException)
            {
                Log.LogWarning("OdeOpt: could not inspect or patch {0}: {1}", glue, e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    /// <summary>The libstdc++ this process (the .NET runtime running the build) has mapped, else the loader cache's.</summary>
    private static string RunningLibstdcxx()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int at = line.IndexOf('/');
                if (at >= 0 && line.IndexOf("/libstdc++.so.6", at, StringComparison.Ordinal) >= 0) return line.Substring(at).Trim();
            }
        }
        catch (IOException) { }
        foreach (var candidate in new[] { "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6",
                     "/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib/libstdc++.so.6" })
            if (File.Exists(candidate)) return candidate;
        return null;
    }

    private static bool Defines(byte[] library, string version)
    {
        byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
        for (int i = 0; i + needle.Length <= library.Length; i++)
        {
            if (library[i] != needle[0]) continue;
            int k = 1;
            while (k < needle.Length && library[i + k] == needle[k]) k++;
            if (k == needle.Length && (i == 0 || library[i - 1] == 0)) return true;
        }
        return false;
    }

    private void PatchOne(string path, string libstdcxx, byte[] system)
    {
        byte[] b = File.ReadAllBytes(path);
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F' || b[4] != 2 || b[5] != 1)
            throw new InvalidDataException("not a 64-bit little-endian ELF file");
        long shoff = BitConverter.ToInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3a), shnum = BitConverter.ToUInt16(b, 0x3c);
        var sections = new List<(uint Type, long Offset, long Size, int Link)>();
        for (int i = 0; i < shnum; i++)
        {
            int o = checked((int)(shoff + (long)i * shentsize));
            sections.Add((BitConverter.ToUInt32(b, o + 4), BitConverter.ToInt64(b, o + 0x18), BitConverter.ToInt64(b, o + 0x20), (int)BitConverter.ToUInt32(b, o + 0x28)));
        }
        var verneed = sections.FirstOrDefault(s => s.Type == ShtVerneed);
        var dynsym = sections.FirstOrDefault(s => s.Type == ShtDynsym);
        var versym = sections.FirstOrDefault(s => s.Type == ShtVersym);
        if (verneed.Type == 0 || dynsym.Type == 0 || versym.Type == 0) return; // no symbol versions: nothing to do

        // Requirements on libstdc++ that the running libstdc++ does not define: (offset of the Vernaux entry, index, name).
        var missing = new List<(int Aux, ushort Index, string Name)>();
        long strings = sections[verneed.Link].Offset;
        int p = (int)verneed.Offset;
        while (true)
        {
            int count = BitConverter.ToUInt16(b, p + 2);
            string file = CString(b, strings + BitConverter.ToUInt32(b, p + 4));
            int aux = p + (int)BitConverter.ToUInt32(b, p + 8);
            for (int k = 0; k < count; k++)
            {
                ushort flags = BitConverter.ToUInt16(b, aux + 4);
                ushort index = BitConverter.ToUInt16(b, aux + 6);
                string name = CString(b, strings + BitConverter.ToUInt32(b, aux + 8));
                if (file.StartsWith("libstdc++.so", StringComparison.Ordinal) && (flags & VerFlagWeak) == 0 && !Defines(system, name))
                    missing.Add((aux, index, name));
                aux += (int)BitConverter.ToUInt32(b, aux + 12);
            }
            uint next = BitConverter.ToUInt32(b, p + 12);
            if (next == 0) break;
            p += (int)next;
        }
        if (missing.Count == 0) return;

        long dynstr = sections[dynsym.Link].Offset;
        int symbols = (int)(dynsym.Size / 24);
        var bound = new List<(int Symbol, string Name, string Version)>();
        for (int i = 0; i < symbols; i++)
        {
            int v = BitConverter.ToUInt16(b, (int)versym.Offset + 2 * i) & 0x7fff;
            foreach (var m in missing)
                if (m.Index == v) bound.Add((i, CString(b, dynstr + BitConverter.ToUInt32(b, (int)dynsym.Offset + 24 * i)), m.Name));
        }
        var real = bound.Where(s => !Droppable.Contains(s.Name)).ToList();
        if (real.Count > 0)
        {
            Log.LogWarning("OdeOpt: {0} needs {1}, which {2} lacks, for {3}; that is a real dependency, so the glue was left as it is and TorchSharp will not load here. Install a newer libstdc++ (GCC 13 or later).",
                path, string.Join(", ", missing.Select(m => m.Name)), libstdcxx, string.Join(", ", real.Select(s => s.Name + "@" + s.Version)));
            return;
        }
        foreach (var m in missing) b[m.Aux + 4] |= (byte)VerFlagWeak;
        foreach (var s in bound) { b[(int)versym.Offset + 2 * s.Symbol] = 1; b[(int)versym.Offset + 2 * s.Symbol + 1] = 0; }
        // A new file moved over the copy: a hard link into the NuGet cache, if the build made one, stays untouched.
        string temp = path + ".odeopt-tmp";
        File.WriteAllBytes(temp, b);
        File.Delete(path);
        File.Move(temp, path);
        Log.LogMessage(MessageImportance.High, "OdeOpt: {0} requires {1}, which {2} lacks, only for {3} (no relocation uses it): requirement made weak in this copy (docs/torchsharp.md).",
            path, string.Join(", ", missing.Select(m => m.Name)), libstdcxx, string.Join(", ", bound.Select(s => s.Name)));
    }

    private static string CString(byte[] b, long offset)
    {
        int start = checked((int)offset), end = start;
        while (b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, start, end - start);
    }
}
