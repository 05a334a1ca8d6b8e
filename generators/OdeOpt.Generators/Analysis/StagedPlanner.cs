// The staged form of a plan: for schemes whose work per step varies (an implicit part that reads the gradient, solved by
// fixed-point iteration; a step-size controller that may reject and retry a step), one pass per stage and role instead of
// the minimal-array cycle of StagePlanner. Arrays: the live state (theta in the parameter buffer, the other variables in
// arrays 0..), the step copy y_n of every variable, the stage derivatives kE_l, kI_l that later stages or the step need,
// and the map G(Y) of each iterated variable. The runtime (OdeOpt.Runtime.StepDriver.Staged.cs) runs the passes.
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;
using OdeOpt.Generators.Parsing;

namespace OdeOpt.Generators.Analysis;

/// <summary>The staged program of a plan (see the file's opening comment); pass indices into the plan's kernels.</summary>
internal sealed record StagedPlan(
    int Control,
    int BeginPass,
    int RestorePass,
    EquatableArray<int> StagePasses,
    EquatableArray<int> DerivativePasses,
    EquatableArray<bool> ImplicitStages,
    EquatableArray<int> IterateSlots,
    EquatableArray<int> MapSlots,
    int FinalPass,
    int EstimatePass,
    int FsalPass,
    int ErrorOrder,
    int ErrorComponents,
    int MinGradients,
    int MaxGradients);

/// <summary>The values of <c>OdeOpt.StepControl</c>.</summary>
internal static class StepControls
{
    public const int None = 0, Elementary = 1, ProportionalIntegral = 2, Armijo = 3;

    public static string Name(int control) => control switch
    {
        Elementary => "Elementary",
        ProportionalIntegral => "ProportionalIntegral",
        Armijo => "Armijo",
        _ => "None",
    };
}

/// <summary>Plans the staged form. The declaration has been checked for it (<see cref="StagedChecks"/>).</summary>
internal sealed class StagedPlanner
{
    private readonly Scheme _s;
    private readonly SchemeProperties _properties;
    private readonly UniformHoister _uniforms = new();
    private readonly List<KernelPlan> _kernels = new();
    private readonly int _nv;
    private readonly int[] _live, _copy;
    private readonly int[,] _kE, _kI;
    private readonly Dictionary<int, int> _mapSlot = new();
    private int _slots;

    public StagedPlanner(Scheme scheme, SchemeProperties properties)
    {
        _s = scheme;
        _properties = properties;
        _nv = scheme.Variables.Count;
        _live = new int[_nv];
        _copy = new int[_nv];
        _kE = new int[scheme.Stages, _nv];
        _kI = new int[scheme.Stages, _nv];
    }

    private int Control => _s.Model.StepControl;
    private int S => _s.Stages;
    private string Var(int x) => _s.Variables[x];
    private bool HasE(int x) => _s.Explicit.ContainsKey(Var(x));
    private bool HasI(int x) => _s.Implicit.ContainsKey(Var(x));
    private Rational[] BHat => _s.Model.Explicit!.BHat.Items.ToArray();

    /// <summary>Stage l is solved by fixed-point iteration: its diagonal implicit entry is not zero and some variable has
    /// an implicit part.</summary>
    private bool ImplicitStage(int l) => !_s.Ah[l, l].IsZero && Enumerable.Range(0, _nv).Any(HasI);

    private bool Fsal => Control is StepControls.Elementary or StepControls.ProportionalIntegral
                         && S >= 2 && Enumerable.Range(0, S).All(j => _s.A[S - 1, j] == _s.B[j]) && _s.B[S - 1].IsZero && Enumerable.Range(0, _nv).All(x => !HasI(x));

