using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace OdeOpt.Runtime;

/// <summary>
/// The optimizer state format (version 3; version 4 with 16-bit state arrays), little-endian:
/// <code>
/// u64 magic "ODEOPTST" | i32 version | string optimizer name | i64 parameter count | i64 step count
/// i32 position in the pass cycle | u8 started | u8 initialized | i64 skipped steps
/// f64 controller error (the PI controller's err of the last accepted step) | f64 ODE time (sum of accepted h)   (version 3)
/// i32 H | f32[H] hyperparameters (declaration order)
/// i32 G | G x (i32 offset, i32 count, string name, i32 K, K x (string hyperparameter, f32 value))   parameter groups
/// i32 uniform size U | i32 S | S x (i64 start, i64 end, u8[U] uniforms of the previous, current and next step)
/// i32 A | A x f32[parameter count]   persistent arrays (pending first-same-as-last stage data included)
///   version 4: i32 A | A x u8 storage (0 float32, 1 bfloat16, 2 binary16) | each array in its storage (f32 or u16)
/// u32 CRC-32 (IEEE) of everything before it
/// </code>
/// Strings are length-prefixed UTF-8 (BinaryWriter). Schedules are functions of the step count, so the step count is
/// their position. Shared by the CPU and GPU forms so that a state saved by one loads into the other. Version 2 (without
/// the controller fields) still loads, with the controller's history at its start (1e-4) and time 0. An optimizer whose
/// state arrays are all float32 writes version 3; one with [StateStorage] arrays writes version 4, which records each
/// array's storage and keeps a 16-bit array in 2 bytes per element. Arrays are converted on loading: a 16-bit array
/// into float32 exactly, a float32 one into 16-bit storage rounded to nearest even (a checkpoint of a declaration
/// whose storage was changed since).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class StateFormat
{
    /// <summary>"ODEOPTST" read as a little-endian u64.</summary>
    public const ulong Magic = 0x5453_5450_4F45_444F;

    /// <summary>The version written by optimizers with float32 state arrays only; older or newer versions are refused.</summary>
    public const int Version = 3;

    /// <summary>The version written by optimizers with 16-bit state arrays: it records each array's storage.</summary>
    public const int StorageVersion = 4;

    /// <summary>A parameter group as stored.</summary>
    public sealed record Group(int Offset, int Count, string Name, KeyValuePair<string, float>[] Overrides);

    /// <summary>Uniforms of one segment as stored.</summary>
    public sealed record SegmentState(long Start, long End, byte[] Prev, byte[] Cur, byte[] Next);

    /// <summary>Everything but the arrays.</summary>
    public sealed class Snapshot
    {
#pragma warning disable CS1591
        public string Name { get; set; } = "";
        public long ParameterCount { get; set; }
        public long StepCount { get; set; }
        public int Phase { get; set; }
        public bool Started { get; set; }
        public bool Initialized { get; set; }
        public long SkippedSteps { get; set; }
        public double ControllerError { get; set; } = 1e-4;
        public double Time { get; set; }
        public float[] Hyperparameters { get; set; } = Array.Empty<float>();
        public Group[] Groups { get; set; } = Array.Empty<Group>();
        public int UniformSize { get; set; }
        public SegmentState[] Segments { get; set; } = Array.Empty<SegmentState>();
        public int ArrayCount { get; set; }
        /// <summary>Each array's storage (StateStorage values; empty: all float32).</summary>
        public byte[] Storage { get; set; } = Array.Empty<byte>();
#pragma warning restore CS1591
    }

    /// <summary>Writes a state; <paramref name="array"/> gives persistent array i (ParameterCount floats; a 16-bit array's
    /// values widened), narrowed again to the storage <see cref="Snapshot.Storage"/> gives it.</summary>
    public static void Write(Stream stream, Snapshot s, Func<int, float[]?> array)
    {
        bool sixteen = Array.Exists(s.Storage, b => b != 0);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("State files are little-endian.");
        var header = new MemoryStream();
        using (var w = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(sixteen ? StorageVersion : Version);
            w.Write(s.Name);
            w.Write(s.ParameterCount);
            w.Write(s.StepCount);
            w.Write(s.Phase);
            w.Write(s.Started);
            w.Write(s.Initialized);
            w.Write(s.SkippedSteps);
            w.Write(s.ControllerError);
            w.Write(s.Time);
            w.Write(s.Hyperparameters.Length);
            foreach (var h in s.Hyperparameters) w.Write(h);
            w.Write(s.Groups.Length);
            foreach (var g in s.Groups)
            {
                w.Write(g.Offset);
                w.Write(g.Count);
                w.Write(g.Name);
                w.Write(g.Overrides.Length);
                foreach (var kv in g.Overrides) { w.Write(kv.Key); w.Write(kv.Value); }
            }
            w.Write(s.UniformSize);
            w.Write(s.Segments.Length);
            foreach (var seg in s.Segments)
            {
                w.Write(seg.Start);
                w.Write(seg.End);
                w.Write(seg.Prev);
                w.Write(seg.Cur);
                w.Write(seg.Next);
            }
            w.Write(s.ArrayCount);
            if (sixteen) for (int i = 0; i < s.ArrayCount; i++) w.Write(s.Storage[i]);
        }
        uint crc = Crc32.Update(0xFFFF_FFFFu, header.GetBuffer().AsSpan(0, (int)header.Length));
        stream.Write(header.GetBuffer(), 0, (int)header.Length);
        Span<byte> zeros = stackalloc byte[4096];
        zeros.Clear();
        for (int i = 0; i < s.ArrayCount; i++)
        {
            int width = sixteen && s.Storage[i] != 0 ? 2 : 4;
            // An optional array that was never allocated holds its initial value 0 everywhere.
            if (array(i) is not { } values)
            {
                for (long left = s.ParameterCount * width; left > 0; left -= zeros.Length)
                {
                    var chunk = zeros[..(int)Math.Min(zeros.Length, left)];
                    crc = Crc32.Update(crc, chunk);
                    stream.Write(chunk);
                }
                continue;
            }
            var source = values.AsSpan(0, checked((int)s.ParameterCount));
            ReadOnlySpan<byte> bytes;
            if (width == 4) bytes = MemoryMarshal.AsBytes(source);
            else
            {
                var narrow = new ushort[source.Length];
                if (s.Storage[i] == (byte)StateStorage.Half) HalfFloat.Narrow(source, narrow);
                else BFloat16.Narrow(source, narrow);
                bytes = MemoryMarshal.AsBytes(narrow.AsSpan());
            }
            crc = Crc32.Update(crc, bytes);
            stream.Write(bytes);
        }
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(tail, ~crc);
        stream.Write(tail);
    }

    /// <summary>Reads and checks a state against the optimizer that will take it; throws
    /// <see cref="InvalidDataException"/> with a clear message on any mismatch or corruption.</summary>
    public static Snapshot Read(Stream stream, OptimizerInfo info, int parameterCount, int arrayCount, int uniformSize, int cycleLength, out float[][] arrays)
    {
        var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        int length = (int)buffer.Length;
        var data = buffer.GetBuffer();
        InvalidDataException Invalid(string why) => new($"The stream cannot be loaded into this '{info.Name}' optimizer: {why}. Nothing was changed.");
        if (length < 16) throw Invalid("it is empty or truncated");
        if (BinaryPrimitives.ReadUInt64LittleEndian(data) != Magic) throw Invalid("it is not an OdeOpt optimizer state (wrong magic number)");
        int version = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(8));
        if (version is not (2 or Version or StorageVersion)) throw Invalid($"it has format version {version}; this OdeOpt reads versions 2 to {StorageVersion}");
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(length - 4));
        if (~Crc32.Update(0xFFFF_FFFFu, data.AsSpan(0, length - 4)) != stored) throw Invalid("its checksum does not match (the data is corrupted or truncated)");

        var r = new BinaryReader(new MemoryStream(data, 12, length - 16), Encoding.UTF8);
        try
        {
            var s = new Snapshot { Name = r.ReadString() };
            if (s.Name != info.Name) throw Invalid($"it belongs to the optimizer '{s.Name}', not '{info.Name}'");
            s.ParameterCount = r.ReadInt64();
            if (s.ParameterCount != parameterCount) throw Invalid($"it was saved for {s.ParameterCount} parameters, not {parameterCount}");
            s.StepCount = r.ReadInt64();
            s.Phase = r.ReadInt32();
            s.Started = r.ReadBoolean();
            s.Initialized = r.ReadBoolean();
            s.SkippedSteps = r.ReadInt64();
            if (version >= 3)
            {
                s.ControllerError = r.ReadDouble();
                s.Time = r.ReadDouble();
                if (!(s.ControllerError > 0) || !double.IsFinite(s.ControllerError) || !double.IsFinite(s.Time))
                    throw Invalid($"its step-size controller fields are not valid (error {s.ControllerError}, time {s.Time})");
            }
            if (s.StepCount < 0 || s.SkippedSteps < 0 || s.Phase < 0 || s.Phase >= cycleLength) throw Invalid("its step position is out of range");
            int h = r.ReadInt32();
            if (h != info.Hyperparameters.Count) throw Invalid($"it has {h} hyperparameters, not {info.Hyperparameters.Count}");
            s.Hyperparameters = new float[h];
            for (int i = 0; i < h; i++) s.Hyperparameters[i] = r.ReadSingle();
            int groups = r.ReadInt32();
            if (groups < 0 || groups > parameterCount) throw Invalid("its parameter groups are malformed");
            s.Groups = new Group[groups];
            for (int i = 0; i < groups; i++)
            {
                int offset = r.ReadInt32(), count = r.ReadInt32();
                string name = r.ReadString();
                int k = r.ReadInt32();
                if (offset < 0 || count <= 0 || k < 0 || k > h) throw Invalid("its parameter groups are malformed");
                var overrides = new KeyValuePair<string, float>[k];
                for (int o = 0; o < k; o++) overrides[o] = new(r.ReadString(), r.ReadSingle());
                s.Groups[i] = new Group(offset, count, name, overrides);
            }
            s.UniformSize = r.ReadInt32();
            if (s.UniformSize != uniformSize) throw Invalid("its per-step values do not match this optimizer's layout");
            int segments = r.ReadInt32();
            if (segments <= 0 || segments > 2 * groups + 2 + parameterCount) throw Invalid("its segments are malformed");
            s.Segments = new SegmentState[segments];
            long at = 0;
            for (int i = 0; i < segments; i++)
            {
                long start = r.ReadInt64(), end = r.ReadInt64();
                if (start != at || end <= start || end > parameterCount) throw Invalid("its segments do not cover the parameters");
                s.Segments[i] = new SegmentState(start, end, r.ReadBytes(uniformSize), r.ReadBytes(uniformSize), r.ReadBytes(uniformSize));
                at = end;
            }
            if (at != parameterCount) throw Invalid("its segments do not cover the parameters");
            s.ArrayCount = r.ReadInt32();
            if (s.ArrayCount != arrayCount) throw Invalid($"it has {s.ArrayCount} state arrays, not {arrayCount}");
            s.Storage = new byte[arrayCount];
            if (version >= StorageVersion)
                for (int i = 0; i < arrayCount; i++)
                    if ((s.Storage[i] = r.ReadByte()) > (byte)StateStorage.Half) throw Invalid($"its state array {i} has an unknown storage ({s.Storage[i]})");
            long position = 12 + r.BaseStream.Position;
            long needed = 0;
            foreach (byte b in s.Storage) needed += (long)parameterCount * (b == 0 ? 4 : 2);
            if (position + needed != length - 4) throw Invalid("it is truncated or has trailing data");
            arrays = new float[arrayCount][];
            for (int i = 0; i < arrayCount; i++)
            {
                arrays[i] = new float[parameterCount];
                if (s.Storage[i] == 0)
                {
                    MemoryMarshal.Cast<byte, float>(data.AsSpan((int)position, parameterCount * sizeof(float))).CopyTo(arrays[i]);
                    position += parameterCount * sizeof(float);
                    continue;
                }
                var values16 = MemoryMarshal.Cast<byte, ushort>(data.AsSpan((int)position, parameterCount * sizeof(ushort)));
                if (s.Storage[i] == (byte)StateStorage.Half) HalfFloat.Widen(values16, arrays[i]);
                else BFloat16.Widen(values16, arrays[i]);
                position += parameterCount * sizeof(ushort);
            }
            return s;
        }
        catch (EndOfStreamException)
        {
            throw Invalid("it is truncated");
        }
    }
}

/// <summary>CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320).</summary>
internal static class Crc32
{
    private static readonly uint[] s_table = BuildTable();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }

    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        var table = s_table;
        foreach (byte b in data) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }
}
