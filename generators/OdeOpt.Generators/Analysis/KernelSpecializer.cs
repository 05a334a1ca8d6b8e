using System;
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Analysis;

/// <summary>
/// Two rewrites of the planned passes that change no result:
/// <list type="number">
/// <item><b>Per-step conditions.</b> A comparison between per-step values only (a flag against 0, <c>t == 1</c>,
/// <c>momentum &gt; 0</c>, RAdam's <c>rho_t &gt; 5</c>) has one value for all elements of a step. For a pass that makes up to
/// <see cref="MaxConditions"/> of them, one body per assignment is derived: the conditions folded, and a state array the
/// assignment leaves unchanged (AMSGrad's running maximum while AMSGrad is off, SGD's buffer without momentum) neither
/// loaded nor stored. The generated pass evaluates the conditions once per call and runs the matching body, so an option
/// that is off costs no memory traffic and no per-element select. The unspecialized body is kept (every variant computes
/// what it computes).</item>
/// <item><b>Common subexpressions</b> (numeric ones, of at least three nodes) are computed once per element and bound to a
/// local, as a careful hand-written kernel would.</item>
/// </list>
/// Bytes per parameter per step are recomputed for a steady step (t = 10^6) with default hyperparameters.
/// </summary>
internal static class KernelSpecializer
{
    /// <summary>Passes testing more conditions than this keep one body (2^MaxConditions variants at most).</summary>
    public const int MaxConditions = 5;

    /// <summary>The step index at which the default variant is chosen for <see cref="OptimizerPlan.BytesPerParameter"/>.</summary>
    private const double SteadyStep = 1e6;

    private static readonly Expr True = new BinaryExpr(BinaryOp.Equal, X.Zero, X.Zero);
    private static readonly Expr False = new BinaryExpr(BinaryOp.NotEqual, X.Zero, X.Zero);

    public static OptimizerPlan Apply(OptimizerPlan plan)
    {
        var definitions = plan.Uniforms.ToDictionary(u => u.Name, u => u.Definition);
        var kernels = new List<KernelPlan>();
        foreach (var kernel in plan.Kernels)
        {
            var baseKernel = Cse(kernel.Loads, kernel.Statements, kernel.Stores);
            var conditions = new List<Expr>();
            foreach (var st in kernel.Statements) CollectConditions(st.Value, conditions);
            // A pass with a reduction pass keeps one body: the reduction pass reads what the unspecialized body loads.
            if (conditions.Count == 0 || conditions.Count > MaxConditions || kernel.Reduce is not null)
            {
                kernels.Add(kernel with { Loads = baseKernel.Loads, Statements = baseKernel.Statements, Stores = baseKernel.Stores });
                continue;
            }
            var variants = new List<KernelVariant>();
            for (int key = 0; key < 1 << conditions.Count; key++)
            {
                var assignment = new Dictionary<Expr, bool>();
                for (int i = 0; i < conditions.Count; i++) assignment[conditions[i]] = (key >> i & 1) == 1;
                var specialized = Specialize(kernel, assignment);
                var body = Cse(specialized.Loads, specialized.Statements, specialized.Stores);
                variants.Add(new KernelVariant(key, body.Loads, body.Statements, body.Stores));
            }
            kernels.Add(kernel with
            {
                Loads = baseKernel.Loads, Statements = baseKernel.Statements, Stores = baseKernel.Stores,
                Conditions = conditions.Select(c => new StepCondition(c, Describe(c, definitions))).ToEquatableArray(),
                Variants = variants.ToEquatableArray(),
            });
        }

        int bytes = plan.Cycle.Sum(c => 4 * Traffic(kernels[c], plan.Model, definitions));
        return plan with { Kernels = kernels.ToEquatableArray(), BytesPerParameter = bytes };
    }

