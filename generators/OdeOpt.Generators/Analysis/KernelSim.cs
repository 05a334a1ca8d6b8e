// The kernel simulator: symbolic execution of one pass over the persistent arrays. It loads a boundary's basis, solves
// the stage values and derivatives of the stages the pass covers, re-expresses every needed value in the stored basis with
// exact rational coefficients, writes the next gradient point and boundary, and hands back the pass as straight-line
// per-element code (uniforms hoisted, duplicates merged, dead code dropped) for the plan.
using System;
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;
using OdeOpt.Generators.Parsing;

namespace OdeOpt.Generators.Analysis;

/// <summary>Symbolic execution of one pass: it produces straight-line per-element code.</summary>
/// <remarks>Each pass re-expresses what it needs in the basis its boundary stores (<see cref="ArrayLayout"/>) with exact
/// rational coefficients, so the generated code is a straight line of float arithmetic per element. One simulator
/// builds one pass: <see cref="Build"/>, <see cref="BuildIterate"/> or <see cref="BuildInit"/>.</remarks>
internal sealed class KernelSim
{
    private readonly StageAlgebra _a;
    private readonly ArrayLayout _layout;
    private readonly UniformHoister _uniforms;
    private readonly string _name;
    private readonly int _r;
    private readonly bool _merged;
    private readonly KernelBuilder _k = new();
    private List<KernelStatement> _statements => _k.Statements;
    private List<KernelLoad> _loads => _k.Loads;
    private List<KernelStore> _stores => _k.Stores;
    private readonly List<string> _description = new();
    private readonly List<(Functional Vector, Expr Value)>[] _basis;
    private readonly Dictionary<(int Var, Coord Coord), (Expr Coefficient, Expr Value)> _local = new();
    private readonly Dictionary<(int Var, int Step, int Stage), Expr> _stageValues = new();
    private readonly Dictionary<(string Name, int Step, int Stage), Expr> _reductionValues = new();
    private readonly List<ReductionTerm> _reductionTerms = new();
    private int _step;
    private bool _prevContext;
    private bool _nextContext;
    private Expr? _gradient;

    /// <param name="algebra">The stage values of the scheme.</param>
    /// <param name="layout">The persistent arrays the pass loads and stores.</param>
    /// <param name="uniforms">The plan's per-step uniforms, which the pass adds to.</param>
    /// <param name="name">The pass's method-name suffix.</param>
    /// <param name="boundary">The boundary the pass begins at (its gradient is at stage G[boundary]).</param>
    /// <param name="merged">The pass finishes a step and begins the next with the same gradient (first same as last).</param>
    public KernelSim(StageAlgebra algebra, ArrayLayout layout, UniformHoister uniforms, string name, int boundary, bool merged)
    {
        _a = algebra;
        _layout = layout;
        _uniforms = uniforms;
        _name = name;
        _r = boundary;
        _merged = merged;
        _basis = new List<(Functional, Expr)>[algebra.VariableCount];
        for (int x = 0; x < algebra.VariableCount; x++) _basis[x] = new List<(Functional, Expr)>();
    }

    private bool BeginsStep => _r == 0 || _merged;
    private List<string> Vars => _a.Variables;
    private Scheme S => _a.Scheme;

    // ----- plumbing

    private Expr Bind(string hint, Expr value) => _k.Bind(hint, value);

    private string StoreLocal(string hint, Expr value) => _k.StoreLocal(hint, value);

    private Expr LoadSlot(int slot, string hint) => _k.Load(slot, hint);

    private Expr Parameters => LoadSlot(Slots.Parameters, "p");
    private Expr Gradient => _gradient ??= LoadSlot(Slots.Gradient, "g");

    private string Suffix(int stage) => "_s" + (stage + 1) + (_step > 0 ? "_next" : "");

