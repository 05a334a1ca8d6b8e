// The algebra of stage values: what each stage's value of each state variable is (an exact Functional of x_n and the
// stage derivatives), which stage derivatives and therefore which gradients a step needs, the order in which diagonally
// implicit terms are solved, and whether the last gradient of a step can serve as the next step's first (first same as last).
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Analysis;

/// <summary>The stage values of a validated scheme and what a step needs of them.</summary>
/// <remarks>A step of an s-stage pair computes, for every state variable x,
/// <c>X_l = x_n + sum_{i&lt;l} A_li hE_x(Y_i) + sum_{i&lt;=l} Ah_li hI_x(Y_i)</c> and
/// <c>x_{n+1} = x_n + sum_i b_i hE_x(Y_i) + sum_i bh_i hI_x(Y_i)</c>. Every value the step needs is therefore an
/// exact linear combination (a <see cref="Functional"/>) of the coordinates x_n, hE_x(Y_i), hI_x(Y_i).</remarks>
internal sealed class StageAlgebra
{
    private readonly Scheme _s;
    private readonly CancellationToken _ct;
    private readonly int _stages;
    private readonly List<string> _vars;
    private readonly int _nv;
    private readonly bool[,] _needE, _needI, _needStage;
    private readonly bool[] _gradientStage;
    private readonly HashSet<int> _pointVars = new();
    private readonly List<int> _g = new();
    private readonly Dictionary<int, List<int>> _stageOrder = new();

    private StageAlgebra(Scheme scheme, CancellationToken ct)
    {
        _s = scheme;
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

    /// <summary>Derives the needs of <paramref name="scheme"/>, its gradient stages and first same as last, and checks
    /// that a step can begin at the state itself and that its implicit terms can be solved in some order.</summary>
    /// <exception cref="PlannerError">No stage needs a gradient (NoGradientUsed), the first gradient point is not
    /// the state (UnsupportedFirstPoint), or the implicit terms of a stage read each other in a cycle (CyclicImplicit).</exception>
    public static StageAlgebra Analyze(Scheme scheme, CancellationToken ct)
    {
        var a = new StageAlgebra(scheme, ct);
        a.ComputeNeeds();
        for (int l = 0; l < a._stages; l++) if (a._gradientStage[l]) a._g.Add(l);
        var model = scheme.Model;
        if (a._g.Count == 0)
            throw new PlannerError(DiagnosticInfo.Create(DiagnosticDescriptors.NoGradientUsed, model.Location, model.Name));

        // The first gradient point of a step must be the state itself (theta + sum c_x x at x_n).
        foreach (int x in a._pointVars)
        {
            if (!a.StageFull(x, a._g[0], 0).Equals(Functional.Base(0)))
                throw new PlannerError(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedFirstPoint, model.Explicit?.Location ?? model.Location,
                    "The gradient point of stage " + (a._g[0] + 1) + ", the first stage that needs a gradient, depends on '" + a._vars[x] +
                    "' after an implicit or explicit update within the step (its row of the tableaux is not zero there); OdeOpt needs the first gradient of a step at the state itself. Use a tableau whose first gradient stage has a zero row for " + a._vars[x] + "."));
        }

        int k = a._g.Count;
        a.FirstSameAsLast = k >= 2 && a._pointVars.All(x => a.StageFull(x, a._g[k - 1], 0).Equals(a.Final(x, 0)));

        a.CheckStageDependencies();
        return a;
    }

    public Scheme Scheme => _s;

    /// <summary>s.</summary>
    public int Stages => _stages;

    /// <summary>theta first, then the other state variables; a variable is its index here.</summary>
    public List<string> Variables => _vars;

    public int VariableCount => _nv;

    /// <summary>The 0-based stages that need a gradient, ascending: the gradient evaluations of a step.</summary>
    public IReadOnlyList<int> GradientStages => _g;

    /// <summary>Whether the last gradient of a step is taken at the next step's first gradient point.</summary>
    public bool FirstSameAsLast { get; private set; }

    /// <summary>The variables of the gradient point theta + sum c_x x: theta and those with a look-ahead coefficient.</summary>
    public IReadOnlyCollection<int> PointVariables => _pointVars;

    public bool IsPointVariable(int x) => _pointVars.Contains(x);

    /// <summary>Whether the step needs hE_x(Y_l).</summary>
    public bool NeedsExplicit(int l, int x) => _needE[l, x];

    /// <summary>Whether the step needs hI_x(Y_l).</summary>
    public bool NeedsImplicit(int l, int x) => _needI[l, x];

    /// <summary>Whether the step needs the stage value X_l of x.</summary>
    public bool NeedsStage(int l, int x) => _needStage[l, x];

    public bool HasE(int x) => _s.Explicit.ContainsKey(_vars[x]);
    public bool HasI(int x) => _s.Implicit.ContainsKey(_vars[x]);
    public Expr? E(int x) => _s.Explicit.TryGetValue(_vars[x], out var e) ? e : null;
    public Expr? I(int x) => _s.Implicit.TryGetValue(_vars[x], out var e) ? e : null;
    /// <summary>Whether the body reads the stage value of <paramref name="name"/>, itself or through a [Reduction].</summary>
    public bool ReadsState(Expr body, string name) => Reductions.ReadsState(_s, body, name);
    /// <summary>Whether the body reads the gradient, itself or through a [Reduction].</summary>
    public bool ReadsGradient(Expr body) => Reductions.ReadsGradient(_s, body);

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

    /// <summary>X_l of x without its diagonal implicit term: x_n + sum_{i&lt;l} (A_li hE + Ah_li hI).</summary>
    public Functional StageR(int x, int l, int step)
    {
        var f = Functional.Base(step);
        for (int i = 0; i < l; i++)
        {
            if (HasE(x)) f.Add(K(step, i), _s.A[l, i]);
            if (HasI(x)) f.Add(L(step, i), _s.Ah[l, i]);
        }
        return f;
    }

    /// <summary>X_l of x: <see cref="StageR"/> plus Ah_ll hI_x(Y_l).</summary>
    public Functional StageFull(int x, int l, int step)
    {
        var f = StageR(x, l, step);
        if (HasI(x)) f.Add(L(step, l), _s.Ah[l, l]);
        return f;
    }

    /// <summary>x_{n+1}.</summary>
    public Functional Final(int x, int step)
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

    /// <summary>Variables whose stage values are needed at stage l, in an order in which each diagonally
    /// implicit term finds the stage values it reads already solved.</summary>
    public List<int> StageOrder(int l) => _stageOrder[l];

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
                    // A reduction over x read by x's own diagonal implicit term: X_l would be needed to compute itself.
                    foreach (var r in Reductions.ReadBy(_s, I(x)!))
                        if (X.Reads(r.Body, Binding.State, _vars[x]))
                            throw Reductions.Unsupported(_s, r.Name, "the implicit part of '" + _vars[x] + "' reads it at stage " + (l + 1) + ", where the tableau's diagonal entry is not zero, and it reads '" + _vars[x] +
                                "' itself: the stage value of '" + _vars[x] + "' would be needed to compute itself (it is solved in closed form only when affine in itself). Reduce over values the stage has already solved, or read it from an explicit part");
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
}