    /// <summary>Comparisons whose operands are per-step values and constants, in order of appearance.</summary>
    private static void CollectConditions(Expr e, List<Expr> found)
    {
        switch (e)
        {
            case BinaryExpr b when ExprText.IsComparison(b.Op):
                if (X.IsUniform(b))
                {
                    var atom = Canonical(b);
                    if (!found.Contains(atom)) found.Add(atom);
                }
                else { CollectConditions(b.Left, found); CollectConditions(b.Right, found); }
                break;
            case BinaryExpr b: CollectConditions(b.Left, found); CollectConditions(b.Right, found); break;
            case UnaryExpr u: CollectConditions(u.Operand, found); break;
            case CallExpr c: foreach (var a in c.Args) CollectConditions(a, found); break;
            case ConditionalExpr q: CollectConditions(q.Condition, found); CollectConditions(q.WhenTrue, found); CollectConditions(q.WhenFalse, found); break;
        }
    }

    /// <summary>x != y is decided with x == y (one condition, not two).</summary>
    private static Expr Canonical(BinaryExpr b) => b.Op == BinaryOp.NotEqual ? new BinaryExpr(BinaryOp.Equal, b.Left, b.Right) : b;

    private static string Describe(Expr condition, Dictionary<string, Expr> definitions) =>
        X.Substitute(condition, r => r.Kind is Binding.Uniform or Binding.PrevUniform or Binding.NextUniform && definitions.TryGetValue(r.Name, out var d)
            ? (r.Kind == Binding.Uniform ? d : X.Substitute(d, q => new RefExpr(q.Kind, (r.Kind == Binding.PrevUniform ? "prev." : "next.") + q.Name)))
            : null).ToString();

    /// <summary>Loads plus stores in a steady step with default hyperparameters (the largest variant's when that cannot be
    /// decided, for example a condition on a step scalar).</summary>
    private static int Traffic(KernelPlan kernel, OptimizerModel model, Dictionary<string, Expr> definitions)
    {
        if (kernel.Variants.Count == 0) return kernel.Loads.Count + kernel.Stores.Count + (kernel.Reduce?.Loads.Count ?? 0);
        int? key = DefaultKey(kernel, model, definitions);
        if (key is int k) return kernel.Variants[k].Loads.Count + kernel.Variants[k].Stores.Count;
        return kernel.Variants.Max(v => v.Loads.Count + v.Stores.Count);
    }

    private static int? DefaultKey(KernelPlan kernel, OptimizerModel model, Dictionary<string, Expr> definitions)
    {
        double? Value(RefExpr r) => r.Kind switch
        {
            Binding.Uniform or Binding.PrevUniform or Binding.NextUniform => definitions.TryGetValue(r.Name, out var d) ? Evaluate(d, Value) : null,
            Binding.Hyper => model.Hyperparameters.FirstOrDefault(h => h.ParameterName == r.Name)?.DefaultValue,
            Binding.StepSize => model.Hyperparameters.FirstOrDefault(h => h.IsStepSize)?.DefaultValue ?? 1,
            Binding.StepIndex => SteadyStep,
            _ => null,
        };
        int key = 0;
        for (int i = 0; i < kernel.Conditions.Count; i++)
        {
            if (kernel.Conditions[i].Condition is not BinaryExpr b) return null;
            double? l = Evaluate(b.Left, Value), r = Evaluate(b.Right, Value);
            if (l is null || r is null) return null;
            bool? holds = AsBool(new BinaryExpr(b.Op, X.C(l.Value), X.C(r.Value)));
            if (holds is null) return null;
            if (holds.Value) key |= 1 << i;
        }
        return key;
    }

