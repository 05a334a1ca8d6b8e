using System;
using System.ComponentModel;

namespace OdeOpt.Runtime;

/// <summary>The pass structure of a generated optimizer (emitted by the generator; not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SchemeLayout
{
    /// <summary>Creates a layout.</summary>
    /// <param name="arrayCount">Persistent arrays of ParameterCount floats.</param>
    /// <param name="beginsStep">For each pass, whether it begins a step.</param>
    /// <param name="cycle">The passes of one steady step, in order.</param>
    /// <param name="startPass">The pass that begins the first step of a first-same-as-last scheme, or -1.</param>
    /// <param name="initPass">The pass that sets [Initial] values, or -1.</param>
    /// <param name="iteratePasses">For each cycle position, the pass that recovers theta; empty when the buffer is theta.</param>
    /// <param name="iterateAtStartPass">The recovery pass before a first-same-as-last scheme has started, or -1.</param>
    public SchemeLayout(int arrayCount, bool[] beginsStep, int[] cycle, int startPass, int initPass, int[] iteratePasses, int iterateAtStartPass)
    {
        if (cycle.Length == 0) throw new ArgumentException("A scheme needs at least one pass per step.", nameof(cycle));
        ArrayCount = arrayCount;
        BeginsStep = beginsStep;
        Cycle = cycle;
        StartPass = startPass;
        InitPass = initPass;
        IteratePasses = iteratePasses;
        IterateAtStartPass = iterateAtStartPass;
    }

    /// <summary>Arrays (bit i: array i) that some flag assignment leaves untouched: allocated at the first pass that
    /// touches them, zero until then.</summary>
    public int OptionalArrays { get; init; }

    /// <summary>The first pass of a steady step that also copies the step-begin values a failed step puts back (the
    /// fused undo copy), or -1: the runtime then copies the parameters and every state array itself.</summary>
    public int RollbackPass { get; init; } = -1;

    /// <summary>For rollback array i (slot ArrayCount + i) of <see cref="RollbackPass"/>, the slot it keeps: -1 the
    /// parameters, k state array k.</summary>
    public int[] RollbackTargets { get; init; } = Array.Empty<int>();

    /// <summary>State arrays (bit i: array i) that hold nothing between steps (a steady step writes them before reading
    /// them): a checkpoint written between steps holds zeros for them, and the undo leaves them alone.</summary>
    public int StepLocalArrays { get; init; }

    /// <summary>The state arrays (bit k) stored as bfloat16 ([StateStorage]): 2 bytes per parameter, allocated as half as
    /// many floats; checkpoints hold their values widened to float (exact), and loading rounds them back (exact).</summary>
    public int BFloat16Arrays { get; init; }

    /// <summary>The state arrays (bit k) stored as IEEE binary16 ([StateStorage], <see cref="HalfFloat"/>), held and
    /// checkpointed as <see cref="BFloat16Arrays"/> are.</summary>
    public int HalfArrays { get; init; }

    /// <summary>The state arrays stored in 16 bits (bfloat16 or binary16).</summary>
    internal int SixteenBitArrays => BFloat16Arrays | HalfArrays;

    /// <summary>Widens the 16-bit values of state array <paramref name="slot"/> (a 16-bit slot) into floats, exactly.</summary>
    internal void Widen(int slot, ReadOnlySpan<ushort> stored, Span<float> values)
    {
        if ((HalfArrays >> slot & 1) != 0) HalfFloat.Widen(stored, values);
        else BFloat16.Widen(stored, values);
    }

    /// <summary>Rounds floats into the 16-bit storage of state array <paramref name="slot"/> (a 16-bit slot), to nearest even.</summary>
    internal void Narrow(int slot, ReadOnlySpan<float> values, Span<ushort> stored)
    {
        if ((HalfArrays >> slot & 1) != 0) HalfFloat.Narrow(values, stored);
        else BFloat16.Narrow(values, stored);
    }

    /// <summary>The staged program of a scheme with implicit gradient stages or step-size control, or null: the passes
    /// then run per stage under <see cref="StepDriver{TUniforms}"/>'s staged step instead of the cycle.</summary>
    public StagedProgram? Staged { get; init; }

    internal int ArrayCount { get; }
    internal bool[] BeginsStep { get; }
    internal int[] Cycle { get; }
    internal int StartPass { get; }
    internal int InitPass { get; }
    internal int[] IteratePasses { get; }
    internal int IterateAtStartPass { get; }
}