    public OptimizerPlan Plan()
    {
        // Slots: live variables, the step copy, derivatives, maps.
        _live[0] = Slots.Parameters;
        for (int x = 1; x < _nv; x++) _live[x] = _slots++;
        for (int x = 0; x < _nv; x++) _copy[x] = _slots++;
        var bhat = Control is StepControls.Elementary or StepControls.ProportionalIntegral ? BHat : null;
        for (int l = 0; l < S; l++)
        {
            for (int x = 0; x < _nv; x++)
            {
                bool laterE = Enumerable.Range(l + 1, S - l - 1).Any(k => !_s.A[k, l].IsZero);
                bool laterI = Enumerable.Range(l + 1, S - l - 1).Any(k => !_s.Ah[k, l].IsZero);
                bool needE = HasE(x) && (!_s.B[l].IsZero || laterE || bhat is not null && !bhat[l].IsZero || Fsal && (l == 0 || l == S - 1));
                bool needI = HasI(x) && (!_s.Bh[l].IsZero || laterI);
                _kE[l, x] = needE ? _slots++ : -1;
                _kI[l, x] = needI ? _slots++ : -1;
            }
        }
        var iterated = Enumerable.Range(0, _nv).Where(HasI).ToList();
        foreach (int x in iterated)
            if (Enumerable.Range(0, S).Any(ImplicitStage)) _mapSlot[x] = _slots++;

        int begin = Add(Copy("Begin", "copies y_n into the step copy", _live, _copy));
        int restore = Add(Copy("Restore", "puts y_n back from the step copy (a rejected or failed attempt)", _copy, _live));
        var stagePasses = new List<int>();
        var derivativePasses = new List<int>();
        var implicitStages = new List<bool>();
        for (int l = 0; l < S; l++)
        {
            stagePasses.Add(l == 0 ? -1 : Add(StagePass(l)));
            bool implicitStage = ImplicitStage(l);
            implicitStages.Add(implicitStage);
            derivativePasses.Add(Add(DerivativePass(l, implicitStage)));
        }
        int final = Add(FinalPass());
        int estimate = Control switch
        {
            StepControls.Elementary or StepControls.ProportionalIntegral => Add(ErrorPass(bhat!)),
            StepControls.Armijo => Add(DirectionalPass()),
            _ => -1,
        };
        int fsal = Fsal ? Add(Copy("FirstSameAsLast", "the last stage's derivative is f(y_{n+1}): the next step's first", Enumerable.Range(0, _nv).Select(x => _kE[S - 1, x]).ToArray(),
            Enumerable.Range(0, _nv).Select(x => _kE[0, x]).ToArray())) : -1;

        int q = bhat is null ? 0 : System.Math.Min(_properties.Order, _properties.EmbeddedOrder);
        int components = Enumerable.Range(0, _nv).Count(HasE);
        var (min, max) = GradientCounts(implicitStages);
        var staged = new StagedPlan(Control, begin, restore, stagePasses.ToEquatableArray(), derivativePasses.ToEquatableArray(), implicitStages.ToEquatableArray(),
            iterated.Select(x => _live[x]).ToEquatableArray(), iterated.Select(x => _mapSlot.TryGetValue(x, out int m) ? m : -1).ToEquatableArray(),
            final, estimate, fsal, q, components, min, max);

        // The bytes of a steady step without rejections or extra iterations: every pass that runs once.
        var once = new List<int> { begin, final };
        once.AddRange(derivativePasses.Skip(fsal >= 0 ? 1 : 0));
        once.AddRange(stagePasses.Where(p => p >= 0));
        if (fsal >= 0) once.Add(fsal);
        int bytes = once.Sum(k => 4 * (_kernels[k].Loads.Count + _kernels[k].Stores.Count)) + (estimate >= 0 ? 4 * _kernels[estimate].Reduce!.Loads.Count : 0);

        var gradientStages = Enumerable.Range(1, S).ToEquatableArray();
        return new OptimizerPlan(_s.Model, S, gradientStages, fsal >= 0, min, _s.Variables.ToEquatableArray(), _slots, _uniforms.Uniforms.ToEquatableArray(),
            _kernels.ToEquatableArray(), -1, new[] { final }.ToEquatableArray(), -1, EquatableArray<int>.Empty, -1,
            EquatableArray<BoundaryPlan>.Empty, bytes, _properties, new RollbackLayout(-1, EquatableArray<int>.Empty, 0, StepLocalArrays()), staged);
    }