    /// <summary>A per-step value in double precision, as the generated ComputeUniforms computes it; null when it reads
    /// something not known at compile time.</summary>
    private static double? Evaluate(Expr e, Func<RefExpr, double?> value)
    {
        switch (e)
        {
            case ConstExpr c: return c.Value;
            case RefExpr r: return value(r);
            case UnaryExpr { Op: UnaryOp.Negate } n: return -Evaluate(n.Operand, value);
            case BinaryExpr b when !ExprText.IsComparison(b.Op) && !ExprText.IsLogical(b.Op):
            {
                double? l = Evaluate(b.Left, value), r = Evaluate(b.Right, value);
                if (l is null || r is null) return null;
                return b.Op switch { BinaryOp.Add => l + r, BinaryOp.Subtract => l - r, BinaryOp.Multiply => l * r, _ => l / r };
            }
            case CallExpr c:
            {
                var args = c.Args.Select(a => Evaluate(a, value)).ToArray();
                if (args.Any(a => a is null)) return null;
                double x = args[0]!.Value;
                return c.Function switch
                {
                    MathFunction.Sqrt => Math.Sqrt(x),
                    MathFunction.Abs => Math.Abs(x),
                    MathFunction.Exp => Math.Exp(x),
                    MathFunction.Log => Math.Log(x),
                    MathFunction.Sign => Math.Sign(x),
                    MathFunction.Max => Math.Max(x, args[1]!.Value),
                    MathFunction.Min => Math.Min(x, args[1]!.Value),
                    MathFunction.Pow => Math.Pow(x, args[1]!.Value),
                    _ => x * args[1]!.Value + args[2]!.Value,
                };
            }
            case ConditionalExpr q when q.Condition is BinaryExpr cb && ExprText.IsComparison(cb.Op):
            {
                double? l = Evaluate(cb.Left, value), r = Evaluate(cb.Right, value);
                if (l is null || r is null) return null;
                bool? holds = AsBool(new BinaryExpr(cb.Op, X.C(l.Value), X.C(r.Value)));
                return holds is null ? null : Evaluate(holds.Value ? q.WhenTrue : q.WhenFalse, value);
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ specialization

    private static (EquatableArray<KernelLoad> Loads, EquatableArray<KernelStatement> Statements, EquatableArray<KernelStore> Stores) Specialize(
        KernelPlan kernel, Dictionary<Expr, bool> assignment)
    {
        var alias = new Dictionary<string, Expr>();
        var statements = new List<KernelStatement>();
        foreach (var st in kernel.Statements)
        {
            var decided = ReplaceConditions(st.Value, assignment);
            var value = Fold(X.Substitute(decided, r => r.Kind == Binding.Local && alias.TryGetValue(r.Name, out var a) ? a : null));
            if (value is RefExpr { Kind: Binding.Local } or ConstExpr) { alias[st.Local] = value; continue; }
            statements.Add(new KernelStatement(st.Local, value));
        }
        var loadedFrom = kernel.Loads.ToDictionary(l => l.Local, l => l.Slot);
        var stores = new List<KernelStore>();
        foreach (var store in kernel.Stores)
        {
            var value = alias.TryGetValue(store.Local, out var a) ? a : X.Local(store.Local);
            // A store of the value just loaded from the same array changes nothing.
            if (value is RefExpr { Kind: Binding.Local } r && loadedFrom.TryGetValue(r.Name, out int slot) && slot == store.Slot) continue;
            if (value is RefExpr local) { stores.Add(new KernelStore(store.Slot, local.Name)); continue; }
            statements.Add(new KernelStatement(store.Local, value)); // a constant to store
            stores.Add(store);
        }
        return Prune(kernel.Loads, statements, stores);
    }

    /// <summary>Drops statements and loads nothing stored depends on.</summary>
    private static (EquatableArray<KernelLoad>, EquatableArray<KernelStatement>, EquatableArray<KernelStore>) Prune(
        IEnumerable<KernelLoad> loads, List<KernelStatement> statements, List<KernelStore> stores)
    {
        var live = new HashSet<string>(stores.Select(s => s.Local));
        var kept = new List<KernelStatement>();
        for (int i = statements.Count - 1; i >= 0; i--)
        {
            if (!live.Contains(statements[i].Local)) continue;
            kept.Add(statements[i]);
            foreach (var r in X.Refs(statements[i].Value)) if (r.Kind == Binding.Local) live.Add(r.Name);
        }
        kept.Reverse();
        return (loads.Where(l => live.Contains(l.Local)).ToEquatableArray(), kept.ToEquatableArray(), stores.ToEquatableArray());
    }

    /// <summary>Replaces each decided condition by a constant true or false.</summary>
    private static Expr ReplaceConditions(Expr e, Dictionary<Expr, bool> assignment)
    {
        if (assignment.TryGetValue(e, out bool v)) return v ? True : False;
        if (e is BinaryExpr { Op: BinaryOp.NotEqual } ne && assignment.TryGetValue(Canonical(ne), out bool eq)) return eq ? False : True;
        return e switch
        {
            UnaryExpr u => new UnaryExpr(u.Op, ReplaceConditions(u.Operand, assignment)),
            BinaryExpr b => new BinaryExpr(b.Op, ReplaceConditions(b.Left, assignment), ReplaceConditions(b.Right, assignment)),
            CallExpr c => new CallExpr(c.Function, c.Args.Select(a => ReplaceConditions(a, assignment)).ToEquatableArray()),
            ConditionalExpr q => new ConditionalExpr(ReplaceConditions(q.Condition, assignment), ReplaceConditions(q.WhenTrue, assignment), ReplaceConditions(q.WhenFalse, assignment)),
            _ => e,
        };
    }

    private static bool? AsBool(Expr e)
    {
        if (e is BinaryExpr { Left: ConstExpr l, Right: ConstExpr r } b && ExprText.IsComparison(b.Op))
        {
            return b.Op switch
            {
                BinaryOp.Less => l.Value < r.Value,
                BinaryOp.LessOrEqual => l.Value <= r.Value,
                BinaryOp.Greater => l.Value > r.Value,
                BinaryOp.GreaterOrEqual => l.Value >= r.Value,
                BinaryOp.Equal => l.Value == r.Value,
                _ => l.Value != r.Value,
            };
        }
        return null;
    }

    /// <summary>Folds what the flag constants decide: conditions, the branches they select, and products with 0 of
    /// per-step values (finite by construction).</summary>
    private static Expr Fold(Expr e)
    {
        switch (e)
        {
            case ConditionalExpr q:
            {
                var condition = Fold(q.Condition);
                if (AsBool(condition) is bool c) return Fold(c ? q.WhenTrue : q.WhenFalse);
                return new ConditionalExpr(condition, Fold(q.WhenTrue), Fold(q.WhenFalse));
            }
            case UnaryExpr { Op: UnaryOp.Not } n:
            {
                var operand = Fold(n.Operand);
                return AsBool(operand) is bool v ? (v ? False : True) : new UnaryExpr(UnaryOp.Not, operand);
            }
            case UnaryExpr { Op: UnaryOp.Negate } n:
                return X.Neg(Fold(n.Operand));
            case BinaryExpr { Op: BinaryOp.And or BinaryOp.Or } b:
            {
                var l = Fold(b.Left);
                var r = Fold(b.Right);
                bool? lv = AsBool(l), rv = AsBool(r);
                if (b.Op == BinaryOp.And)
                {
                    if (lv == false || rv == false) return False;
                    if (lv == true) return r;
                    if (rv == true) return l;
                }
                else
                {
                    if (lv == true || rv == true) return True;
                    if (lv == false) return r;
                    if (rv == false) return l;
                }
                return new BinaryExpr(b.Op, l, r);
            }
            case BinaryExpr b:
            {
                var l = Fold(b.Left);
                var r = Fold(b.Right);
                if (b.Op == BinaryOp.Multiply && (IsZero(l) && X.IsUniform(r) || IsZero(r) && X.IsUniform(l))) return X.Zero;
                if (b.Op == BinaryOp.Divide && IsZero(l) && X.IsUniform(r)) return X.Zero;
                if (b.Op == BinaryOp.Subtract && l.Equals(r) && X.IsUniform(l)) return X.Zero;
                if (l is ConstExpr cl && r is ConstExpr cr && !ExprText.IsComparison(b.Op))
                {
                    switch (b.Op)
                    {
                        case BinaryOp.Add: return X.C(cl.Value + cr.Value);
                        case BinaryOp.Subtract: return X.C(cl.Value - cr.Value);
                        case BinaryOp.Multiply: return X.C(cl.Value * cr.Value);
                    }
                }
                return X.Rebuild(b.Op, l, r);
            }
            case CallExpr c:
                return new CallExpr(c.Function, c.Args.Select(Fold).ToEquatableArray());
            default:
                return e;
        }
    }

    private static bool IsZero(Expr e) => e is ConstExpr c && c.Value == 0;

    // ------------------------------------------------------------------ common subexpressions

    private static (EquatableArray<KernelLoad> Loads, EquatableArray<KernelStatement> Statements, EquatableArray<KernelStore> Stores) Cse(
        IEnumerable<KernelLoad> loads, IEnumerable<KernelStatement> statementsIn, IEnumerable<KernelStore> stores)
    {
        var statements = statementsIn.ToList();
        var names = new HashSet<string>(statements.Select(s => s.Local).Concat(loads.Select(l => l.Local)));
        int next = 0;
        for (int round = 0; round < 64; round++)
        {
            var counts = new Dictionary<Expr, int>();
            foreach (var st in statements) Count(st.Value, counts);
            Expr? best = null;
            int bestGain = 0;
            foreach (var kv in counts)
            {
                if (kv.Value < 2) continue;
                int size = X.Size(kv.Key);
                int gain = (size - 1) * (kv.Value - 1);
                if (gain > bestGain || gain == bestGain && best is not null && size > X.Size(best)) { best = kv.Key; bestGain = gain; }
            }
            if (best is null) break;
            string name;
            do name = "c" + next++; while (!names.Add(name));
            var local = X.Local(name);
            int first = statements.FindIndex(s => Contains(s.Value, best));
            for (int i = first; i < statements.Count; i++)
                statements[i] = new KernelStatement(statements[i].Local, Replace(statements[i].Value, best, local));
            statements.Insert(first, new KernelStatement(name, best));
        }
        return (loads.ToEquatableArray(), statements.ToEquatableArray(), stores.ToEquatableArray());
    }

    /// <summary>Counts numeric subexpressions of three or more nodes (conditions stay where they are: a local holds a
    /// number).</summary>
    private static void Count(Expr e, Dictionary<Expr, int> counts)
    {
        if (e is RefExpr or ConstExpr) return;
        if (!IsBoolean(e) && X.Size(e) >= 3) counts[e] = counts.TryGetValue(e, out int c) ? c + 1 : 1;
        switch (e)
        {
            case UnaryExpr u: Count(u.Operand, counts); break;
            case BinaryExpr b: Count(b.Left, counts); Count(b.Right, counts); break;
            case CallExpr call: foreach (var a in call.Args) Count(a, counts); break;
            case ConditionalExpr q: Count(q.Condition, counts); Count(q.WhenTrue, counts); Count(q.WhenFalse, counts); break;
        }
    }

    private static bool IsBoolean(Expr e) => e is BinaryExpr b && (ExprText.IsComparison(b.Op) || ExprText.IsLogical(b.Op)) || e is UnaryExpr { Op: UnaryOp.Not };

    private static bool Contains(Expr e, Expr part) => e.Equals(part) || e switch
    {
        UnaryExpr u => Contains(u.Operand, part),
        BinaryExpr b => Contains(b.Left, part) || Contains(b.Right, part),
        CallExpr c => c.Args.Any(a => Contains(a, part)),
        ConditionalExpr q => Contains(q.Condition, part) || Contains(q.WhenTrue, part) || Contains(q.WhenFalse, part),
        _ => false,
    };

    /// <summary>Replaces occurrences structurally, without re-simplifying (the arithmetic stays exactly as planned).</summary>
    private static Expr Replace(Expr e, Expr part, Expr with)
    {
        if (e.Equals(part)) return with;
        return e switch
        {
            UnaryExpr u => new UnaryExpr(u.Op, Replace(u.Operand, part, with)),
            BinaryExpr b => new BinaryExpr(b.Op, Replace(b.Left, part, with), Replace(b.Right, part, with)),
            CallExpr c => new CallExpr(c.Function, c.Args.Select(a => Replace(a, part, with)).ToEquatableArray()),
            ConditionalExpr q => new ConditionalExpr(Replace(q.Condition, part, with), Replace(q.WhenTrue, part, with), Replace(q.WhenFalse, part, with)),
            _ => e,
        };
    }
}
