// The generated hyperparameters of the staged form: the step-size controllers' and the implicit solver's knobs, declared
// like a user's [Hyperparameter]s (validated ranges, settable by name, in checkpoints). The names are the runtime's
// (OdeOpt.Runtime.StagedKnobs, src/OdeOpt/Runtime/StagedKnobs.cs, compiled into this assembly too), which reads them by
// name; docs/dsl.md lists them with their meaning.
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;
using static OdeOpt.Runtime.StagedKnobs;

namespace OdeOpt.Generators.Analysis;

internal static class Knobs
{
    public static string Parameter(string property) => char.ToLowerInvariant(property[0]) + property.Substring(1);

    private static HyperparameterModel K(string name, double value, double? min, double? max, bool minExclusive, bool maxExclusive, string doc) =>
        new(name, Parameter(name), value, min, max, minExclusive, maxExclusive, false, null, false, doc);

    public static readonly IReadOnlyList<HyperparameterModel> All = new[]
    {
        K(AbsoluteTolerance, 1e-6, 0, null, false, false, "The absolute tolerance atol of the error norm: sc_i = atol + rtol max(|y_n,i|, |y_{n+1},i|)."),
        K(RelativeTolerance, 1e-3, 0, null, false, false, "The relative tolerance rtol of the error norm: sc_i = atol + rtol max(|y_n,i|, |y_{n+1},i|)."),
        K(Safety, 0.9, 0, 1, true, false, "The safety factor of the step-size controller, in (0, 1]."),
        K(MinFactor, 0.2, 0, 1, true, true, "The smallest factor h may change by in one step (facmin), in (0, 1)."),
        K(MaxFactor, 5, 1, 1e6, true, false, "The largest factor h may grow by in one step (facmax), above 1."),
        K(PiBeta, 0.04, 0, 0.3, false, false, "The integral gain beta of the PI controller (alpha = 1/(q+1) - 0.75 beta); 0 gives the elementary controller."),
        K(MaxRejections, 50, 1, 1e6, false, false, "How many rejected attempts one step may take before it throws (with nothing changed)."),
        K(ArmijoC, 1e-4, 0, 1, true, true, "The sufficient-decrease constant c of the Armijo condition f(theta + h d) <= f(theta) + c h g.d."),
        K(ShrinkFactor, 0.5, 0, 1, true, true, "The factor rho a rejected Armijo trial multiplies h by."),
        K(GrowthFactor, 2, 1, 1e3, false, false, "The factor h grows by after an accepted Armijo step (the next step's first trial)."),
        K(MaxBacktracks, 50, 1, 1e6, false, false, "How many Armijo trials one step may reject before it throws (with nothing changed)."),
        K(SolverTolerance, 1e-6, 0, 1, true, false, "The fixed-point solve stops when ||G(Y) - Y||_2 <= SolverTolerance (sqrt(n) + ||G(Y)||_2)."),
        K(SolverMaxIterations, 100, 1, 1e6, false, false, "The iteration cap of the fixed-point solve (one gradient evaluation per iteration)."),
        K(SolverMemory, 20, 0, 500, false, false, "The Anderson memory m: difference pairs kept (0: plain fixed-point iteration; each costs two vectors of the iterated state)."),
    };

    /// <summary>The knobs a staged scheme with <paramref name="control"/> (and implicit gradient stages when
    /// <paramref name="solves"/>) gets, in this order.</summary>
    public static List<HyperparameterModel> For(int control, bool solves)
    {
        var names = new List<string>();
        if (control is StepControls.Elementary or StepControls.ProportionalIntegral)
        {
            names.AddRange(new[] { AbsoluteTolerance, RelativeTolerance, Safety, MinFactor, MaxFactor });
            if (control == StepControls.ProportionalIntegral) names.Add(PiBeta);
            names.Add(MaxRejections);
        }
        if (control == StepControls.Armijo) names.AddRange(new[] { ArmijoC, ShrinkFactor, GrowthFactor, MaxBacktracks });
        if (solves) names.AddRange(new[] { SolverTolerance, SolverMaxIterations, SolverMemory });
        return names.Select(n => All.First(k => k.PropertyName == n)).ToList();
    }
}