    /// <summary>Every array but the live state variables is dead between steps (the step copy, stage derivatives, maps:
    /// a first-same-as-last derivative or Armijo's direction is recomputed after a load), so a checkpoint writes them as
    /// zeros and a failed or rejected step leaves the same checkpoint as none.</summary>
    private int StepLocalArrays()
    {
        int mask = 0;
        for (int slot = _nv - 1; slot < _slots && slot < 31; slot++) mask |= 1 << slot;
        return mask;
    }

    /// <summary>The fewest and most gradient evaluations of a step with the default knobs (-1: unbounded).</summary>
    private (int Min, int Max) GradientCounts(List<bool> implicitStages)
    {
        int explicitStages = implicitStages.Count(i => !i);
        int implicitCount = implicitStages.Count(i => i);
        int Knob(string name) => (int)Knobs.All.First(k => k.PropertyName == name).DefaultValue;
        switch (Control)
        {
            case StepControls.Armijo:
                // The first step evaluates at theta_0, then up to MaxBacktracks + 1 trials; later steps reuse the accepted trial's.
                return (1, 2 + Knob(OdeOpt.Runtime.StagedKnobs.MaxBacktracks));
            case StepControls.Elementary:
            case StepControls.ProportionalIntegral:
            {
                // A retry reuses the first stage's derivative (it does not depend on h); so does a first-same-as-last step.
                return (S - (Fsal ? 1 : 0), S + Knob(OdeOpt.Runtime.StagedKnobs.MaxRejections) * (S - 1));
            }
            default:
                return (explicitStages + implicitCount, explicitStages + implicitCount * Knob(OdeOpt.Runtime.StagedKnobs.SolverMaxIterations));
        }
    }

    private int Add(KernelPlan k)
    {
        _kernels.Add(k);
        return _kernels.Count - 1;
    }

    // ------------------------------------------------------------------ pass builders

    /// <summary>Builds one pass body: locals for loads, statements, stores; uniforms hoisted.</summary>
    private sealed class Body
    {
        private readonly UniformHoister _uniforms;
        private readonly KernelBuilder _k = new();

        public Body(UniformHoister uniforms) => _uniforms = uniforms;

        public List<KernelLoad> Loads => _k.Loads;
        public List<KernelStatement> Statements => _k.Statements;
        public List<KernelStore> Stores => _k.Stores;

        public Expr Load(int slot, string hint) => _k.Load(slot, hint);

        public Expr Bind(string hint, Expr value) =>
            value is RefExpr { Kind: Binding.Local } ? value : _k.Bind(hint, _uniforms.Hoist(value), constants: true);

        public void Store(int slot, string hint, Expr value) => _k.Stores.Add(new KernelStore(slot, ((RefExpr)Bind(hint, value)).Name));

        public KernelPlan Finish(string name, string description) =>
            new(name, description, false, _k.Loads.ToEquatableArray(), _k.Statements.ToEquatableArray(), _k.Stores.ToEquatableArray());
    }

    private static readonly Expr H = X.Ref(Binding.StepSize, Parser.StepSize);

    private KernelPlan Copy(string name, string description, int[] from, int[] to)
    {
        var b = new Body(_uniforms);
        for (int i = 0; i < from.Length; i++)
        {
            if (from[i] == -1 && to[i] == -1) continue;
            var value = b.Load(from[i], "v" + i);
            b.Stores.Add(new KernelStore(to[i], ((RefExpr)value).Name));
        }
        return b.Finish(name, description);
    }

