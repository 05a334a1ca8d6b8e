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

    internal int ArrayCount { get; }
    internal bool[] BeginsStep { get; }
    internal int[] Cycle { get; }
    internal int StartPass { get; }
    internal int InitPass { get; }
    internal int[] IteratePasses { get; }
    internal int IterateAtStartPass { get; }
}