    /// <summary>Tags hyperparameter, h and t references with the step they belong to.</summary>
    private Expr Context(Expr e) => !_prevContext && !_nextContext ? e :
        X.Substitute(e, r => r.Kind is Binding.Hyper or Binding.StepSize or Binding.StepIndex or Binding.StepScalar ? new RefExpr(r.Kind, (_prevContext ? UniformHoister.PrevPrefix : UniformHoister.NextPrefix) + r.Name) : null);

    private Expr StepSize => Context(X.Ref(Binding.StepSize, Parser.StepSize));

    // ----- setup from a boundary

    private void LoadBoundary(int r, bool recoverWithPrevious)
    {
        var layout = _layout[r];
        int j = _a.GradientStages[r];
        // State variables of the look-ahead point other than theta: from the arrays.
        for (int x = 1; x < _a.VariableCount; x++)
            foreach (var entry in layout[x])
                _basis[x].Add((entry.Vector, LoadSlot(entry.Slot, entry.Vector.Equals(Functional.Base(0)) ? Vars[x] : Vars[x] + "_a" + entry.Slot)));

        // theta: the parameter buffer holds theta + sum c_x x at stage j.
        var thetaEntry = layout[0].First(e => e.Free);
        Expr theta = Parameters;
        bool saved = _prevContext;
        _prevContext = recoverWithPrevious;
        foreach (var kv in S.PointCoefficients)
        {
            int x = Vars.IndexOf(kv.Key);
            var value = StageValueFromBasis(x, j);
            theta = X.Sub(theta, X.Mul(Context(kv.Value), value));
        }
        _prevContext = saved;
        theta = Bind(r == 0 ? "theta" : "theta" + Suffix(j), theta);
        _basis[0].Add((thetaEntry.Vector, theta));
        _stageValues[(0, 0, j)] = theta;
        foreach (var entry in layout[0].Where(e => !e.Free))
            _basis[0].Add((entry.Vector, LoadSlot(entry.Slot, "theta_a" + entry.Slot)));
    }

    private Expr StageValueFromBasis(int x, int j)
    {
        if (_stageValues.TryGetValue((x, 0, j), out var known)) return known;
        var value = Bind(Vars[x] + (_r == 0 ? "" : Suffix(j)), Eval(x, _r == 0 ? Functional.Base(0) : _a.StageFull(x, j, 0)));
        _stageValues[(x, 0, j)] = value;
        return value;
    }

    // ----- evaluation of functionals

    private bool IsLocal(int x, Coord c) => _local.ContainsKey((x, c));

    private Expr Eval(int x, Functional f)
    {
        var terms = new List<(Rational Coefficient, Expr Factor, Expr Value)>();
        var old = f.Where(c => !IsLocal(x, c));
        var correction = new Dictionary<Coord, Rational>();
        foreach (var kv in f.Terms) if (IsLocal(x, kv.Key)) correction[kv.Key] = kv.Value;
        if (old.Count > 0)
        {
            var basis = _basis[x];
            var lambda = LinearAlgebra.Solve(basis.Select(b => b.Vector).ToList(), old, c => !IsLocal(x, c))
                ?? throw new InvalidOperationException("the value " + f.Describe(Vars[x]) + " of pass " + _name + " is not held by the stored arrays");
            for (int q = 0; q < lambda.Length; q++)
            {
                if (lambda[q].IsZero) continue;
                terms.Add((lambda[q], X.One, basis[q].Value));
                foreach (var kv in basis[q].Vector.Terms)
                {
                    if (!IsLocal(x, kv.Key)) continue;
                    correction[kv.Key] = (correction.TryGetValue(kv.Key, out var c0) ? c0 : Rational.Zero) - lambda[q] * kv.Value;
                }
            }
        }
        foreach (var kv in correction.OrderBy(kv => kv.Key))
        {
            if (kv.Value.IsZero) continue;
            var (coefficient, value) = _local[(x, kv.Key)];
            terms.Add((kv.Value, coefficient, value));
        }
        return Sum(terms);
    }