    /// <summary>y_n + h sum_j (w_j kE_j + wh_j kI_j) of variable x over stages j &lt; <paramref name="upTo"/>.</summary>
    private Expr Combination(Body b, int x, int upTo, System.Func<int, Rational> e, System.Func<int, Rational> i)
    {
        Expr sum = b.Load(_copy[x], Var(x) + "_n");
        for (int j = 0; j < upTo; j++)
        {
            if (HasE(x) && !e(j).IsZero)
            {
                if (_kE[j, x] < 0) throw new System.InvalidOperationException("kE" + (j + 1) + " of " + Var(x) + " has no array");
                sum = X.Add(sum, X.Mul(X.Mul(X.C(e(j).ToDouble()), H), b.Load(_kE[j, x], "kE" + (j + 1) + "_" + Var(x))));
            }
            if (HasI(x) && !i(j).IsZero)
            {
                if (_kI[j, x] < 0) throw new System.InvalidOperationException("kI" + (j + 1) + " of " + Var(x) + " has no array");
                sum = X.Add(sum, X.Mul(X.Mul(X.C(i(j).ToDouble()), H), b.Load(_kI[j, x], "kI" + (j + 1) + "_" + Var(x))));
            }
        }
        return sum;
    }

    /// <summary>Writes Y_l (without its diagonal implicit term: the first iterate of an implicit stage) into the live arrays.</summary>
    private KernelPlan StagePass(int l)
    {
        var b = new Body(_uniforms);
        for (int x = 0; x < _nv; x++)
            b.Store(_live[x], Var(x) + "_s" + (l + 1), Combination(b, x, l, j => _s.A[l, j], j => _s.Ah[l, j]));
        return b.Finish("Stage" + (l + 1), "writes the stage value Y_" + (l + 1) + " = y_n + h sum_j<" + (l + 1) + " (a kE_j + ah kI_j)" + (ImplicitStage(l) ? " (the first iterate of its solve)" : ""));
    }

    /// <summary>The body of a right-hand side at the live stage values and the gradient.</summary>
    private Expr At(Body b, Expr body) => X.Substitute(body, r => r.Kind switch
    {
        Binding.State => b.Load(_live[_s.Variables.IndexOf(r.Name)], r.Name),
        Binding.Gradient => b.Load(Slots.Gradient, "g"),
        _ => null,
    });

    /// <summary>After the gradient at Y_l: the stage derivatives; for an implicit stage also the map
    /// G(Y) = y_n + h sum_j&lt;l (a kE_j + ah kI_j) + h ah_ll f_I(Y, g(Y)).</summary>
    private KernelPlan DerivativePass(int l, bool implicitStage)
    {
        var b = new Body(_uniforms);
        for (int x = 0; x < _nv; x++)
        {
            if (HasE(x) && _kE[l, x] >= 0) b.Store(_kE[l, x], "kE_" + Var(x), At(b, _s.Explicit[Var(x)]));
            if (!HasI(x)) continue;
            if (implicitStage)
            {
                var f = b.Bind("kI_" + Var(x), At(b, _s.Implicit[Var(x)]));
                if (_kI[l, x] >= 0) b.Store(_kI[l, x], "kI_" + Var(x), f);
                var known = Combination(b, x, l, j => _s.A[l, j], j => _s.Ah[l, j]);
                b.Store(_mapSlot[x], "G_" + Var(x), X.Add(known, X.Mul(X.Mul(X.C(_s.Ah[l, l].ToDouble()), H), f)));
            }
            else if (_kI[l, x] >= 0) b.Store(_kI[l, x], "kI_" + Var(x), At(b, _s.Implicit[Var(x)]));
        }
        return b.Finish(implicitStage ? "Map" + (l + 1) : "Derivative" + (l + 1),
            implicitStage ? "stage " + (l + 1) + "'s fixed-point map G(Y) = known + h ah_" + (l + 1) + (l + 1) + " f_I(Y, g(Y)) and its derivatives at the iterate"
                          : "stage " + (l + 1) + "'s derivatives at Y_" + (l + 1) + " with its gradient");
    }

