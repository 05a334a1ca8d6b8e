using System;

namespace OdeOpt;

/// <summary>Computes the loss at <paramref name="parameters"/>, returns it, and writes its gradient into
/// <paramref name="gradient"/>: the closure form of <c>Step</c> for controllers that need the loss value (Armijo line
/// search, <see cref="StepControl.Armijo"/>).</summary>
/// <param name="parameters">The point where loss and gradient are wanted (ParameterCount floats).</param>
/// <param name="gradient">Receives the gradient (ParameterCount floats).</param>
/// <returns>The loss at <paramref name="parameters"/>.</returns>
public delegate float LossGradientFunction(ReadOnlySpan<float> parameters, Span<float> gradient);

/// <summary>How a scheme chooses its step size h (the <see cref="StepSizeAttribute"/> hyperparameter), step by step, as an
/// ODE solver chooses its time step. Declared with <see cref="OptimizerAttribute.StepControl"/>; see docs/dsl.md,
/// "Adaptive time stepping".</summary>
public enum StepControl
{
    /// <summary>h is the hyperparameter as set (and scheduled): a fixed-step scheme.</summary>
    None = 0,

    /// <summary>The elementary controller on the embedded error estimate (Hairer, Nørsett &amp; Wanner I, II.4):
    /// h_new = h min(facmax, max(facmin, safety (1/err)^(1/(q+1)))), with q the smaller of the two orders; a step with
    /// err &gt; 1 is rejected, undone bit-exactly and retried with the smaller h.</summary>
    Elementary = 1,

    /// <summary>The proportional-integral controller (Gustafsson; Hairer &amp; Wanner II, IV.2):
    /// h_new = h err^(-alpha) err_prev^(beta) with alpha = 1/(q+1) - 0.75 beta, limited like the elementary one.</summary>
    ProportionalIntegral = 2,

    /// <summary>Backtracking (Armijo) line search on forward Euler of the gradient flow: accept h when
    /// f(theta + h d) &lt;= f(theta) + c h g.d, else shrink h by a factor rho; the next step starts from the accepted h
    /// times a growth factor. Needs the loss (the <see cref="LossGradientFunction"/> form of <c>Step</c>).</summary>
    Armijo = 3,
}

/// <summary>What a step does when the nonlinear solve of an implicit stage that reads the gradient does not reach its
/// tolerance within its iteration cap.</summary>
public enum NonConvergencePolicy
{
    /// <summary>Throw <see cref="NonConvergenceException"/>; parameters, state and step count are as before the step.</summary>
    Throw = 0,

    /// <summary>Accept the last iterate and go on (the step reports <see cref="StepStatistics.LastSolverConverged"/> false).</summary>
    Accept = 1,

    /// <summary>Leave parameters, state and step count unchanged and return; the step counts as rejected.</summary>
    Reject = 2,
}

/// <summary>The nonlinear solve of an implicit stage did not converge under <see cref="NonConvergencePolicy.Throw"/>;
/// nothing was changed.</summary>
public sealed class NonConvergenceException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What did not converge, with the residual reached.</param>
    public NonConvergenceException(string message) : base(message) { }
}

/// <summary>The counters of a scheme whose work per step varies (implicit stages that read the gradient, step-size
/// control); for a fixed scheme AcceptedSteps is the step count and nothing is rejected.</summary>
public sealed class StepStatistics
{
    /// <summary>Steps taken (committed).</summary>
    public long AcceptedSteps { get; internal set; }

    /// <summary>Attempts undone: error estimate above 1, an Armijo condition not met, or a solve rejected under
    /// <see cref="NonConvergencePolicy.Reject"/>.</summary>
    public long RejectedSteps { get; internal set; }

    /// <summary>Calls of the gradient function since construction or Reset.</summary>
    public long GradientEvaluations { get; internal set; }

    /// <summary>Fixed-point iterations (one gradient each) of the last implicit solve; 0 when the scheme has none.</summary>
    public int LastSolverIterations { get; internal set; }

    /// <summary>Whether the last implicit solve reached its tolerance.</summary>
    public bool LastSolverConverged { get; internal set; } = true;

    /// <summary>The residual ||G(Y) - Y||_2 at the end of the last implicit solve (NaN before one).</summary>
    public double LastSolverResidual { get; internal set; } = double.NaN;

    /// <summary>Steps accepted with a solve that did not converge (<see cref="NonConvergencePolicy.Accept"/>).</summary>
    public long UnconvergedSteps { get; internal set; }

    /// <summary>The error norm of the last attempt (embedded controllers; NaN otherwise).</summary>
    public double LastError { get; internal set; } = double.NaN;

    /// <summary>The step size the next step starts with (the controller's; the hyperparameter without a controller).</summary>
    public double StepSize { get; internal set; } = double.NaN;

    /// <summary>The loss at the current parameters, when the closure returned one (Armijo; NaN otherwise).</summary>
    public double LastLoss { get; internal set; } = double.NaN;

    /// <summary>The h with which the last accepted step was taken (NaN before one).</summary>
    public double LastStepSize { get; internal set; } = double.NaN;

    /// <summary>The ODE time reached: the sum of the accepted steps' h since construction or Reset, carried by checkpoints
    /// (the base value of the [StepSize] hyperparameter; a schedule or a group override of it is not counted).</summary>
    public double Time { get; internal set; }

    internal void CopyFrom(StepStatistics other)
    {
        AcceptedSteps = other.AcceptedSteps;
        RejectedSteps = other.RejectedSteps;
        GradientEvaluations = other.GradientEvaluations;
        LastSolverIterations = other.LastSolverIterations;
        LastSolverConverged = other.LastSolverConverged;
        LastSolverResidual = other.LastSolverResidual;
        UnconvergedSteps = other.UnconvergedSteps;
        LastError = other.LastError;
        StepSize = other.StepSize;
        LastLoss = other.LastLoss;
        LastStepSize = other.LastStepSize;
        Time = other.Time;
    }

    internal void Reset() => CopyFrom(new StepStatistics());

    /// <summary>Puts back what a step that was undone had changed (its results), keeping what it did: the calls made, the
    /// rejections, the last solve and the last error norm (why it failed).</summary>
    internal void UndoResults(StepStatistics before)
    {
        AcceptedSteps = before.AcceptedSteps;
        UnconvergedSteps = before.UnconvergedSteps;
        StepSize = before.StepSize;
        LastStepSize = before.LastStepSize;
        Time = before.Time;
        LastLoss = before.LastLoss;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{AcceptedSteps} accepted, {RejectedSteps} rejected, {GradientEvaluations} gradient evaluations, h = {StepSize:G4}";
}

/// <summary>How many gradient evaluations a step takes: fixed for explicit schemes, between a minimum and a cap for
/// schemes with implicit gradient stages or step-size control.</summary>
public sealed class GradientCountInfo
{
    /// <summary>The fewest gradient evaluations a step can take (steady state, first-same-as-last reuse counted).</summary>
    public int Minimum { get; init; }

    /// <summary>The most a step can take with the default hyperparameters (iteration caps and rejection limits), or null
    /// when there is no bound.</summary>
    public int? Maximum { get; init; }

    /// <summary>Whether every step takes exactly <see cref="Minimum"/> evaluations.</summary>
    public bool IsFixed => Maximum == Minimum;

    /// <inheritdoc/>
    public override string ToString() => IsFixed ? Minimum.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Minimum}..{(Maximum?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unbounded")}";
}