    private static Expr Sum(List<(Rational Coefficient, Expr Factor, Expr Value)> terms)
    {
        if (terms.Count == 0) return X.Zero;
        // Start with a term of coefficient one when there is one: "m + c * (g - m)".
        int first = terms.FindIndex(t => t.Coefficient.IsOne && X.IsConst(t.Factor, 1));
        if (first > 0) { var t = terms[first]; terms.RemoveAt(first); terms.Insert(0, t); }
        Expr? sum = null;
        foreach (var (coefficient, factor, value) in terms)
        {
            bool negative = coefficient.Sign < 0 && X.IsConst(factor, 1);
            var c = negative ? -coefficient : coefficient;
            var scale = X.Mul(X.C(c.ToDouble()), factor);
            var term = X.Mul(scale, value);
            sum = sum is null ? (negative ? X.Neg(term) : term) : negative ? X.Sub(sum, term) : X.Add(sum, term);
        }
        return sum!;
    }

    // ----- stages

    private Expr BodyAt(Expr body, int stage)
    {
        return Context(X.Substitute(body, r => r.Kind switch
        {
            Binding.State => _stageValues.TryGetValue((Vars.IndexOf(r.Name), _step, stage), out var v) ? v
                : throw new InvalidOperationException("stage value of " + r.Name + " at stage " + (stage + 1) + " is not available in pass " + _name),
            Binding.Gradient => Gradient,
            Binding.Reduction => ReductionAt(r.Name, stage),
            _ => null,
        }));
    }

    /// <summary>The value of the reduction <paramref name="name"/> at stage <paramref name="stage"/> in this pass: its body
    /// evaluated at the stage values becomes a term of the pass's reduction pass, and the pass reads the per-segment result
    /// (Analysis/Reductions.cs).</summary>
    private Expr ReductionAt(string name, int stage)
    {
        if (!S.Reductions.TryGetValue(name, out var reduction))
            throw new InvalidOperationException("unknown reduction " + name + " in pass " + _name);
        var key = (name, _step, stage);
        if (_reductionValues.TryGetValue(key, out var known)) return known;
        if (_merged || _step > 0 || _prevContext || _nextContext)
            throw Reductions.Unsupported(S, name, "it is read in pass " + _name + " while that pass also finishes or begins another step (a first-same-as-last scheme, or a value written with the next step's hyperparameters); a reduction must be complete before the pass that reads it, so it is supported only where the stage it belongs to is the pass's own. Use a scheme whose last gradient is not reused as the next step's first");
        foreach (var r in X.Refs(reduction.Body).Where(r => r.Kind == Binding.State))
        {
            int x = Vars.IndexOf(r.Name);
            if (!_stageValues.ContainsKey((x, _step, stage)))
                throw Reductions.Unsupported(S, name, "it reads '" + r.Name + "' at stage " + (stage + 1) + ", and in pass " + _name + " that stage value is not known yet where the reduction is read (it is solved after the body that reads the reduction)");
        }
        var value = BodyAt(reduction.Body, stage);
        string field = "R_" + name + Suffix(stage);
        string local = StoreLocal("r_" + name + Suffix(stage), value);
        _reductionTerms.Add(new ReductionTerm(field, reduction.Kind, local, reduction.Kind + " of " + reduction.MethodName + " at stage " + (stage + 1)));
        var result = new RefExpr(Binding.Reduction, field);
        _reductionValues[key] = result;
        return result;
    }

    private void RegisterDerivative(int x, CoordKind kind, int stage, Expr value)
    {
        var (scale, rest) = UniformHoister.ExtractScale(value);
        string hint = (kind == CoordKind.K ? "e_" : "i_") + Vars[x] + Suffix(stage);
        var restLocal = Bind(hint, rest);
        _local[(x, new Coord(_step, kind, stage))] = (StepSizeAlgebra.Times(StepSize, scale), restLocal);
    }

