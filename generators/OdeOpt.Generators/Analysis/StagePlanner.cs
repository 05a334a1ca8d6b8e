using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using OdeOpt.Generators.Model;
using OdeOpt.Generators.Parsing;

namespace OdeOpt.Generators.Analysis;

/// <summary>
/// The stage planner: from a validated scheme, derives which stages need a gradient, whether the last
/// gradient of a step can be reused as the next step's first (first same as last), the smallest set of
/// arrays that must persist between gradient evaluations, and one fused pass per gradient evaluation.
/// </summary>
/// <remarks>
/// <para>A step of an s-stage pair computes, for every state variable x,
/// <c>X_l = x_n + sum_{i&lt;l} A_li hE_x(Y_i) + sum_{i&lt;=l} Ah_li hI_x(Y_i)</c> and
/// <c>x_{n+1} = x_n + sum_i b_i hE_x(Y_i) + sum_i bh_i hI_x(Y_i)</c>. Every value the step needs is therefore an
/// exact linear combination (a <see cref="Functional"/>) of the coordinates x_n, hE_x(Y_i), hI_x(Y_i).</para>
/// <para>The gradient stages G = j_1 &lt; ... &lt; j_k split the step into passes. Between two passes only the
/// span of the values still needed has to be kept; the planner stores a basis of that span (chosen greedily
/// among the needed values themselves), and the parameter buffer holds one of them for free: the point where
/// the next gradient is evaluated. Each pass re-expresses what it needs in that basis with exact rational
/// coefficients, so the generated code is a straight line of float arithmetic per element.</para>
/// </remarks>
internal sealed class StagePlanner
{
    private readonly Scheme _s;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly CancellationToken _ct;
    private readonly int _stages;
    private readonly List<string> _vars;
    private readonly int _nv;
    private readonly bool[,] _needE, _needI, _needStage;
    private readonly bool[] _gradientStage;
    private readonly HashSet<int> _pointVars = new();
    private readonly List<int> _g = new();
    private bool _fsal;

    private readonly List<UniformPlan> _uniforms = new();
    private readonly Dictionary<Expr, string> _uniformByDefinition = new();

    // Layout of each boundary r (before the pass whose gradient is at stage G[r]): per variable, its basis.
    private readonly List<List<BasisEntry>[]> _layouts = new();

    internal sealed class BasisEntry
    {
        public BasisEntry(Functional vector, bool free) { Vector = vector; Free = free; }
        public Functional Vector { get; }
        public bool Free { get; }
        public int Slot { get; set; } = -1;
    }

    private sealed class PlannerError : Exception
    {
        public PlannerError(DiagnosticInfo diagnostic) : base(diagnostic.Id) => Diagnostic = diagnostic;
        public DiagnosticInfo Diagnostic { get; }
    }

    private readonly SchemeProperties _properties;

    public StagePlanner(Scheme scheme, SchemeProperties properties, List<DiagnosticInfo> diagnostics, CancellationToken ct)
    {
        _properties = properties;
        _s = scheme;
        _diagnostics = diagnostics;
        _ct = ct;
        _stages = scheme.Stages;
        _vars = scheme.Variables;
        _nv = _vars.Count;
        _needE = new bool[_stages, _nv];
        _needI = new bool[_stages, _nv];
        _needStage = new bool[_stages, _nv];
        _gradientStage = new bool[_stages];
        _pointVars.Add(0);
        foreach (var v in scheme.PointCoefficients.Keys) _pointVars.Add(_vars.IndexOf(v));
    }

    private bool HasE(int x) => _s.Explicit.ContainsKey(_vars[x]);
    private bool HasI(int x) => _s.Implicit.ContainsKey(_vars[x]);
    private Expr? E(int x) => _s.Explicit.TryGetValue(_vars[x], out var e) ? e : null;
    private Expr? I(int x) => _s.Implicit.TryGetValue(_vars[x], out var e) ? e : null;
    private static bool ReadsState(Expr body, string name) => X.Reads(body, Binding.State, name);
    private static bool ReadsGradient(Expr body) => X.Any(body, r => r.Kind == Binding.Gradient);

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
        ComputeNeeds();
        for (int l = 0; l < _stages; l++) if (_gradientStage[l]) _g.Add(l);
        var model = _s.Model;
        if (_g.Count == 0)
            throw new PlannerError(DiagnosticInfo.Create(DiagnosticDescriptors.NoGradientUsed, model.Location, model.Name));

