// Reductions in the scheme's terms ([Reduction], docs/dsl.md "Reductions"): a reduction read by a body at stage l is
// the reduction of its own body evaluated at the stage values Y_l, computed per parameter group. For the needs of a step
// and the order of the stage solves, a body that reads a reduction reads what the reduction reads (ReadsState,
// ReadsGradient below); KernelSim evaluates the reduction's body at the stage and hands its per-element value to a
// read-only reduction pass that runs before the pass (ReductionPlan). What cannot be planned is ODEOPT052.
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Analysis;

internal static class Reductions
{
    /// <summary>The model-level checks: a reduction that no body reads (ODEOPT053, a warning), an implicit part that reads a
    /// reduction over g (ODEOPT052: implicit parts never see a gradient). Returns the reductions by name.</summary>
    public static Dictionary<string, ReductionModel> Check(OptimizerModel model, List<DiagnosticInfo> diagnostics)
    {
        var byName = new Dictionary<string, ReductionModel>();
        if (model.Reductions.Count == 0) return byName;
        foreach (var r in model.Reductions) byName[r.Name] = r;
        foreach (var r in model.Reductions)
        {
            var readers = model.RightHandSides.Where(rhs => X.Reads(rhs.Body, Binding.Reduction, r.Name)).ToList();
            if (readers.Count == 0)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnusedReduction, r.Location, r.Name));
            bool gradient = X.Any(r.Body, e => e.Kind == Binding.Gradient);
            foreach (var rhs in readers.Where(rhs => rhs.Part == RhsPart.Implicit && gradient))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedReductionUse, rhs.Location, r.Name,
                    "the implicit part of '" + rhs.Variable + "' (" + rhs.MethodName + ") reads it, and it reads the gradient g; implicit parts never see a gradient (ODEOPT007), so read it from an explicit part or reduce over state variables only"));
        }
        return byName;
    }

    /// <summary>The reductions <paramref name="body"/> reads.</summary>
    public static IEnumerable<ReductionModel> ReadBy(Scheme scheme, Expr body) =>
        scheme.Reductions.Count == 0 ? Enumerable.Empty<ReductionModel>()
            : X.Refs(body).Where(r => r.Kind == Binding.Reduction && scheme.Reductions.ContainsKey(r.Name)).Select(r => scheme.Reductions[r.Name]);

    /// <summary>Whether <paramref name="body"/> reads the stage value of <paramref name="name"/>, itself or through a reduction.</summary>
    public static bool ReadsState(Scheme scheme, Expr body, string name) =>
        X.Reads(body, Binding.State, name) || ReadBy(scheme, body).Any(r => X.Reads(r.Body, Binding.State, name));

    /// <summary>Whether <paramref name="body"/> reads the gradient, itself or through a reduction.</summary>
    public static bool ReadsGradient(Scheme scheme, Expr body) =>
        X.Any(body, r => r.Kind == Binding.Gradient) || ReadBy(scheme, body).Any(r => X.Any(r.Body, e => e.Kind == Binding.Gradient));

    public static PlannerError Unsupported(Scheme scheme, string reduction, string why) =>
        new(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedReductionUse,
            scheme.Reductions.TryGetValue(reduction, out var r) ? r.Location : scheme.Model.Location, reduction, why));
}