    private void SolveStageValue(int x, int l)
    {
        if (_stageValues.ContainsKey((x, _step, l))) return;
        var R = _a.StageR(x, l, _step);
        var ah = S.Ah[l, l];
        if (_a.HasI(x) && !ah.IsZero)
        {
            var r = Eval(x, R);
            string name = Vars[x];
            var body = BodyAt(X.Substitute(_a.I(x)!, rr => rr.Kind == Binding.State && rr.Name == name ? new RefExpr(Binding.Local, "__self") : null), l);
            bool self = X.Any(body, rr => rr.Kind == Binding.Local && rr.Name == "__self");
            if (self)
            {
                if (!Affine.TryDecompose(body, rr => rr.Kind == Binding.Local && rr.Name == "__self", out var alpha, out var beta, out var reason))
                    throw new PlannerError(DiagnosticInfo.Create(DiagnosticDescriptors.ImplicitNotAffine,
                        S.ImplicitLocation.TryGetValue(name, out var loc) ? loc : S.Model.Location, name, reason));
                var ha = X.Mul(X.C(ah.ToDouble()), StepSize);
                // X = R + h a (alpha X + beta)  =>  X = (R + h a beta) / (1 - h a alpha)
                var solved = X.Div(X.Add(r, X.Mul(ha, beta)), X.Sub(X.One, X.Mul(ha, alpha)));
                var value = Bind(name + Suffix(l), solved);
                _stageValues[(x, _step, l)] = value;
                RegisterDerivative(x, CoordKind.L, l, X.Substitute(body, rr => rr.Kind == Binding.Local && rr.Name == "__self" ? value : null));
            }
            else
            {
                RegisterDerivative(x, CoordKind.L, l, body);
                _stageValues[(x, _step, l)] = Bind(name + Suffix(l), Eval(x, _a.StageFull(x, l, _step)));
            }
        }
        else
        {
            _stageValues[(x, _step, l)] = Bind(Vars[x] + Suffix(l), Eval(x, R));
        }
    }

    /// <summary>Processes stage l: stage values, implicit and explicit derivatives.</summary>
    /// <param name="gradientHere">The pass's gradient belongs to this stage (point variables come from the point).</param>
    /// <param name="pointOnly">Only the point variables (and what they depend on), to write the next gradient point.</param>
    private void ProcessStage(int l, bool gradientHere, bool pointOnly)
    {
        var order = _a.StageOrder(l);
        if (pointOnly)
        {
            var needed = new HashSet<int>(_a.PointVariables);
            bool grew = true;
            while (grew)
            {
                grew = false;
                foreach (int x in needed.ToList())
                    if (_a.HasI(x) && !S.Ah[l, l].IsZero)
                        for (int y = 0; y < _a.VariableCount; y++)
                            if (y != x && _a.ReadsState(_a.I(x)!, Vars[y]) && needed.Add(y)) grew = true;
            }
            foreach (int x in order.Where(needed.Contains)) SolveStageValue(x, l);
            return;
        }
        foreach (int x in order)
        {
            if (gradientHere && _a.IsPointVariable(x) && !_stageValues.ContainsKey((x, _step, l)))
                _stageValues[(x, _step, l)] = Bind(Vars[x] + Suffix(l), Eval(x, _a.StageFull(x, l, _step)));
            else SolveStageValue(x, l);
        }
        for (int x = 0; x < _a.VariableCount; x++)
            if (_a.NeedsImplicit(l, x) && !IsLocal(x, new Coord(_step, CoordKind.L, l)))
                RegisterDerivative(x, CoordKind.L, l, BodyAt(_a.I(x)!, l));
        for (int x = 0; x < _a.VariableCount; x++)
        {
            if (!_a.NeedsExplicit(l, x)) continue;
            if (_a.ReadsGradient(_a.E(x)!) && !gradientHere)
                throw new InvalidOperationException("stage " + (l + 1) + " needs a gradient but pass " + _name + " has none for it");
            RegisterDerivative(x, CoordKind.K, l, BodyAt(_a.E(x)!, l));
        }
    }

