using System;
using System.Collections.Generic;
using System.IO;

namespace OdeOpt;

/// <summary>Computes the gradient of the loss at <paramref name="parameters"/> into <paramref name="gradient"/>.</summary>
/// <param name="parameters">The point where the gradient is wanted (ParameterCount floats).</param>
/// <param name="gradient">Receives the gradient (ParameterCount floats).</param>
public delegate void GradientFunction(ReadOnlySpan<float> parameters, Span<float> gradient);

/// <summary>An optimizer: a time integrator of an ODE whose right-hand side reads the gradient of a loss.</summary>
/// <remarks>
/// The parameter buffer passed to <c>Step</c> always holds the point where the next gradient must be evaluated.
/// For most schemes that is theta itself; for look-ahead schemes (<see cref="GradientAtAttribute"/>) it is the
/// look-ahead point and <see cref="GetIterate"/> recovers theta.
/// </remarks>
public interface IOptimizer
{
    /// <summary>What the optimizer is: its scheme, cost per step and hyperparameters.</summary>
    OptimizerInfo Info { get; }

    /// <summary>The number of parameters every buffer must hold.</summary>
    int ParameterCount { get; }

    /// <summary>The number of steps begun since construction or <see cref="Reset"/>; the step index t of the latest step.</summary>
    long StepCount { get; }

    /// <summary>Advances one step, evaluating the gradient as often as the scheme needs
    /// (<see cref="OptimizerInfo.GradientEvaluationsPerStep"/>).</summary>
    /// <param name="parameters">The parameter buffer, updated in place.</param>
    /// <param name="gradient">Evaluates the gradient at the points the scheme asks for.</param>
    /// <exception cref="ArgumentException">A buffer has the wrong length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is not finite or outside its range; nothing was changed.</exception>
    void Step(Span<float> parameters, GradientFunction gradient);

    /// <summary>Advances one step with a closure that also returns the loss at the point it is called at: the form a line
    /// search needs (<see cref="StepControl.Armijo"/>). Other schemes ignore the loss.</summary>
    /// <param name="parameters">The parameter buffer, updated in place.</param>
    /// <param name="lossAndGradient">Returns the loss at its first argument and writes the gradient into its second.</param>
    /// <exception cref="ArgumentException">The buffer has the wrong length.</exception>
    /// <remarks>The default implementation (for implementations written before this member) drops the loss and calls
    /// <see cref="Step(Span{float}, GradientFunction)"/>; every generated optimizer implements it.</remarks>
    void Step(Span<float> parameters, LossGradientFunction lossAndGradient)
    {
        ArgumentNullException.ThrowIfNull(lossAndGradient);
        Step(parameters, (p, g) => lossAndGradient(p, g));
    }

    /// <summary>Advances one step like <see cref="Step(Span{float}, GradientFunction)"/>, but with the caller's own
    /// gradient buffer: every evaluation is <c>evaluate(parameters, gradient)</c> with exactly the two buffers passed
    /// here, and the pass reads <paramref name="gradient"/> in place (no scratch buffer, no copy). For callers whose
    /// gradient already lands in a buffer of their own, such as an autograd engine accumulating into a fixed gradient
    /// tensor: the callback may ignore its arguments and fill <paramref name="gradient"/> by other means.</summary>
    /// <param name="parameters">The parameter buffer, updated in place; before each evaluation it holds the point the
    /// scheme asks for.</param>
    /// <param name="gradient">The caller's gradient buffer (ParameterCount floats, not overlapping the parameters).</param>
    /// <param name="evaluate">Fills <paramref name="gradient"/> with the gradient at <paramref name="parameters"/>.</param>
    /// <exception cref="ArgumentException">A buffer has the wrong length or the buffers overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is not finite or outside its range; nothing was changed.</exception>
    /// <remarks>The default implementation (for implementations written before this member) evaluates into
    /// <paramref name="gradient"/> and copies it into the closure form's buffer; every generated optimizer implements it
    /// without the copy.</remarks>
    unsafe void Step(Span<float> parameters, Span<float> gradient, GradientFunction evaluate)
    {
        ArgumentNullException.ThrowIfNull(evaluate);
        if (gradient.Length != ParameterCount)
            throw new ArgumentException($"The buffer holds {gradient.Length} floats but the optimizer was created for {ParameterCount} parameters.", nameof(gradient));
        fixed (float* g = gradient)
        {
            nint address = (nint)g;
            int length = gradient.Length;
            Step(parameters, (p, scratch) =>
            {
                var own = new Span<float>((void*)address, length);
                evaluate(p, own);
                own.CopyTo(scratch);
            });
        }
    }

