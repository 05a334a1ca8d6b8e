using System;
using System.Buffers.Binary;
using System.ComponentModel;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace OdeOpt.Runtime;

/// <summary>Process-wide settings of the kernel drivers.</summary>
public static class KernelSettings
{
    private static long s_parallelThreshold = 1 << 18;

    /// <summary>Parameter counts below this run on one thread (thread hand-off costs more than it saves there).
    /// Default 262,144.</summary>
    public static long ParallelThreshold
    {
        get => s_parallelThreshold;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            s_parallelThreshold = value;
        }
    }
}

/// <summary>
/// The runtime half of every generated optimizer: buffer validation, the pass cycle (pipelined first-same-as-last
/// steps included), threading, and state save/load. The generator derives each [Optimizer] class from it and
/// supplies the per-step uniforms and the fused passes.
/// </summary>
/// <typeparam name="TUniforms">The generated struct of per-step hoisted values.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract unsafe class OptimizerCore<TUniforms> : IOptimizer, IPassRunner where TUniforms : unmanaged
{
    private const ulong Magic = 0x5453_5450_4F45_444F; // "ODEOPTST" little-endian
    /// <summary>The version of the state format written by <see cref="SaveState"/>.</summary>
    public const int StateFormatVersion = 1;

    private readonly OptimizerInfo _info;
    private readonly SchemeLayout _layout;
    private readonly float[][] _arrays;
    private readonly nint[] _arrayPointers;
    private float[]? _gradientScratch;
    private float* _parameters;
    private float* _gradient;
    private float* _output;
    private TUniforms _previous;
    private TUniforms _current;
    private int _phase;
    private bool _started;
    private bool _initialized;
    private int _maxDegreeOfParallelism = Environment.ProcessorCount;

    /// <summary>Allocates the persistent arrays (pinned, zeroed).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameterCount"/> is not positive.</exception>
    protected OptimizerCore(int parameterCount, OptimizerInfo info, SchemeLayout layout)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameterCount);
        ParameterCount = parameterCount;
        _info = info;
        _layout = layout;
        _arrays = new float[layout.ArrayCount][];
        _arrayPointers = new nint[layout.ArrayCount];
        for (int i = 0; i < _arrays.Length; i++)
        {
            _arrays[i] = GC.AllocateArray<float>(parameterCount, pinned: true);
            _arrayPointers[i] = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_arrays[i]));
        }
    }

    OptimizerInfo IOptimizer.Info => _info;

    /// <inheritdoc/>
    public int ParameterCount { get; }

    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <summary>The most threads a pass may use (default: all cores). Results do not depend on it.</summary>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            _maxDegreeOfParallelism = value;
        }
    }

    // ------------------------------------------------------------------ members the generator implements

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a non-finite or out-of-range hyperparameter.</summary>
    protected abstract void ValidateHyperparameters();

    /// <summary>The hoisted per-step values of step <paramref name="t"/> (1-based) from the current hyperparameters.</summary>
    protected abstract TUniforms ComputeUniforms(long t);

    /// <summary>Runs pass <paramref name="pass"/> over elements [start, end).</summary>
    protected abstract void RunPass(int pass, nint start, nint end);

    /// <summary>Copies the hyperparameters, in declaration order.</summary>
    protected abstract void GetHyperparameters(Span<float> values);

    /// <summary>Sets the hyperparameters, in declaration order.</summary>
    protected abstract void SetHyperparameters(ReadOnlySpan<float> values);

    void IPassRunner.RunPass(int pass, nint start, nint end) => RunPass(pass, start, end);

    /// <summary>The parameter buffer of the pass in progress.</summary>
    protected ref float ParameterRef => ref *_parameters;

    /// <summary>The gradient of the pass in progress.</summary>
    protected ref float GradientRef => ref *_gradient;

    /// <summary>The output buffer of an iterate-recovery pass.</summary>
    protected ref float OutputRef => ref *_output;

    /// <summary>Persistent array <paramref name="slot"/>.</summary>
    protected ref float StateRef(int slot) => ref *(float*)_arrayPointers[slot];

    /// <summary>The uniforms of the step the pass continues or finishes (the step before a step-beginning pass).</summary>
    protected ref readonly TUniforms Previous => ref _previous;

    /// <summary>The uniforms of the step in progress.</summary>
    protected ref readonly TUniforms Current => ref _current;

    // ------------------------------------------------------------------ stepping

    /// <summary>One pass with a gradient the caller computed at the current parameter buffer.</summary>
    protected void StepWithGradient(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        CheckLength(parameters.Length, nameof(parameters));
        CheckLength(gradient.Length, nameof(gradient));
        if (parameters.Overlaps(gradient))
            throw new ArgumentException("The gradient buffer must not overlap the parameter buffer.", nameof(gradient));
        ValidateHyperparameters();
        RunNextPass(parameters, gradient);
    }

    /// <inheritdoc/>
    public void Step(Span<float> parameters, GradientFunction gradient)
    {
        CheckLength(parameters.Length, nameof(parameters));
        ArgumentNullException.ThrowIfNull(gradient);
        ValidateHyperparameters();
        var scratch = _gradientScratch ??= GC.AllocateArray<float>(ParameterCount, pinned: true);
        do
        {
            gradient(parameters, scratch);
            RunNextPass(parameters, scratch);
        }
        while (!AtRest);
    }

    private bool AtRest => _phase == 0 && (_layout.StartPass < 0 || _started);

    private void RunNextPass(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        bool starting = _layout.StartPass >= 0 && !_started;
        int pass = starting ? _layout.StartPass : _layout.Cycle[_phase];
        bool begins = _layout.BeginsStep[pass];
        var uniforms = begins ? ComputeUniforms(StepCount + 1) : default;

        fixed (float* p = parameters)
        fixed (float* g = gradient)
        {
            _parameters = p;
            _gradient = g;
            try
            {
                if (begins)
                {
                    _previous = _initialized ? _current : uniforms;
                    _current = uniforms;
                }
                if (!_initialized)
                {
                    if (_layout.InitPass >= 0) Execute(_layout.InitPass);
                    _initialized = true;
                }
                Execute(pass);
            }
            finally
            {
                _parameters = null;
                _gradient = null;
            }
        }

        if (begins) StepCount++;
        if (starting) _started = true;
        else _phase = (_phase + 1) % _layout.Cycle.Length;
    }

    private void Execute(int pass)
    {
        nint n = ParameterCount;
        int threads = n >= KernelSettings.ParallelThreshold ? _maxDegreeOfParallelism : 1;
        PassScheduler.Run(this, pass, n, threads);
    }

    /// <inheritdoc/>
    public void GetIterate(ReadOnlySpan<float> parameters, Span<float> iterate)
    {
        CheckLength(parameters.Length, nameof(parameters));
        CheckLength(iterate.Length, nameof(iterate));
        int pass = !_initialized || _layout.IteratePasses.Length == 0 ? -1
            : _layout.StartPass >= 0 && !_started ? _layout.IterateAtStartPass
            : _layout.IteratePasses[_phase];
        if (pass < 0)
        {
            parameters.CopyTo(iterate);
            return;
        }
        if (parameters.Overlaps(iterate, out int offset) && offset != 0)
            throw new ArgumentException("The iterate buffer must be the parameter buffer itself or not overlap it.", nameof(iterate));
        fixed (float* p = parameters)
        fixed (float* o = iterate)
        {
            _parameters = p;
            _output = o;
            try { Execute(pass); }
            finally { _parameters = null; _output = null; }
        }
    }

    /// <inheritdoc/>
    public void Reset()
    {
        foreach (var a in _arrays) Array.Clear(a);
        StepCount = 0;
        _phase = 0;
        _started = false;
        _initialized = false;
        _previous = default;
        _current = default;
    }

    private void CheckLength(int length, string name)
    {
        if (length != ParameterCount)
            throw new ArgumentException($"The buffer holds {length} floats but the optimizer was created for {ParameterCount} parameters.", name);
    }

    // ------------------------------------------------------------------ state

    /// <inheritdoc/>
    public void SaveState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var header = new MemoryStream();
        var w = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(StateFormatVersion);
        w.Write(_info.Name);
        w.Write((long)ParameterCount);
        w.Write(StepCount);
        w.Write(_phase);
        w.Write(_started);
        w.Write(_initialized);
        var hyper = new float[_info.Hyperparameters.Count];
        GetHyperparameters(hyper);
        w.Write(hyper.Length);
        foreach (var h in hyper) w.Write(h);
        w.Write(sizeof(TUniforms));
        w.Write(MemoryMarshal.AsBytes(new ReadOnlySpan<TUniforms>(in _previous)));
        w.Write(MemoryMarshal.AsBytes(new ReadOnlySpan<TUniforms>(in _current)));
        w.Write(_arrays.Length);
        w.Flush();

        uint crc = Crc32.Update(0xFFFF_FFFFu, header.GetBuffer().AsSpan(0, (int)header.Length));
        stream.Write(header.GetBuffer(), 0, (int)header.Length);
        foreach (var a in _arrays)
        {
            var bytes = MemoryMarshal.AsBytes(a.AsSpan());
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("State files are little-endian.");
            crc = Crc32.Update(crc, bytes);
            stream.Write(bytes);
        }
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(tail, ~crc);
        stream.Write(tail);
    }

    /// <inheritdoc/>
    public void LoadState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var data = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (data.Length < 4) throw Invalid("it is empty or truncated");
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(data.Length - 4));
        var body = data.Slice(0, data.Length - 4);

        var r = new BinaryReader(new MemoryStream(buffer.GetBuffer(), 0, body.Length), Encoding.UTF8);
        try
        {
            if (r.ReadUInt64() != Magic) throw Invalid("it is not an OdeOpt optimizer state (wrong magic number)");
            int version = r.ReadInt32();
            if (version != StateFormatVersion)
                throw Invalid($"it has format version {version}; this OdeOpt reads version {StateFormatVersion}");
            if (~Crc32.Update(0xFFFF_FFFFu, body) != stored) throw Invalid("its checksum does not match (the data is corrupted)");
            string name = r.ReadString();
            if (name != _info.Name) throw Invalid($"it belongs to the optimizer '{name}', not '{_info.Name}'");
            long count = r.ReadInt64();
            if (count != ParameterCount) throw Invalid($"it was saved for {count} parameters, not {ParameterCount}");
            long stepCount = r.ReadInt64();
            int phase = r.ReadInt32();
            bool started = r.ReadBoolean();
            bool initialized = r.ReadBoolean();
            int hyperCount = r.ReadInt32();
            if (hyperCount != _info.Hyperparameters.Count) throw Invalid($"it has {hyperCount} hyperparameters, not {_info.Hyperparameters.Count}");
            var hyper = new float[hyperCount];
            for (int i = 0; i < hyperCount; i++) hyper[i] = r.ReadSingle();
            int uniformSize = r.ReadInt32();
            if (uniformSize != sizeof(TUniforms)) throw Invalid("its per-step values do not match this optimizer's layout");
            TUniforms previous = default, current = default;
            r.Read(MemoryMarshal.AsBytes(new Span<TUniforms>(ref previous)));
            r.Read(MemoryMarshal.AsBytes(new Span<TUniforms>(ref current)));
            int arrayCount = r.ReadInt32();
            if (arrayCount != _arrays.Length) throw Invalid($"it has {arrayCount} state arrays, not {_arrays.Length}");
            long arrayBytes = (long)arrayCount * ParameterCount * sizeof(float);
            if (r.BaseStream.Position + arrayBytes != body.Length) throw Invalid("it is truncated or has trailing data");
            if (stepCount < 0 || phase < 0 || phase >= _layout.Cycle.Length) throw Invalid("its step position is out of range");

            // Everything checked: apply, validating hyperparameters against the declared ranges first.
            var old = new float[hyperCount];
            GetHyperparameters(old);
            SetHyperparameters(hyper);
            try { ValidateHyperparameters(); }
            catch (ArgumentException e)
            {
                SetHyperparameters(old);
                throw new InvalidDataException("The optimizer state cannot be loaded: " + e.Message, e);
            }
            int offset = (int)r.BaseStream.Position;
            for (int i = 0; i < arrayCount; i++)
            {
                MemoryMarshal.Cast<byte, float>(body.Slice(offset, ParameterCount * sizeof(float))).CopyTo(_arrays[i]);
                offset += ParameterCount * sizeof(float);
            }
            StepCount = stepCount;
            _phase = phase;
            _started = started;
            _initialized = initialized;
            _previous = previous;
            _current = current;
        }
        catch (EndOfStreamException)
        {
            throw Invalid("it is truncated");
        }
    }

    private InvalidDataException Invalid(string why) =>
        new($"The stream cannot be loaded into this '{_info.Name}' optimizer: {why}. Nothing was changed.");
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