    private void WritePointAndStore(int targetBoundary, int stage)
    {
        // Parameter buffer: theta + sum c_x x at the stage of the next gradient.
        Expr point = _stageValues[(0, _step, stage)];
        foreach (var kv in S.PointCoefficients)
            point = X.Add(point, X.Mul(Context(kv.Value), _stageValues[(Vars.IndexOf(kv.Key), _step, stage)]));
        _stores.Add(new KernelStore(Slots.Parameters, StoreLocal("point", point)));

        var target = _layout[targetBoundary];
        List<BasisEntry>[]? source = _merged ? null : _layout[_r];
        for (int x = 0; x < _a.VariableCount; x++)
        {
            foreach (var entry in target[x].Where(e => !e.Free))
            {
                bool unchanged = _step == 0 && targetBoundary != 0 && source is not null
                                 && source[x].Any(e => !e.Free && e.Slot == entry.Slot && e.Vector.Equals(entry.Vector));
                if (unchanged) continue;
                _stores.Add(new KernelStore(entry.Slot, StoreLocal(Vars[x] + "_store" + entry.Slot, Eval(x, entry.Vector.Shift(_step)))));
            }
        }
    }

    // ----- passes

    public KernelPlan Build()
    {
        int k = _a.GradientStages.Count;
        _prevContext = false;
        LoadBoundary(_r, recoverWithPrevious: BeginsStep);
        _prevContext = _merged;
        int j = _a.GradientStages[_r];
        if (_r == 0)
        {
            _description.Add("begins a step: stages 1.." + (j + 1) + " with the gradient at stage " + (j + 1));
            for (int l = 0; l < j; l++) ProcessStage(l, gradientHere: false, pointOnly: false);
        }
        else _description.Add((_merged ? "finishes the step in progress: " : "") + "gradient at stage " + (j + 1));
        ProcessStage(j, gradientHere: true, pointOnly: false);
        int r = _r;
        while (true)
        {
            int next = r + 1 < k ? _a.GradientStages[r + 1] : _a.Stages;
            for (int l = j + 1; l < next; l++) ProcessStage(l, gradientHere: false, pointOnly: false);
            if (r + 1 < k)
            {
                ProcessStage(next, gradientHere: false, pointOnly: true);
                _description.Add("writes the gradient point of stage " + (next + 1));
                WritePointAndStore(r + 1, next);
                break;
            }

            // Last gradient stage: finish the step.
            var finals = new Expr[_a.VariableCount];
            for (int x = 0; x < _a.VariableCount; x++) finals[x] = Bind(Vars[x] + "_new", Eval(x, _a.Final(x, _step)));
            _description.Add("completes y_{n+1}");
            _step++;
            _prevContext = false;
            for (int x = 0; x < _a.VariableCount; x++)
            {
                _local[(x, new Coord(_step, CoordKind.Base, 0))] = (X.One, finals[x]);
            }
            if (!_merged)
            {
                for (int x = 0; x < _a.VariableCount; x++)
                    if (_a.IsPointVariable(x)) _stageValues[(x, _step, _a.GradientStages[0])] = finals[x];
                _description.Add("writes the first gradient point of the next step (look-ahead with the next step's values)");
                // The next step's gradient is taken at this point, so its look-ahead uses the next step's hyperparameters.
                _nextContext = true;
                WritePointAndStore(0, _a.GradientStages[0]);
                _nextContext = false;
                break;
            }
            // First same as last: the gradient just used is the next step's first one.
            _description.Add("begins the next step with the same gradient (first same as last)");
            j = _a.GradientStages[0];
            for (int l = 0; l < j; l++) ProcessStage(l, gradientHere: false, pointOnly: false);
            ProcessStage(j, gradientHere: true, pointOnly: false);
            r = 0;
        }
        return Finish(BeginsStep);
    }

    public KernelPlan BuildIterate()
    {
        _prevContext = false;
        LoadBoundary(_r, recoverWithPrevious: false);
        _stores.Add(new KernelStore(Slots.Output, StoreLocal("theta", _basis[0].First().Value)));
        _description.Add("recovers theta from the look-ahead point");
        return Finish(false);
    }