/// <summary>The passes of a staged step (emitted by the generator; not for direct use). A step copies y_n (begin), then per
/// stage l writes the stage value Y_l into the live arrays (stage pass), evaluates the gradient there and computes the
/// stage derivatives (derivative pass); an implicit gradient stage repeats evaluation and derivative pass, whose map
/// G(Y) = known + h a_ll f_I(Y) lands in the map arrays, under Anderson acceleration until ||G(Y) - Y|| is small. The
/// final pass writes y_{n+1}; the estimate pass is a read-only reduction (the squared scaled embedded error, or the
/// directional derivative g.d for Armijo); the restore pass copies y_n back for a rejected or failed step.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class StagedProgram
{
    /// <summary>Creates a program; pass indices are -1 where a stage has none.</summary>
    /// <param name="control">The step-size controller.</param>
    /// <param name="beginPass">Copies the live arrays (y_n) into their step copies.</param>
    /// <param name="restorePass">Copies the step copies back into the live arrays.</param>
    /// <param name="stagePasses">Per stage, the pass writing Y_l (and the known part of an implicit stage), or -1 when Y_l = y_n.</param>
    /// <param name="derivativePasses">Per stage, the pass after its gradient (the map pass for an implicit gradient stage), or -1 when the stage needs no gradient.</param>
    /// <param name="implicitStages">Per stage, whether it is solved by fixed-point iteration.</param>
    /// <param name="iterateSlots">The live arrays an implicit stage iterates (-1 the parameters, k state array k).</param>
    /// <param name="mapSlots">The arrays its map G writes, matching <paramref name="iterateSlots"/>.</param>
    /// <param name="finalPass">Writes y_{n+1}.</param>
    /// <param name="estimatePass">The reduction pass (term 0), or -1.</param>
    /// <param name="fsalPass">Copies the last stage's derivatives into the first stage's after an accepted step, or -1.</param>
    /// <param name="errorOrder">q: the smaller of the orders of the two solutions (embedded controllers).</param>
    /// <param name="errorComponents">How many values per parameter the error norm averages over (the state variables it covers).</param>
    public StagedProgram(StepControl control, int beginPass, int restorePass, int[] stagePasses, int[] derivativePasses, bool[] implicitStages,
        int[] iterateSlots, int[] mapSlots, int finalPass, int estimatePass, int fsalPass, int errorOrder, int errorComponents)
    {
        Control = control;
        BeginPass = beginPass;
        RestorePass = restorePass;
        StagePasses = stagePasses;
        DerivativePasses = derivativePasses;
        ImplicitStages = implicitStages;
        IterateSlots = iterateSlots;
        MapSlots = mapSlots;
        FinalPass = finalPass;
        EstimatePass = estimatePass;
        FsalPass = fsalPass;
        ErrorOrder = errorOrder;
        ErrorComponents = errorComponents;
    }

    internal StepControl Control { get; }
    internal int BeginPass { get; }
    internal int RestorePass { get; }
    internal int[] StagePasses { get; }
    internal int[] DerivativePasses { get; }
    internal bool[] ImplicitStages { get; }
    internal int[] IterateSlots { get; }
    internal int[] MapSlots { get; }
    internal int FinalPass { get; }
    internal int EstimatePass { get; }
    internal int FsalPass { get; }
    internal int ErrorOrder { get; }
    internal int ErrorComponents { get; }
    internal int Stages => StagePasses.Length;
}