    /// <summary>The in-place form of <see cref="Step(Span{float}, LossGradientFunction)"/>: every evaluation is
    /// <c>evaluate(parameters, gradient)</c> with exactly these two buffers, and returns the loss there.</summary>
    /// <param name="parameters">The parameter buffer, updated in place.</param>
    /// <param name="gradient">The caller's gradient buffer (ParameterCount floats, not overlapping the parameters).</param>
    /// <param name="evaluate">Returns the loss at <paramref name="parameters"/> and fills <paramref name="gradient"/>.</param>
    /// <exception cref="ArgumentException">A buffer has the wrong length or the buffers overlap.</exception>
    /// <remarks>The default implementation drops the loss and calls
    /// <see cref="Step(Span{float}, Span{float}, GradientFunction)"/>; every generated optimizer implements it.</remarks>
    void Step(Span<float> parameters, Span<float> gradient, LossGradientFunction evaluate)
    {
        ArgumentNullException.ThrowIfNull(evaluate);
        Step(parameters, gradient, (GradientFunction)((p, g) => evaluate(p, g)));
    }

    /// <summary>Writes theta, the current iterate, into <paramref name="iterate"/>. Equal to the parameter buffer unless
    /// the gradient is taken at a look-ahead point.</summary>
    void GetIterate(ReadOnlySpan<float> parameters, Span<float> iterate);

    /// <summary>Forgets all state: the next step is a first step again.</summary>
    void Reset();

    /// <summary>Writes the optimizer state (step count, hyperparameters, every persistent array) to a stream.</summary>
    void SaveState(Stream stream);

    /// <summary>Restores a state written by <see cref="SaveState"/>.</summary>
    /// <exception cref="InvalidDataException">The stream is not a state of this optimizer, format and parameter count,
    /// or is truncated or corrupted; nothing was changed.</exception>
    void LoadState(Stream stream);

    /// <summary>Checks the hyperparameters against the optimizer's declared conditions (<see cref="ConditionAttribute"/>,
    /// listed in <see cref="OptimizerInfo.Conditions"/>): one warning per condition that the optimizer's own values, or a
    /// parameter group's values, violate. Empty when every condition holds or none is declared. Ranges are not warnings:
    /// a value outside its range throws when a step begins. Schedules are not applied.</summary>
    /// <remarks>A default implementation returns no warnings, so implementations written before this member keep
    /// compiling; every generated optimizer implements it.</remarks>
    IReadOnlyList<HyperparameterWarning> Validate() => Array.Empty<HyperparameterWarning>();
}

/// <summary>An optimizer that needs exactly one gradient per step and can therefore be driven by a gradient
/// computed by the caller.</summary>
public interface ISingleGradientOptimizer : IOptimizer
{
    /// <summary>Advances one step with the gradient evaluated at the current contents of <paramref name="parameters"/>.</summary>
    /// <exception cref="ArgumentException">A buffer has the wrong length or the buffers overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is not finite or outside its range; nothing was changed.</exception>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradient);
}

/// <summary>An optimizer that also steps bfloat16 parameter and gradient buffers ([ParameterStorage]): each element is
/// widened, the step computed in float32, and the new parameter rounded to bfloat16 stochastically (unbiased), with
/// random bits that are a pure function of (<see cref="StochasticRoundingSeed"/>, step, element index).</summary>
/// <remarks>The bfloat16 values are the upper halves of floats, held as <see cref="ushort"/>
/// (<see cref="Runtime.BFloat16"/>). The state arrays, the step count and the checkpoint format are the optimizer's own:
/// the same optimizer may step float32 buffers and bfloat16 buffers, one call or the other.</remarks>
public interface IBFloat16ParameterOptimizer : ISingleGradientOptimizer
{
    /// <summary>Advances one step over bfloat16 buffers with the gradient at the current <paramref name="parameters"/>.</summary>
    /// <exception cref="ArgumentException">A buffer has the wrong length or the buffers overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is not finite or outside its range; nothing was changed.</exception>
    void Step(Span<ushort> parameters, ReadOnlySpan<ushort> gradient);

    /// <summary>The seed of the stochastic rounding stream (default 0). Not part of a checkpoint: set it again after
    /// loading one to continue the same stream (the step count is in the checkpoint).</summary>
    ulong StochasticRoundingSeed { get; set; }
}