    public KernelPlan BuildInit()
    {
        var layout = _layout[0];
        foreach (var initial in S.Model.Initials)
        {
            int x = Vars.IndexOf(initial.Variable);
            var body = Context(X.Substitute(initial.Body, r => r.Kind switch
            {
                Binding.Gradient => Gradient,
                Binding.State => Parameters,
                _ => null,
            }));
            var entry = layout[x].First(e => !e.Free && e.Vector.Equals(Functional.Base(0)));
            _stores.Add(new KernelStore(entry.Slot, StoreLocal(initial.Variable + "0", body)));
        }
        _description.Add("sets the [Initial] values from the first gradient");
        return Finish(false);
    }

    private KernelPlan Finish(bool beginsStep)
    {
        // Hoist uniforms, merge duplicates, drop dead code.
        var statements = _statements.Select(s => new KernelStatement(s.Local, _uniforms.Hoist(s.Value))).ToList();
        var alias = new Dictionary<string, Expr>();
        var byValue = new Dictionary<Expr, string>();
        var merged = new List<KernelStatement>();
        foreach (var st in statements)
        {
            var value = X.Substitute(st.Value, r => r.Kind == Binding.Local && alias.TryGetValue(r.Name, out var a) ? a : null);
            if (value is RefExpr { Kind: Binding.Local }) { alias[st.Local] = value; continue; }
            if (byValue.TryGetValue(value, out var existing)) { alias[st.Local] = X.Local(existing); continue; }
            byValue[value] = st.Local;
            merged.Add(new KernelStatement(st.Local, value));
        }
        string Resolve(string local) => alias.TryGetValue(local, out var a) && a is RefExpr ra ? Resolve(ra.Name) : local;
        var stores = _stores.Select(s => new KernelStore(s.Slot, Resolve(s.Local))).ToList();

        var live = new HashSet<string>(stores.Select(s => s.Local));
        var kept = new List<KernelStatement>();
        for (int i = merged.Count - 1; i >= 0; i--)
        {
            if (!live.Contains(merged[i].Local)) continue;
            kept.Add(merged[i]);
            foreach (var r in X.Refs(merged[i].Value)) if (r.Kind == Binding.Local) live.Add(r.Name);
        }
        kept.Reverse();
        var loads = _loads.Where(l => live.Contains(l.Local)).ToList();

        // The reduction pass: the statements its terms need, over the same loads.
        ReductionPlan? reduce = null;
        if (_reductionTerms.Count > 0)
        {
            var terms = _reductionTerms.Select(t => t with { Local = Resolve(t.Local) }).ToList();
            var liveReduce = new HashSet<string>(terms.Select(t => t.Local));
            var keptReduce = new List<KernelStatement>();
            for (int i = merged.Count - 1; i >= 0; i--)
            {
                if (!liveReduce.Contains(merged[i].Local)) continue;
                keptReduce.Add(merged[i]);
                foreach (var r in X.Refs(merged[i].Value)) if (r.Kind == Binding.Local) liveReduce.Add(r.Name);
            }
            keptReduce.Reverse();
            reduce = new ReductionPlan(_loads.Where(l => liveReduce.Contains(l.Local)).ToEquatableArray(), keptReduce.ToEquatableArray(), terms.ToEquatableArray());
            _description.Insert(0, "after a read-only reduction pass (" + string.Join(", ", terms.Select(t => t.Description)) + "; reads " +
                string.Join(", ", reduce.Loads.Select(l => l.Slot switch { Slots.Parameters => "p", Slots.Gradient => "g", _ => "a" + l.Slot })) + ")");
        }
        return new KernelPlan(_name, string.Join("; ", _description), beginsStep, loads.ToEquatableArray(), kept.ToEquatableArray(), stores.ToEquatableArray(), Reduce: reduce);
    }
}
