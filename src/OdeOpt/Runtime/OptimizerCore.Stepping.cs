// The step forms of the CPU backend: the caller-gradient form, the closure forms (with or without the loss, into a
// scratch buffer or the caller's own), the staged schemes' statistics and policy, and the binding of the caller's
// buffers for the duration of one call.
using System;

namespace OdeOpt.Runtime;

public abstract unsafe partial class OptimizerCore<TUniforms>
{
    // ------------------------------------------------------------------ stepping

    /// <summary>One pass with a gradient the caller computed at the current parameter buffer.</summary>
    protected void StepWithGradient(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        using var exclusive = Exclusive.Enter(ref Driver.Busy, Name, "Step");
        CheckStepBuffers(parameters.Length, gradient.Length, parameters.Overlaps(gradient));
        fixed (float* p = parameters)
        fixed (float* g = gradient)
        {
            Bind(p, g, null);
            try { Driver.RunNextPass(); }
            finally { Unbind(); }
        }
    }

    /// <inheritdoc/>
    public void Step(Span<float> parameters, GradientFunction gradient)
    {
        using var exclusive = Exclusive.Enter(ref Driver.Busy, Name, "Step");
        CheckLength(parameters.Length, nameof(parameters));
        ArgumentNullException.ThrowIfNull(gradient);
        var scratch = _gradientScratch ??= GC.AllocateArray<float>(ParameterCount, pinned: true);
        RunStep(parameters, scratch, gradient);
    }

    /// <inheritdoc/>
    public void Step(Span<float> parameters, Span<float> gradient, GradientFunction evaluate)
    {
        using var exclusive = Exclusive.Enter(ref Driver.Busy, Name, "Step");
        CheckInPlace(parameters, gradient, evaluate);
        RunStep(parameters, gradient, evaluate);
    }

    /// <summary>The buffers of a step with the caller's gradient: both of the right length, apart.</summary>
    private void CheckStepBuffers(int parameters, int gradient, bool overlap)
    {
        CheckLength(parameters, nameof(parameters));
        CheckLength(gradient, nameof(gradient));
        if (overlap) throw new ArgumentException("The gradient buffer must not overlap the parameter buffer.", nameof(gradient));
    }

    /// <summary>The arguments of an in-place step: both buffers of the right length, apart, and a function.</summary>
    private void CheckInPlace(Span<float> parameters, Span<float> gradient, Delegate evaluate)
    {
        CheckStepBuffers(parameters.Length, gradient.Length, parameters.Overlaps(gradient));
        ArgumentNullException.ThrowIfNull(evaluate);
    }

    /// <summary>Advances one step with a closure that also returns the loss: the form a line search needs
    /// (<see cref="StepControl.Armijo"/>); for other schemes the loss is recorded in <see cref="Statistics"/> and otherwise
    /// ignored.</summary>
    /// <param name="parameters">The parameter buffer, updated in place.</param>
    /// <param name="lossAndGradient">Returns the loss at its first argument and writes the gradient into its second.</param>
    /// <exception cref="ArgumentException">The buffer has the wrong length.</exception>
    public void Step(Span<float> parameters, LossGradientFunction lossAndGradient)
    {
        using var exclusive = Exclusive.Enter(ref Driver.Busy, Name, "Step");
        CheckLength(parameters.Length, nameof(parameters));
        ArgumentNullException.ThrowIfNull(lossAndGradient);
        var scratch = _gradientScratch ??= GC.AllocateArray<float>(ParameterCount, pinned: true);
        _evaluateLoss = lossAndGradient;
        try { RunStep(parameters, scratch, null); }
        finally { _evaluateLoss = null; }
    }

    /// <summary>The in-place form of <see cref="Step(Span{float}, LossGradientFunction)"/>: every evaluation is
    /// <c>evaluate(parameters, gradient)</c> with exactly these two buffers (see
    /// <see cref="Step(Span{float}, Span{float}, GradientFunction)"/>), and it returns the loss there.</summary>
    /// <param name="parameters">The parameter buffer, updated in place.</param>
    /// <param name="gradient">The caller's gradient buffer (ParameterCount floats, not overlapping the parameters).</param>
    /// <param name="evaluate">Returns the loss at <paramref name="parameters"/> and fills <paramref name="gradient"/>.</param>
    /// <exception cref="ArgumentException">A buffer has the wrong length or the buffers overlap.</exception>
    public void Step(Span<float> parameters, Span<float> gradient, LossGradientFunction evaluate)
    {
        using var exclusive = Exclusive.Enter(ref Driver.Busy, Name, "Step");
        CheckInPlace(parameters, gradient, evaluate);
        _evaluateLoss = evaluate;
        try { RunStep(parameters, gradient, null); }
        finally { _evaluateLoss = null; }
    }

    /// <summary>What the scheme did so far: accepted and rejected steps, gradient evaluations, the last implicit solve
    /// (iterations, convergence, residual), the last error norm and the current step size.</summary>
    public StepStatistics Statistics => Driver.Statistics;

    /// <summary>What a step does when the fixed-point solve of an implicit gradient stage does not converge (default
    /// <see cref="NonConvergencePolicy.Throw"/>, with nothing changed).</summary>
    public NonConvergencePolicy NonConvergence { get => Driver.NonConvergence; set => Driver.NonConvergence = value; }

    private void RunStep(Span<float> parameters, Span<float> gradient, GradientFunction? evaluate)
    {
        fixed (float* p = parameters)
        fixed (float* g = gradient)
        {
            Bind(p, g, evaluate);
            try { Driver.Step(); }
            finally { Unbind(); }
        }
    }

    private void Bind(float* parameters, float* gradient, GradientFunction? evaluate)
    {
        _parameters = parameters;
        _gradient = gradient;
        _evaluate = evaluate;
    }

    private void Unbind()
    {
        _parameters = null;
        _gradient = null;
        _output = null;
        _evaluate = null;
    }
}
