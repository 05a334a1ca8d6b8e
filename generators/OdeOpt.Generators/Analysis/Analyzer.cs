using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using OdeOpt.Generators.Model;
using OdeOpt.Generators.Parsing;

namespace OdeOpt.Generators.Analysis;

/// <summary>A validated scheme: tableaux as exact matrices, the split right-hand side, the look-ahead point.</summary>
internal sealed class Scheme
{
    public required OptimizerModel Model { get; init; }
    public required int Stages { get; init; }
    public required Rational[,] A { get; init; }
    public required Rational[] B { get; init; }
    public required Rational[,] Ah { get; init; }
    public required Rational[] Bh { get; init; }
    public required List<string> Variables { get; init; }
    public required Dictionary<string, Expr> Explicit { get; init; }
    public required Dictionary<string, Expr> Implicit { get; init; }
    public required Dictionary<string, LocationInfo?> ImplicitLocation { get; init; }
    /// <summary>Look-ahead coefficients c_x of the gradient point theta + sum c_x x (theta excluded).</summary>
    public required Dictionary<string, Expr> PointCoefficients { get; init; }
    /// <summary>The [Reduction]s by name (Analysis/Reductions.cs).</summary>
    public Dictionary<string, ReductionModel> Reductions { get; init; } = new();

    /// <summary>The same scheme for another model (the staged form's, with its generated knobs).</summary>
    public Scheme WithModel(OptimizerModel model) => new()
    {
        Model = model, Stages = Stages, A = A, B = B, Ah = Ah, Bh = Bh, Variables = Variables, Explicit = Explicit, Implicit = Implicit,
        ImplicitLocation = ImplicitLocation, PointCoefficients = PointCoefficients, Reductions = Reductions,
    };
}