    private KernelPlan FinalPass()
    {
        var b = new Body(_uniforms);
        for (int x = 0; x < _nv; x++)
            b.Store(_live[x], Var(x) + "_next", Combination(b, x, S, j => _s.B[j], j => _s.Bh[j]));
        return b.Finish("Final", "writes y_{n+1} = y_n + h sum_j (b kE_j + bh kI_j)");
    }

    /// <summary>A pass with no stores whose reduction pass computes one Sum term (the runtime reads it).</summary>
    private KernelPlan ReductionOnly(string name, string description, Body b, Expr term, string what)
    {
        string local = ((RefExpr)b.Bind("r_" + name, term)).Name;
        var reduce = new ReductionPlan(b.Loads.ToEquatableArray(), b.Statements.ToEquatableArray(),
            new[] { new ReductionTerm("R_" + name, ReductionKind.Sum, local, what) }.ToEquatableArray());
        return new KernelPlan(name, description, false, EquatableArray<KernelLoad>.Empty, EquatableArray<KernelStatement>.Empty, EquatableArray<KernelStore>.Empty, Reduce: reduce);
    }

    /// <summary>sum_i (e_i / sc_i)^2 with e = h sum_j (b_j - bhat_j) kE_j and sc_i = atol + rtol max(|y_n,i|, |y_{n+1},i|).</summary>
    private KernelPlan ErrorPass(Rational[] bhat)
    {
        var b = new Body(_uniforms);
        Expr? total = null;
        var atol = X.Ref(Binding.Hyper, Knobs.Parameter(OdeOpt.Runtime.StagedKnobs.AbsoluteTolerance));
        var rtol = X.Ref(Binding.Hyper, Knobs.Parameter(OdeOpt.Runtime.StagedKnobs.RelativeTolerance));
        for (int x = 0; x < _nv; x++)
        {
            if (!HasE(x)) continue;
            var y0 = b.Load(_copy[x], Var(x) + "_n");
            var y1 = b.Bind(Var(x) + "_next", Combination(b, x, S, j => _s.B[j], j => Rational.Zero));
            Expr error = X.Zero;
            for (int j = 0; j < S; j++)
            {
                var d = _s.B[j] - bhat[j];
                if (d.IsZero) continue;
                error = X.Add(error, X.Mul(X.Mul(X.C(d.ToDouble()), H), b.Load(_kE[j, x], "kE" + (j + 1) + "_" + Var(x))));
            }
            var e = b.Bind("e_" + Var(x), error);
            var sc = b.Bind("sc_" + Var(x), X.Add(atol, X.Mul(rtol, new CallExpr(MathFunction.Max, new[] { new CallExpr(MathFunction.Abs, new[] { y0 }.ToEquatableArray()), (Expr)new CallExpr(MathFunction.Abs, new[] { y1 }.ToEquatableArray()) }.ToEquatableArray()))));
            var ratio = b.Bind("q_" + Var(x), X.Div(e, sc));
            var square = X.Mul(ratio, ratio);
            total = total is null ? square : X.Add(total, square);
        }
        return ReductionOnly("ErrorNorm", "the squared scaled embedded error, summed (read-only)", b, total ?? X.Zero, "sum of ((y1 - yhat1) / sc)^2");
    }

    /// <summary>sum_i g_i d_i with d = kE_1 of theta: the directional derivative of the loss along the step's direction.</summary>
    private KernelPlan DirectionalPass()
    {
        var b = new Body(_uniforms);
        var term = X.Mul(b.Load(Slots.Gradient, "g"), b.Load(_kE[0, 0], "d"));
        return ReductionOnly("Directional", "g . d, the directional derivative along the step (read-only)", b, term, "sum of g_i d_i");
    }
}
