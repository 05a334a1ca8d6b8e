// The stage planner: runs the parts of planning in order (the stage algebra, the array layout, one kernel simulation per
// pass with the shared uniform table) and assembles their results into the OptimizerPlan; a PlannerError any of them
// throws becomes the plan's diagnostic.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Analysis;

/// <summary>
/// The stage planner: from a validated scheme, derives which stages need a gradient, whether the last
/// gradient of a step can be reused as the next step's first (first same as last), the smallest set of
/// arrays that must persist between gradient evaluations, and one fused pass per gradient evaluation.
/// </summary>
/// <remarks>
/// <para>The parts: <see cref="StageAlgebra"/> (what each stage's value is, which gradients a step needs, first same as
/// last), <see cref="ArrayLayout"/> (the basis each boundary between passes stores and its slots),
/// <see cref="KernelSim"/> (the symbolic execution of one pass) and <see cref="UniformHoister"/> (the per-step uniforms
/// the passes share). The plan (<see cref="OptimizerPlan"/>) is what they produce together.</para>
/// </remarks>
internal sealed class StagePlanner
{
    private readonly Scheme _s;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly CancellationToken _ct;
    private readonly SchemeProperties _properties;
    private readonly UniformHoister _uniforms = new();

    public StagePlanner(Scheme scheme, SchemeProperties properties, List<DiagnosticInfo> diagnostics, CancellationToken ct)
    {
        _properties = properties;
        _s = scheme;
        _diagnostics = diagnostics;
        _ct = ct;
    }

    public OptimizerPlan? Plan()
    {
        try
        {
            return PlanCore();
        }
        catch (PlannerError e)
        {
            _diagnostics.Add(e.Diagnostic);
            return null;
        }
    }

    private OptimizerPlan? PlanCore()
    {
        var algebra = StageAlgebra.Analyze(_s, _ct);
        var model = _s.Model;
        var g = algebra.GradientStages;
        int k = g.Count;
        bool fsal = algebra.FirstSameAsLast;
        var layout = ArrayLayout.Compute(algebra);
        int arrayCount = layout.ArrayCount;

        KernelSim Sim(string name, int boundary, bool merged) => new(algebra, layout, _uniforms, name, boundary, merged);

        var kernels = new List<KernelPlan>();
        var cycle = new List<int>();
        int start = -1;
        if (!fsal)
        {
            for (int r = 0; r < k; r++)
            {
                cycle.Add(kernels.Count);
                kernels.Add(Sim("Pass" + (r + 1), r, merged: false).Build());
            }
        }
        else
        {
            start = kernels.Count;
            kernels.Add(Sim("Start", 0, merged: false).Build());
            for (int r = 1; r < k - 1; r++)
            {
                cycle.Add(kernels.Count);
                kernels.Add(Sim("Pass" + (r + 1), r, merged: false).Build());
            }
            cycle.Add(kernels.Count);
            kernels.Add(Sim("FinishAndStart", k - 1, merged: true).Build());
        }

        int init = -1;
        if (model.Initials.Count > 0)
        {
            init = kernels.Count;
            kernels.Add(Sim("Initialize", 0, merged: false).BuildInit());
        }

        var iterate = new List<int>();
        int iterateAtStart = -1;
        if (_s.PointCoefficients.Count > 0)
        {
            if (fsal)
            {
                iterateAtStart = kernels.Count;
                kernels.Add(Sim("IterateAtStart", 0, merged: false).BuildIterate());
                for (int r = 1; r < k; r++)
                {
                    iterate.Add(kernels.Count);
                    kernels.Add(Sim("Iterate" + (r + 1), r, merged: false).BuildIterate());
                }
            }
            else
            {
                for (int r = 0; r < k; r++)
                {
                    iterate.Add(kernels.Count);
                    kernels.Add(Sim("Iterate" + (r + 1), r, merged: false).BuildIterate());
                }
            }
        }

        int bytes = cycle.Sum(c => 4 * (kernels[c].Loads.Count + kernels[c].Stores.Count + (kernels[c].Reduce?.Loads.Count ?? 0)));
        var boundaries = layout.Describe();
        var undo = RollbackPlanner.Plan(kernels, cycle, iterate, arrayCount);
        int undoKernel = -1;
        if (undo.Kernel is not null)
        {
            undoKernel = kernels.Count;
            kernels.Add(undo.Kernel);
        }

        return new OptimizerPlan(model, algebra.Stages, g.Select(j => j + 1).ToEquatableArray(), fsal, k - (fsal ? 1 : 0),
            algebra.Variables.ToEquatableArray(), arrayCount, _uniforms.Uniforms.ToEquatableArray(), kernels.ToEquatableArray(), start, cycle.ToEquatableArray(),
            init, iterate.ToEquatableArray(), iterateAtStart, boundaries.ToEquatableArray(), bytes, _properties,
            new RollbackLayout(undoKernel, undo.Targets, undo.ExtraBytes, undo.StepLocal));
    }
}

/// <summary>A problem of the declaration that a part of the planner finds; <see cref="StagePlanner.Plan"/> reports it and
/// plans nothing.</summary>
internal sealed class PlannerError : Exception
{
    public PlannerError(DiagnosticInfo diagnostic) : base(diagnostic.Id) => Diagnostic = diagnostic;
    public DiagnosticInfo Diagnostic { get; }
}