/// <summary>Checks a parsed declaration and plans its kernels. Reports problems as diagnostics; never throws.</summary>
internal static class Analyzer
{
    public static AnalysisResult Analyze(OptimizerModel model, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        try
        {
            var scheme = Validate(model, diagnostics);
            if (scheme is null || HasErrors(diagnostics)) return new AnalysisResult(null, diagnostics.ToEquatableArray());
            var properties = AnalyzeTableaux(scheme, diagnostics);
            if (HasErrors(diagnostics)) return new AnalysisResult(null, diagnostics.ToEquatableArray());
            if (StagedChecks.IsStaged(scheme))
            {
                StagedChecks.Check(scheme, diagnostics);
                if (HasErrors(diagnostics)) return new AnalysisResult(null, diagnostics.ToEquatableArray());
                var knobs = Knobs.For(model.StepControl, scheme.Implicit.Values.Any(b => X.Any(b, r => r.Kind == Binding.Gradient)));
                var staged = scheme.WithModel(model with { Hyperparameters = model.Hyperparameters.Concat(knobs).ToEquatableArray() });
                var stagedPlan = StorageChecks.Apply(KernelSpecializer.Apply(new StagedPlanner(staged, properties).Plan()), diagnostics);
                CheckPassNames(stagedPlan, diagnostics);
                return new AnalysisResult(HasErrors(diagnostics) ? null : stagedPlan, diagnostics.ToEquatableArray());
            }
            var plan = new StagePlanner(scheme, properties, diagnostics, cancellationToken).Plan();
            if (plan is not null) plan = StorageChecks.Apply(KernelSpecializer.Apply(plan), diagnostics);
            if (plan is not null) CheckPassNames(plan, diagnostics);
            return new AnalysisResult(HasErrors(diagnostics) ? null : plan, diagnostics.ToEquatableArray());
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, model.Location, model.ClassName, ex.GetType().Name + ": " + ex.Message));
            return new AnalysisResult(null, diagnostics.ToEquatableArray());
        }
    }

    /// <summary>A property, field or nested type named like one of the plan's pass methods (ODEOPT028).</summary>
    private static void CheckPassNames(OptimizerPlan plan, List<DiagnosticInfo> diagnostics)
    {
        foreach (var member in plan.Model.KernelNameCandidates)
        {
            var kernel = plan.Kernels.FirstOrDefault(k => ReservedNames.IsKernelMember(member.Name, k.Name, member.IsHyperparameter));
            if (kernel is not null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ReservedMemberName, member.Location, member.Kind, member.Name,
                    "a method the generator adds for the pass " + kernel.Name));
        }
    }

    private static bool HasErrors(List<DiagnosticInfo> diagnostics) =>
        diagnostics.Any(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == DiagnosticSeverity.Error);

    private static Scheme? Validate(OptimizerModel model, List<DiagnosticInfo> diagnostics)
    {
        var ex = model.Explicit;
        if (ex is null) return null;
        int s = ex.Stages;
        for (int i = 0; i < s; i++)
            for (int j = i; j < s; j++)
                if (!ex[i, j].IsZero)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ExplicitNotStrictlyLower, ex.Location, i + 1, j + 1, ex[i, j]));

        var im = model.Implicit;
        if (im is not null)
        {
            if (im.Stages != s)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StageMismatch, im.Location, s, im.Stages));
                return null;
            }
            for (int i = 0; i < s; i++)
                for (int j = i + 1; j < s; j++)
                    if (!im[i, j].IsZero)
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ImplicitNotLower, im.Location, i + 1, j + 1, im[i, j]));
        }

        var a = new Rational[s, s];
        var ah = new Rational[s, s];
        var b = new Rational[s];
        var bh = new Rational[s];
        for (int i = 0; i < s; i++)
        {
            b[i] = ex.B[i];
            bh[i] = im is null ? Rational.Zero : im.B[i];
            for (int j = 0; j < s; j++)
            {
                a[i, j] = ex[i, j];
                ah[i, j] = im is null ? Rational.Zero : im[i, j];
            }
        }

        var variables = new List<string> { Parser.Theta };
        foreach (var rhs in model.RightHandSides)
            if (!variables.Contains(rhs.Variable)) variables.Add(rhs.Variable);

        var explicitParts = new Dictionary<string, Expr>();
        var implicitParts = new Dictionary<string, Expr>();
        var implicitLocations = new Dictionary<string, LocationInfo?>();
        foreach (var rhs in model.RightHandSides)
        {
            if (rhs.Part == RhsPart.Explicit) explicitParts[rhs.Variable] = rhs.Body;
            else
            {
                // An implicit part that reads g makes the scheme staged (StagedChecks, StagedPlanner).
                implicitParts[rhs.Variable] = rhs.Body;
                implicitLocations[rhs.Variable] = rhs.Location;
            }
        }

        var coefficients = new Dictionary<string, Expr>();
        if (model.GradientAt is { } at)
        {
            if (!TryLookAhead(at, variables, coefficients, out string reason))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidGradientAt, at.Location, at.Text, reason));
            foreach (var initial in model.Initials)
            {
                if (coefficients.ContainsKey(initial.Variable))
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedFirstPoint, initial.Location,
                        "'" + initial.Variable + "' enters the [GradientAt] point and has an [Initial] value, so the first gradient would not be at the parameters the caller passes; start '" + initial.Variable + "' at 0 (drop the [Initial]) or take the gradient at theta"));
            }
        }

        return new Scheme
        {
            Model = model,
            Stages = s,
            A = a,
            B = b,
            Ah = ah,
            Bh = bh,
            Variables = variables,
            Explicit = explicitParts,
            Implicit = implicitParts,
            ImplicitLocation = implicitLocations,
            PointCoefficients = coefficients,
            Reductions = Reductions.Check(model, diagnostics),
        };
    }

    /// <summary>Order conditions and linear stability of the pair; checks a declared Order and the weights.</summary>
    private static SchemeProperties AnalyzeTableaux(Scheme scheme, List<DiagnosticInfo> diagnostics)
    {
        var model = scheme.Model;
        var ex = model.Explicit!;
        bool hasImplicit = scheme.Implicit.Count > 0;
        bool exact = ex.Exact && (!hasImplicit || model.Implicit is null || model.Implicit.Exact);

        CheckAbscissae(ex, "explicit", diagnostics);
        if (hasImplicit && model.Implicit is not null) CheckAbscissae(model.Implicit, "implicit", diagnostics);
        CheckWeights(scheme.B, ex, "explicit", diagnostics);
        if (hasImplicit && model.Implicit is not null) CheckWeights(scheme.Bh, model.Implicit, "implicit", diagnostics);

        // Without explicit parts the explicit tableau contributes nothing (E = 0): the scheme is the implicit Runge–Kutta
        // method alone, and its own rooted-tree conditions decide the order (implicit midpoint: 2 in one stage).
        bool implicitOnly = hasImplicit && scheme.Explicit.Count == 0;
        var conditions = implicitOnly ? OrderConditions.Single(scheme.Ah, scheme.Bh, exact)
            : hasImplicit ? OrderConditions.Pair(scheme.A, scheme.B, scheme.Ah, scheme.Bh, exact)
            : OrderConditions.Single(scheme.A, scheme.B, exact);
        int maxChecked = hasImplicit && !implicitOnly ? OrderConditions.MaxPairOrder : OrderConditions.MaxExplicitOrder;
        int order = OrderConditions.AchievedOrder(conditions, maxChecked);
        if (model.DeclaredOrder is int declared)
        {
            var location = model.OrderLocation ?? model.Location;
            if (declared > maxChecked)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OrderNotCheckable, location, declared, maxChecked,
                    implicitOnly ? "an implicit tableau without explicit parts (rooted-tree conditions up to order 5)"
                    : hasImplicit ? "an IMEX pair (coupling conditions up to order 3)" : "an explicit tableau (rooted-tree conditions up to order 5)", order));
            else if (declared > order)
            {
                var failing = conditions.First(c => c.Order <= declared && !c.Holds);
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OrderNotReached, location, model.Name, declared, order, failing.Detail));
            }
            else if (declared < 1)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OrderNotCheckable, location, declared, maxChecked, "any scheme (an order is at least 1)", order));
        }

        double bound = Stability.ExplicitBound(scheme.A, scheme.B);
        bool aStable = false, lStable = false;
        if (hasImplicit) (aStable, lStable, _) = Stability.Implicit(scheme.Ah, scheme.Bh);
        // The gradient only in implicit parts (stages solved by iteration): on a convex quadratic the step is the implicit
        // tableau's, so an A-stable one bounds no step size.
        bool gradientImplicitOnly = scheme.Implicit.Values.Any(b => X.Any(b, r => r.Kind == Binding.Gradient))
                                    && !scheme.Explicit.Values.Any(b => X.Any(b, r => r.Kind == Binding.Gradient));
        if (gradientImplicitOnly && aStable) bound = double.PositiveInfinity;
        int embedded = AnalyzeEmbedded(scheme, hasImplicit, diagnostics);
        return new SchemeProperties(order, maxChecked, bound, hasImplicit, aStable, lStable, embedded);
    }

    /// <summary>The order of the embedded weights b-hat (0 without them), checked against a declared EmbeddedOrder
    /// (ODEOPT045); embedded weights that cannot give an error estimate are ODEOPT044.</summary>
    private static int AnalyzeEmbedded(Scheme scheme, bool hasImplicit, List<DiagnosticInfo> diagnostics)
    {
        var model = scheme.Model;
        var ex = model.Explicit!;
        var declaredAt = model.EmbeddedOrderLocation ?? model.Location;
        if (!ex.HasEmbedded)
        {
            if (model.DeclaredEmbeddedOrder is not null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidEmbedded, declaredAt, model.Name,
                    "declares EmbeddedOrder but its explicit tableau has no embedded weights: give them as [ExplicitTableau(..., BHat = \"...\")]"));
            return 0;
        }
        var at = ex.BHatLocation ?? ex.Location;
        if (hasImplicit)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidEmbedded, at, model.Name,
                "gives embedded weights to a scheme with implicit parts; an embedded IMEX pair needs embedded weights for both tableaux, which OdeOpt does not take yet: embedded weights are for explicit schemes"));
            return 0;
        }
        var bHat = ex.BHat.Items.ToArray();
        if (bHat.SequenceEqual(scheme.B))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidEmbedded, at, model.Name,
                "has embedded weights equal to B: the two solutions coincide, so their difference estimates no error"));
            return 0;
        }
        var conditions = OrderConditions.Single(scheme.A, bHat, ex.Exact);
        int order = OrderConditions.AchievedOrder(conditions, OrderConditions.MaxExplicitOrder);
        if (order < 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidEmbedded, at, model.Name,
                "has embedded weights that are not consistent (" + conditions.First(c => !c.Holds).Detail + "): they estimate nothing"));
            return 0;
        }
        if (model.DeclaredEmbeddedOrder is int declared)
        {
            if (declared < 1 || declared > OrderConditions.MaxExplicitOrder)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OrderNotCheckable, declaredAt, declared, OrderConditions.MaxExplicitOrder,
                    "embedded weights (rooted-tree conditions up to order 5)", order));
            else if (declared > order)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EmbeddedOrderNotReached, declaredAt, model.Name, declared, order,
                    conditions.First(c => c.Order <= declared && !c.Holds).Detail));
        }
        return order;
    }

    private static void CheckAbscissae(TableauModel tableau, string kind, List<DiagnosticInfo> diagnostics)
    {
        if (tableau.C.Count == 0) return;
        for (int i = 0; i < tableau.Stages; i++)
        {
            var sum = Rational.Zero;
            for (int j = 0; j < tableau.Stages; j++) sum += tableau[i, j];
            bool equal = tableau.Exact ? sum == tableau.C[i] : Math.Abs(sum.ToDouble() - tableau.C[i].ToDouble()) <= 1e-12;
            if (!equal)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AbscissaeNotRowSums, tableau.CLocation ?? tableau.Location, kind, i + 1, tableau.C[i], sum));
                return;
            }
        }
    }

    private static void CheckWeights(Rational[] b, TableauModel tableau, string kind, List<DiagnosticInfo> diagnostics)
    {
        var sum = Rational.Zero;
        foreach (var w in b) sum += w;
        bool one = tableau.Exact ? sum == Rational.One : Math.Abs(sum.ToDouble() - 1) <= 1e-12;
        if (!one) diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WeightsNotConsistent, tableau.BLocation ?? tableau.Location, kind, tableau.Exact ? sum.ToString() : sum.ToDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>Writes the point as theta + sum c_x x with hyperparameter-only c_x.</summary>
    private static bool TryLookAhead(GradientAtModel at, List<string> variables, Dictionary<string, Expr> coefficients, out string reason)
    {
        reason = "";
        if (X.Any(at.Point, r => r.Kind == Binding.Gradient))
        {
            reason = "reads the gradient g; the look-ahead point must be built from the state (theta + sigma * m)";
            return false;
        }
        var rest = at.Point;
        foreach (var v in variables)
        {
            if (!Affine.TryDecompose(rest, r => r.Kind == Binding.State && r.Name == v, out var alpha, out var beta, out var why))
            {
                reason = "is not affine in '" + v + "': " + why;
                return false;
            }
            if (!X.IsUniform(alpha))
            {
                reason = "is not affine in the state: the coefficient of '" + v + "' (" + alpha + ") depends on the state";
                return false;
            }
            if (v == Parser.Theta)
            {
                if (!X.IsConst(alpha, 1))
                {
                    reason = "must contain theta with coefficient 1 (found " + alpha + "), as in \"theta + sigma * m\"";
                    return false;
                }
            }
            else if (!X.IsConst(alpha, 0))
            {
                coefficients[v] = alpha;
            }
            rest = beta;
        }
        if (!X.IsConst(rest, 0))
        {
            reason = "has a term that is no multiple of a state variable (" + rest + "); the point must be theta plus multiples of state variables";
            return false;
        }
        return true;
    }
}
