// The step over bfloat16 parameter and gradient buffers ([ParameterStorage], IBFloat16ParameterOptimizer): the caller's
// ushort buffers are bound where the float ones would be, and the generated pass family that reads them (widened) and
// writes theta (rounded stochastically under the step's key) runs instead of the float32 one. The plan is one pass per
// step, so a call is one pass, one step; the step's rounding key is fixed before the pass, from the seed and the step
// number, so the rounded parameters are the same for any thread count and block split.
using System;

namespace OdeOpt.Runtime;

public abstract unsafe partial class OptimizerCore<TUniforms>
{
    private bool _bfloat16Buffers;
    private uint _roundingKey0, _roundingKey1;

    /// <summary>The seed of the stochastic rounding of bfloat16 parameters ([ParameterStorage]; default 0). Not part of a
    /// checkpoint: set it again after loading one to continue the same stream.</summary>
    public ulong StochasticRoundingSeed { get; set; }

    /// <summary>True while a step over bfloat16 buffers is bound: the generated passes take their bfloat16 family.</summary>
    protected bool BFloat16Buffers => _bfloat16Buffers;

    /// <summary>The first element of the caller's bfloat16 parameter buffer during a bfloat16 step.</summary>
    protected ref ushort ParameterRef16 => ref *(ushort*)_parameters;

    /// <summary>The first element of the caller's bfloat16 gradient buffer during a bfloat16 step.</summary>
    protected ref ushort GradientRef16 => ref *(ushort*)_gradient;

    /// <summary>The stochastic rounding key of the step in progress (<see cref="CounterRandom.StepKey"/>).</summary>
    protected uint RoundingKey0 => _roundingKey0;

    /// <inheritdoc cref="RoundingKey0"/>
    protected uint RoundingKey1 => _roundingKey1;

    /// <summary>One step over bfloat16 buffers with a gradient the caller computed at the current parameters (the
    /// generated class offers it only for a declaration with [ParameterStorage]).</summary>
    protected void StepWithBFloat16Gradient(Span<ushort> parameters, ReadOnlySpan<ushort> gradient)
    {
        using var exclusive = Exclusive.Enter(ref Driver.Busy, Name, "Step");
        CheckStepBuffers(parameters.Length, gradient.Length, parameters.Overlaps(gradient));
        (_roundingKey0, _roundingKey1) = CounterRandom.StepKey(StochasticRoundingSeed, Driver.StepCount + 1);
        fixed (ushort* p = parameters)
        fixed (ushort* g = gradient)
        {
            Bind((float*)p, (float*)g, null);
            _bfloat16Buffers = true;
            try { Driver.RunNextPass(); }
            finally
            {
                _bfloat16Buffers = false;
                Unbind();
            }
        }
    }

    /// <summary>Sum of squares of n bfloat16 values in double: widened a chunk at a time into a stack buffer and summed
    /// by the float32 norm's own vectorized sum, chunk after chunk (a fixed association: deterministic).</summary>
    private static double SumOfSquaresBFloat16(ushort* x, int n)
    {
        const int Chunk = 1024;
        float* wide = stackalloc float[Chunk];
        double total = 0;
        for (int i = 0; i < n; i += Chunk)
        {
            int m = Math.Min(Chunk, n - i);
            BFloat16.Widen(new ReadOnlySpan<ushort>(x + i, m), new Span<float>(wide, m));
            total += SumOfSquares(wide, m);
        }
        return total;
    }
}
