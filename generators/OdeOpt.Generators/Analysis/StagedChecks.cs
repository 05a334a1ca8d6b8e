// What the staged form (Analysis/StagedPlanner.cs) cannot take, found before it plans: ODEOPT007 for an implicit part
// that reads the gradient together with a construct the fixed-point solve does not support, ODEOPT046 for a step-size
// controller on a scheme where h is not only the time step or that has no error estimate.
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Analysis;

internal static class StagedChecks
{
    /// <summary>Whether the scheme needs the staged form: a step-size controller, or an implicit part that reads g.</summary>
    public static bool IsStaged(Scheme s) => s.Model.StepControl != StepControls.None || ImplicitGradientParts(s).Any();

    private static IEnumerable<RhsModel> ImplicitGradientParts(Scheme s) =>
        s.Model.RightHandSides.Where(r => r.Part == RhsPart.Implicit && X.Any(r.Body, e => e.Kind == Binding.Gradient));

    /// <summary>Adds the findings; the staged form is planned only without them.</summary>
    public static void Check(Scheme s, List<DiagnosticInfo> diagnostics)
    {
        var m = s.Model;
        string? unsupported = m.GradientAt is not null ? "the optimizer takes its gradient at a [GradientAt] point (a solve iterates on the state itself)"
            : m.StepScalars.Count > 0 ? "it has a [StepScalar] (a retried or iterated stage would advance the recurrence more than once)"
            : m.Initials.Count > 0 ? "it has an [Initial] value (the staged form starts every state variable at 0)"
            : m.Reductions.Count > 0 ? "it reads a [Reduction] (not yet planned per stage of a solve)"
            : null;
        foreach (var rhs in ImplicitGradientParts(s))
        {
            string? reason = unsupported
                ?? (m.StepControl != StepControls.None ? "it also declares StepControl: adaptive steps with implicit gradient stages need an embedded IMEX pair, which OdeOpt does not take yet" : null);
            if (reason is not null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ImplicitUsesGradient, rhs.GradientLocation ?? rhs.Location, rhs.Variable,
                    reason + "; the staged form solves implicit gradient stages only without it. Move the gradient term to an [Explicit] part or drop the construct"));
        }
        if (m.StepControl == StepControls.None) return;

        var at = m.StepControlLocation ?? m.Location;
        string control = StepControls.Name(m.StepControl);
        void Report(LocationInfo? where, string why) => diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidStepControl, where ?? at, m.Name, control, why));
        if (m.StepControl is < StepControls.None or > StepControls.Armijo)
        {
            Report(at, "that is no OdeOpt.StepControl value (" + m.StepControl + ")");
            return;
        }
        if (!m.Hyperparameters.Any(h => h.IsStepSize))
            Report(at, "it has no [StepSize] hyperparameter for the controller to adapt");
        if (unsupported is not null && !ImplicitGradientParts(s).Any()) Report(at, unsupported);
        // h must be the time step only: a body that reads h changes its ODE with h (the Adam family's (1 - beta) / h).
        foreach (var rhs in m.RightHandSides)
            if (X.Any(rhs.Body, r => r.Kind == Binding.StepSize))
                Report(rhs.Location, "the " + (rhs.Part == RhsPart.Explicit ? "explicit" : "implicit") + " part of '" + rhs.Variable + "' (" + rhs.MethodName +
                    ") reads the step size h (an [Update] does: it is (F - x) / h), so its ODE changes with h and a controller would change the problem, not only its time step; write the right-hand side without h");
        bool implicitGradient = ImplicitGradientParts(s).Any(); // ODEOPT007 above says why that cannot be controlled
        if (m.StepControl is StepControls.Elementary or StepControls.ProportionalIntegral && m.Explicit is { HasEmbedded: false } && !implicitGradient)
            Report(at, "its explicit tableau has no embedded weights for an error estimate: give them as [ExplicitTableau(..., BHat = \"...\")]");
        if (m.StepControl == StepControls.Armijo)
        {
            if (s.Stages != 1 || s.Implicit.Count > 0)
                Report(at, "Armijo line search is backtracking on forward Euler: it needs a one-stage explicit scheme (this one has " + s.Stages + " stage(s)" + (s.Implicit.Count > 0 ? " and implicit parts" : "") + ")");
            else if (!s.Explicit.TryGetValue(Parsing.Parser.Theta, out var theta) || !X.Any(theta, r => r.Kind == Binding.Gradient))
                Report(at, "the explicit part of theta does not read the gradient, so the step has no descent direction to search along");
        }
        var knobs = Knobs.For(m.StepControl, ImplicitGradientParts(s).Any());
        foreach (var h in m.Hyperparameters)
            if (knobs.Any(k => k.PropertyName == h.PropertyName || k.ParameterName == h.ParameterName))
                Report(h.Location, "its hyperparameter '" + h.PropertyName + "' has the name of a knob the controller adds; rename it");
    }
}