        // The first gradient point of a step must be the state itself (theta + sum c_x x at x_n).
        foreach (int x in _pointVars)
        {
            if (!StageFull(x, _g[0], 0).Equals(Functional.Base(0)))
                throw new PlannerError(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedFirstPoint, model.Explicit?.Location ?? model.Location,
                    "The gradient point of stage " + (_g[0] + 1) + ", the first stage that needs a gradient, depends on '" + _vars[x] +
                    "' after an implicit or explicit update within the step (its row of the tableaux is not zero there); OdeOpt needs the first gradient of a step at the state itself. Use a tableau whose first gradient stage has a zero row for " + _vars[x] + "."));
        }

        int k = _g.Count;
        _fsal = k >= 2 && _pointVars.All(x => StageFull(x, _g[k - 1], 0).Equals(Final(x, 0)));

        CheckStageDependencies();
        ComputeLayouts();
        int arrayCount = AssignSlots();

        var kernels = new List<KernelPlan>();
        var cycle = new List<int>();
        int start = -1;
        if (!_fsal)
        {
            for (int r = 0; r < k; r++)
            {
                cycle.Add(kernels.Count);
                kernels.Add(new KernelSim(this, "Pass" + (r + 1), r, merged: false).Build());
            }
        }
        else
        {
            start = kernels.Count;
            kernels.Add(new KernelSim(this, "Start", 0, merged: false).Build());
            for (int r = 1; r < k - 1; r++)
            {
                cycle.Add(kernels.Count);
                kernels.Add(new KernelSim(this, "Pass" + (r + 1), r, merged: false).Build());
            }
            cycle.Add(kernels.Count);
            kernels.Add(new KernelSim(this, "FinishAndStart", k - 1, merged: true).Build());
        }

        int init = -1;
        if (model.Initials.Count > 0)
        {
            init = kernels.Count;
            kernels.Add(BuildInitKernel());
        }

        var iterate = new List<int>();
        int iterateAtStart = -1;
        if (_s.PointCoefficients.Count > 0)
        {
            if (_fsal)
            {
                iterateAtStart = kernels.Count;
                kernels.Add(new KernelSim(this, "IterateAtStart", 0, merged: false).BuildIterate());
                for (int r = 1; r < k; r++)
                {
                    iterate.Add(kernels.Count);
                    kernels.Add(new KernelSim(this, "Iterate" + (r + 1), r, merged: false).BuildIterate());
                }
            }
            else
            {
                for (int r = 0; r < k; r++)
                {
                    iterate.Add(kernels.Count);
                    kernels.Add(new KernelSim(this, "Iterate" + (r + 1), r, merged: false).BuildIterate());
                }
            }
        }

        int bytes = cycle.Sum(c => 4 * (kernels[c].Loads.Count + kernels[c].Stores.Count));
        var boundaries = new List<BoundaryPlan>();
        for (int r = 0; r < k; r++)
        {
            string description = r == 0
                ? "at the start of a step (gradient at stage " + (_g[0] + 1) + ")"
                : "before the gradient at stage " + (_g[r] + 1);
            var slots = new List<SlotContent>();
            for (int x = 0; x < _nv; x++)
                foreach (var entry in _layouts[r][x])
                    slots.Add(new SlotContent(entry.Free ? Slots.Parameters : entry.Slot, entry.Vector.Describe(_vars[x]) + (entry.Free && _s.PointCoefficients.Count > 0 ? " (recovered from the look-ahead point)" : "")));
            boundaries.Add(new BoundaryPlan(description, slots.OrderBy(sc => sc.Slot).ToEquatableArray()));
        }

        return new OptimizerPlan(model, _stages, _g.Select(j => j + 1).ToEquatableArray(), _fsal, k - (_fsal ? 1 : 0),
            _vars.ToEquatableArray(), arrayCount, _uniforms.ToEquatableArray(), kernels.ToEquatableArray(), start, cycle.ToEquatableArray(),
            init, iterate.ToEquatableArray(), iterateAtStart, boundaries.ToEquatableArray(), bytes, _properties);
    }

    // ---------------------------------------------------------------- needs

    private void ComputeNeeds()
    {
        bool changed = true;
        while (changed)
        {
            _ct.ThrowIfCancellationRequested();
            changed = false;
            for (int l = 0; l < _stages; l++)
            {
                for (int x = 0; x < _nv; x++)
                {
                    bool ne = HasE(x) && (!_s.B[l].IsZero || Enumerable.Range(l + 1, _stages - l - 1).Any(k2 => !_s.A[k2, l].IsZero && _needStage[k2, x]));
                    bool ni = HasI(x) && (!_s.Bh[l].IsZero || Enumerable.Range(l + 1, _stages - l - 1).Any(k2 => !_s.Ah[k2, l].IsZero && _needStage[k2, x])
                                          || !_s.Ah[l, l].IsZero && _needStage[l, x]);
                    if (ne && !_needE[l, x]) { _needE[l, x] = true; changed = true; }
                    if (ni && !_needI[l, x]) { _needI[l, x] = true; changed = true; }
                }
                bool gradient = Enumerable.Range(0, _nv).Any(x => _needE[l, x] && ReadsGradient(E(x)!));
                if (gradient && !_gradientStage[l]) { _gradientStage[l] = true; changed = true; }
                for (int y = 0; y < _nv; y++)
                {
                    string name = _vars[y];
                    bool need = Enumerable.Range(0, _nv).Any(x => _needE[l, x] && ReadsState(E(x)!, name) || _needI[l, x] && ReadsState(I(x)!, name))
                                || _gradientStage[l] && _pointVars.Contains(y);
                    if (need && !_needStage[l, y]) { _needStage[l, y] = true; changed = true; }
                }
            }
        }
    }

    // ---------------------------------------------------------------- functionals

    private static Coord K(int step, int stage) => new(step, CoordKind.K, stage);
    private static Coord L(int step, int stage) => new(step, CoordKind.L, stage);

    private Functional StageR(int x, int l, int step)
    {
        var f = Functional.Base(step);
        for (int i = 0; i < l; i++)
        {
            if (HasE(x)) f.Add(K(step, i), _s.A[l, i]);
            if (HasI(x)) f.Add(L(step, i), _s.Ah[l, i]);
        }
        return f;
    }

    private Functional StageFull(int x, int l, int step)
    {
        var f = StageR(x, l, step);
        if (HasI(x)) f.Add(L(step, l), _s.Ah[l, l]);
        return f;
    }

    private Functional Final(int x, int step)
    {
        var f = Functional.Base(step);
        for (int i = 0; i < _stages; i++)
        {
            if (HasE(x)) f.Add(K(step, i), _s.B[i]);
            if (HasI(x)) f.Add(L(step, i), _s.Bh[i]);
        }
        return f;
    }

    // ---------------------------------------------------------------- stage dependency order

    private readonly Dictionary<int, List<int>> _stageOrder = new();

    /// <summary>Variables whose stage values are needed at stage l, in an order in which each diagonally
    /// implicit term finds the stage values it reads already solved.</summary>
    private List<int> StageOrder(int l) => _stageOrder[l];

    private void CheckStageDependencies()
    {
        for (int l = 0; l < _stages; l++)
        {
            var order = new List<int>();
            var state = new int[_nv]; // 0 new, 1 visiting, 2 done
            var path = new List<int>();
            void Visit(int x)
            {
                if (state[x] == 2) return;
                if (state[x] == 1)
                {
                    int from = path.IndexOf(x);
                    var cycle = path.Skip(from).Concat(new[] { x }).Select(v => _vars[v]);
                    throw new PlannerError(DiagnosticInfo.Create(DiagnosticDescriptors.CyclicImplicit, _s.ImplicitLocation.TryGetValue(_vars[x], out var loc) ? loc : _s.Model.Location,
                        l + 1, string.Join(" -> ", cycle)));
                }
                state[x] = 1;
                path.Add(x);
                if (HasI(x) && !_s.Ah[l, l].IsZero)
                {
                    for (int y = 0; y < _nv; y++)
                        if (y != x && ReadsState(I(x)!, _vars[y])) Visit(y);
                }
                path.RemoveAt(path.Count - 1);
                state[x] = 2;
                order.Add(x);
            }
            for (int x = 0; x < _nv; x++)
                if (_needStage[l, x]) Visit(x);
            _stageOrder[l] = order;
        }
    }

    // ---------------------------------------------------------------- boundaries

    /// <summary>Coordinates held by the arrays at boundary r, before its pass recomputes the implicit
    /// values of its gradient stage. <paramref name="full"/>: include the point variables' diagonal terms.</summary>
    private Func<Coord, bool> Space(int r, int x, bool full)
    {
        if (r == 0) return c => c.Kind == CoordKind.Base;
        int j = _g[r];
        bool withDiagonal = full && _pointVars.Contains(x);
        return c => c.Kind == CoordKind.Base || c.Stage < j || withDiagonal && c.Kind == CoordKind.L && c.Stage == j;
    }

    private void ComputeLayouts()
    {
        for (int r = 0; r < _g.Count; r++)
        {
            var layout = new List<BasisEntry>[_nv];
            int j = _g[r];
            for (int x = 0; x < _nv; x++)
            {
                var generators = new List<(Functional Vector, bool Full, bool Free)>();
                bool point = _pointVars.Contains(x);
                if (point) generators.Add((r == 0 ? Functional.Base(0) : StageFull(x, j, 0), true, x == 0));
                var restricted = Space(r, x, full: false);
                if (r == 0) generators.Add((Functional.Base(0), false, false));
                // Stage values still to be computed (an implicit part that reads its own variable makes that value needed;
                // one that does not, needs only the stage values it reads, so its own R is not kept: ODEOPT099 found by
                // FuzzTests when R held an explicit derivative that no pass computes).
                else if (!point && _needStage[j, x]) generators.Add((StageR(x, j, 0).Where(restricted), false, false));
                for (int l = j + 1; l < _stages; l++)
                    if (_needStage[l, x]) generators.Add((StageR(x, l, 0).Where(restricted), false, false));
                generators.Add((Final(x, 0).Where(restricted), false, false));

                var basis = new List<BasisEntry>();
                foreach (var (vector, full, free) in generators)
                {
                    var space = Space(r, x, full);
                    if (!free && LinearAlgebra.Solve(basis.Select(e => e.Vector).ToList(), vector, space) is not null) continue;
                    basis.Add(new BasisEntry(vector, free));
                }
                layout[x] = basis;
            }
            _layouts.Add(layout);
        }
    }

    private int AssignSlots()
    {
        int count = 0;
        List<BasisEntry>[]? previous = null;
        foreach (var layout in _layouts)
        {
            var used = new HashSet<int>();
            for (int x = 0; x < _nv; x++)
            {
                foreach (var entry in layout[x].Where(e => !e.Free))
                {
                    var same = previous?[x].FirstOrDefault(p => !p.Free && p.Vector.Equals(entry.Vector) && !used.Contains(p.Slot));
                    if (same is not null) { entry.Slot = same.Slot; used.Add(same.Slot); }
                }
            }
            for (int x = 0; x < _nv; x++)
            {
                foreach (var entry in layout[x].Where(e => !e.Free && e.Slot < 0))
                {
                    int slot = 0;
                    while (used.Contains(slot)) slot++;
                    entry.Slot = slot;
                    used.Add(slot);
                }
            }
            count = Math.Max(count, used.Count == 0 ? 0 : used.Max() + 1);
            previous = layout;
        }
        return count;
    }

    // ---------------------------------------------------------------- uniforms

    private const string PrevPrefix = "prev.";
    private const string NextPrefix = "next.";

    /// <summary>Replaces every maximal sub-expression that reads no per-element value by a per-step uniform.</summary>
    internal Expr Hoist(Expr e)
    {
        if (e is ConstExpr || e is RefExpr { Kind: Binding.Local or Binding.Uniform or Binding.PrevUniform or Binding.NextUniform }) return e;
        // A condition is never a float uniform itself: its operands are hoisted and the comparison stays in the loop.
        if (X.IsUniform(e) && !IsBoolean(e))
        {
            bool prev = X.Any(e, r => r.Name.StartsWith(PrevPrefix, StringComparison.Ordinal));
            bool next = X.Any(e, r => r.Name.StartsWith(NextPrefix, StringComparison.Ordinal));
            var definition = X.Substitute(e, r =>
                r.Name.StartsWith(PrevPrefix, StringComparison.Ordinal) ? new RefExpr(r.Kind, r.Name.Substring(PrevPrefix.Length)) :
                r.Name.StartsWith(NextPrefix, StringComparison.Ordinal) ? new RefExpr(r.Kind, r.Name.Substring(NextPrefix.Length)) : null);
            if (!_uniformByDefinition.TryGetValue(definition, out var name))
            {
                name = "U" + _uniforms.Count;
                _uniformByDefinition[definition] = name;
                _uniforms.Add(new UniformPlan(name, definition));
            }
            return new RefExpr(prev ? Binding.PrevUniform : next ? Binding.NextUniform : Binding.Uniform, name);
        }
        // Division by a per-step value becomes multiplication by its reciprocal, computed once per step in double
        // (a vector division costs several multiplications; the result differs by at most an ulp).
        if (e is BinaryExpr { Op: BinaryOp.Divide } division && X.IsUniform(division.Right) && !IsBoolean(division.Right))
            return new BinaryExpr(BinaryOp.Multiply, Hoist(division.Left), Hoist(X.Div(X.One, division.Right)));
        return e switch
        {
            UnaryExpr u => new UnaryExpr(u.Op, Hoist(u.Operand)),
            BinaryExpr b => new BinaryExpr(b.Op, Hoist(b.Left), Hoist(b.Right)),
            CallExpr c => new CallExpr(c.Function, c.Args.Select(Hoist).ToEquatableArray()),
            ConditionalExpr q => new ConditionalExpr(Hoist(q.Condition), Hoist(q.WhenTrue), Hoist(q.WhenFalse)),
            _ => e,
        };
    }

    private static bool IsBoolean(Expr e) => e is BinaryExpr b && (ExprText.IsComparison(b.Op) || ExprText.IsLogical(b.Op)) || e is UnaryExpr { Op: UnaryOp.Not };

    /// <summary>Writes e as scale * rest with scale free of per-element values, so that the scale can be folded
    /// into the per-step coefficient that multiplies e (h * A_ij * scale is one uniform).</summary>
    private static (Expr Scale, Expr Remainder) ExtractScale(Expr e)
    {
        if (X.IsUniform(e)) return (e, X.One);
        switch (e)
        {
            case UnaryExpr { Op: UnaryOp.Negate } n:
            {
                var (s, r) = ExtractScale(n.Operand);
                return (X.Neg(s), r);
            }
            case BinaryExpr { Op: BinaryOp.Multiply } m:
            {
                if (X.IsUniform(m.Left)) { var (s, r) = ExtractScale(m.Right); return (X.Mul(m.Left, s), r); }
                if (X.IsUniform(m.Right)) { var (s, r) = ExtractScale(m.Left); return (X.Mul(s, m.Right), r); }
                var (sl, rl) = ExtractScale(m.Left);
                var (sr, rr) = ExtractScale(m.Right);
                return (X.Mul(sl, sr), X.Mul(rl, rr));
            }
            case BinaryExpr { Op: BinaryOp.Divide } d:
            {
                var (s, r) = ExtractScale(d.Left);
                return X.IsUniform(d.Right) ? (X.Div(s, d.Right), r) : (s, X.Div(r, d.Right));
            }
        }
        return (X.One, e);
    }

    // ---------------------------------------------------------------- passes

    private KernelPlan BuildInitKernel()
    {
        var sim = new KernelSim(this, "Initialize", 0, merged: false);
        return sim.BuildInit();
    }

    /// <summary>Symbolic execution of one pass: it produces straight-line per-element code.</summary>
    private sealed class KernelSim
    {
        private readonly StagePlanner _p;
        private readonly string _name;
        private readonly int _r;
        private readonly bool _merged;
        private readonly List<KernelStatement> _statements = new();
        private readonly Dictionary<int, string> _slotLocals = new();
        private readonly List<KernelLoad> _loads = new();
        private readonly List<KernelStore> _stores = new();
        private readonly HashSet<string> _names = new(KernelNames.Reserved);
        private readonly List<string> _description = new();
        private readonly List<(Functional Vector, Expr Value)>[] _basis;
        private readonly Dictionary<(int Var, Coord Coord), (Expr Coefficient, Expr Value)> _local = new();
        private readonly Dictionary<(int Var, int Step, int Stage), Expr> _stageValues = new();
        private int _step;
        private bool _prevContext;
        private bool _nextContext;
        private Expr? _gradient;

        public KernelSim(StagePlanner planner, string name, int boundary, bool merged)
        {
            _p = planner;
            _name = name;
            _r = boundary;
            _merged = merged;
            _basis = new List<(Functional, Expr)>[planner._nv];
            for (int x = 0; x < planner._nv; x++) _basis[x] = new List<(Functional, Expr)>();
        }

        private bool BeginsStep => _r == 0 || _merged;
        private List<string> Vars => _p._vars;
        private Scheme S => _p._s;

        // ----- plumbing

        private string Unique(string hint)
        {
            string name = hint.StartsWith("_", StringComparison.Ordinal) ? "v" + hint : hint;
            if (_names.Add(name)) return name;
            for (int i = 2; ; i++)
                if (_names.Add(name + "_" + i)) return name + "_" + i;
        }

        private Expr Bind(string hint, Expr value)
        {
            if (value is RefExpr { Kind: Binding.Local } || value is ConstExpr) return value;
            string name = Unique(hint);
            _statements.Add(new KernelStatement(name, value));
            return X.Local(name);
        }

        /// <summary>The local a store writes: <paramref name="value"/> bound to a local even when it is a constant (an
        /// [Initial] value of 1, a derivative that is 0; ODEOPT099 found by FuzzTests: a constant is no local).</summary>
        private string StoreLocal(string hint, Expr value)
        {
            if (value is RefExpr { Kind: Binding.Local } local) return local.Name;
            string name = Unique(hint);
            _statements.Add(new KernelStatement(name, value));
            return name;
        }

        private Expr LoadSlot(int slot, string hint)
        {
            if (_slotLocals.TryGetValue(slot, out var local)) return X.Local(local);
            local = Unique(hint);
            _slotLocals[slot] = local;
            _loads.Add(new KernelLoad(local, slot));
            return X.Local(local);
        }

        private Expr Parameters => LoadSlot(Slots.Parameters, "p");
        private Expr Gradient => _gradient ??= LoadSlot(Slots.Gradient, "g");

        private string Suffix(int stage) => "_s" + (stage + 1) + (_step > 0 ? "_next" : "");

        /// <summary>Tags hyperparameter, h and t references with the step they belong to.</summary>
        private Expr Context(Expr e) => !_prevContext && !_nextContext ? e :
            X.Substitute(e, r => r.Kind is Binding.Hyper or Binding.StepSize or Binding.StepIndex or Binding.StepScalar ? new RefExpr(r.Kind, (_prevContext ? PrevPrefix : NextPrefix) + r.Name) : null);

        private Expr StepSize => Context(X.Ref(Binding.StepSize, Parser.StepSize));

        // ----- setup from a boundary

        private void LoadBoundary(int r, bool recoverWithPrevious)
        {
            var layout = _p._layouts[r];
            int j = _p._g[r];
            // State variables of the look-ahead point other than theta: from the arrays.
            for (int x = 1; x < _p._nv; x++)
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
            var value = Bind(Vars[x] + (_r == 0 ? "" : Suffix(j)), Eval(x, _r == 0 ? Functional.Base(0) : _p.StageFull(x, j, 0)));
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
                _ => null,
            }));
        }

        private void RegisterDerivative(int x, CoordKind kind, int stage, Expr value)
        {
            var (scale, rest) = ExtractScale(value);
            string hint = (kind == CoordKind.K ? "e_" : "i_") + Vars[x] + Suffix(stage);
            var restLocal = Bind(hint, rest);
            _local[(x, new Coord(_step, kind, stage))] = (StepSizeAlgebra.Times(StepSize, scale), restLocal);
        }

        private void SolveStageValue(int x, int l)
        {
            if (_stageValues.ContainsKey((x, _step, l))) return;
            var R = _p.StageR(x, l, _step);
            var ah = S.Ah[l, l];
            if (_p.HasI(x) && !ah.IsZero)
            {
                var r = Eval(x, R);
                string name = Vars[x];
                var body = BodyAt(X.Substitute(_p.I(x)!, rr => rr.Kind == Binding.State && rr.Name == name ? new RefExpr(Binding.Local, "__self") : null), l);
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
                    _stageValues[(x, _step, l)] = Bind(name + Suffix(l), Eval(x, _p.StageFull(x, l, _step)));
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
            var order = _p.StageOrder(l);
            if (pointOnly)
            {
                var needed = new HashSet<int>(_p._pointVars);
                bool grew = true;
                while (grew)
                {
                    grew = false;
                    foreach (int x in needed.ToList())
                        if (_p.HasI(x) && !S.Ah[l, l].IsZero)
                            for (int y = 0; y < _p._nv; y++)
                                if (y != x && ReadsState(_p.I(x)!, Vars[y]) && needed.Add(y)) grew = true;
                }
                foreach (int x in order.Where(needed.Contains)) SolveStageValue(x, l);
                return;
            }
            foreach (int x in order)
            {
                if (gradientHere && _p._pointVars.Contains(x) && !_stageValues.ContainsKey((x, _step, l)))
                    _stageValues[(x, _step, l)] = Bind(Vars[x] + Suffix(l), Eval(x, _p.StageFull(x, l, _step)));
                else SolveStageValue(x, l);
            }
            for (int x = 0; x < _p._nv; x++)
                if (_p._needI[l, x] && !IsLocal(x, new Coord(_step, CoordKind.L, l)))
                    RegisterDerivative(x, CoordKind.L, l, BodyAt(_p.I(x)!, l));
            for (int x = 0; x < _p._nv; x++)
            {
                if (!_p._needE[l, x]) continue;
                if (ReadsGradient(_p.E(x)!) && !gradientHere)
                    throw new InvalidOperationException("stage " + (l + 1) + " needs a gradient but pass " + _name + " has none for it");
                RegisterDerivative(x, CoordKind.K, l, BodyAt(_p.E(x)!, l));
            }
        }

        private void WritePointAndStore(int targetBoundary, int stage)
        {
            // Parameter buffer: theta + sum c_x x at the stage of the next gradient.
            Expr point = _stageValues[(0, _step, stage)];
            foreach (var kv in S.PointCoefficients)
                point = X.Add(point, X.Mul(Context(kv.Value), _stageValues[(Vars.IndexOf(kv.Key), _step, stage)]));
            _stores.Add(new KernelStore(Slots.Parameters, StoreLocal("point", point)));

            var target = _p._layouts[targetBoundary];
            List<BasisEntry>[]? source = _merged ? null : _p._layouts[_r];
            for (int x = 0; x < _p._nv; x++)
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
            int k = _p._g.Count;
            _prevContext = false;
            LoadBoundary(_r, recoverWithPrevious: BeginsStep);
            _prevContext = _merged;
            int j = _p._g[_r];
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
                int next = r + 1 < k ? _p._g[r + 1] : _p._stages;
                for (int l = j + 1; l < next; l++) ProcessStage(l, gradientHere: false, pointOnly: false);
                if (r + 1 < k)
                {
                    ProcessStage(next, gradientHere: false, pointOnly: true);
                    _description.Add("writes the gradient point of stage " + (next + 1));
                    WritePointAndStore(r + 1, next);
                    break;
                }

                // Last gradient stage: finish the step.
                var finals = new Expr[_p._nv];
                for (int x = 0; x < _p._nv; x++) finals[x] = Bind(Vars[x] + "_new", Eval(x, _p.Final(x, _step)));
                _description.Add("completes y_{n+1}");
                _step++;
                _prevContext = false;
                for (int x = 0; x < _p._nv; x++)
                {
                    _local[(x, new Coord(_step, CoordKind.Base, 0))] = (X.One, finals[x]);
                }
                if (!_merged)
                {
                    for (int x = 0; x < _p._nv; x++)
                        if (_p._pointVars.Contains(x)) _stageValues[(x, _step, _p._g[0])] = finals[x];
                    _description.Add("writes the first gradient point of the next step (look-ahead with the next step's values)");
                    // The next step's gradient is taken at this point, so its look-ahead uses the next step's hyperparameters.
                    _nextContext = true;
                    WritePointAndStore(0, _p._g[0]);
                    _nextContext = false;
                    break;
                }
                // First same as last: the gradient just used is the next step's first one.
                _description.Add("begins the next step with the same gradient (first same as last)");
                j = _p._g[0];
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
            var layout = _p._layouts[0];
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
            var statements = _statements.Select(s => new KernelStatement(s.Local, _p.Hoist(s.Value))).ToList();
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
            return new KernelPlan(_name, string.Join("; ", _description), beginsStep, loads.ToEquatableArray(), kept.ToEquatableArray(), stores.ToEquatableArray());
        }
    }
}
