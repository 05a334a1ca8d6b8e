using System;
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Analysis;

/// <summary>
/// Two rewrites of the planned passes that change no result:
/// <list type="number">
/// <item><b>Flag variants.</b> A flag (a bool hyperparameter) reaches the element loop as a per-step uniform compared with
/// 0. For a pass that reads up to <see cref="MaxFlags"/> flags, one body per assignment of them is derived: conditions
/// folded, and a state array the assignment leaves unchanged (AMSGrad's running maximum while AMSGrad is off) neither
/// loaded nor stored. The runtime picks the variant from the step's uniforms, so an option that is off costs no memory
/// traffic. The unspecialized body is kept (it is what every variant computes).</item>
/// <item><b>Common subexpressions</b> (numeric ones, of at least three nodes) are computed once per element and bound to a
/// local, as a careful hand-written kernel would.</item>
/// </list>
/// Bytes per parameter per step are recomputed for the flags' default values.
/// </summary>
internal static class KernelSpecializer
{
    /// <summary>Passes reading more flags than this keep one body (2^MaxFlags variants at most).</summary>
    public const int MaxFlags = 4;

    private static readonly Expr True = new BinaryExpr(BinaryOp.Equal, X.Zero, X.Zero);
    private static readonly Expr False = new BinaryExpr(BinaryOp.NotEqual, X.Zero, X.Zero);

    public static OptimizerPlan Apply(OptimizerPlan plan)
    {
        var flagNames = new HashSet<string>(plan.Model.Hyperparameters.Where(h => h.IsFlag).Select(h => h.ParameterName));
        var flagOf = new Dictionary<string, string>();
        foreach (var u in plan.Uniforms)
            if (u.Definition is RefExpr { Kind: Binding.Hyper } r && flagNames.Contains(r.Name)) flagOf[u.Name] = r.Name;

        var kernels = new List<KernelPlan>();
        foreach (var kernel in plan.Kernels)
        {
            var baseKernel = Cse(kernel.Loads, kernel.Statements, kernel.Stores);
            var tests = kernel.Statements.SelectMany(s => X.Refs(s.Value))
                .Where(r => r.Kind is Binding.Uniform or Binding.PrevUniform or Binding.NextUniform && flagOf.ContainsKey(r.Name))
                .Distinct().OrderBy(r => r.Kind).ThenBy(r => r.Name, StringComparer.Ordinal)
                .Select(r => new FlagTest(r.Kind, r.Name, flagOf[r.Name])).ToList();
            if (tests.Count == 0 || tests.Count > MaxFlags)
            {
                kernels.Add(kernel with { Loads = baseKernel.Loads, Statements = baseKernel.Statements, Stores = baseKernel.Stores });
                continue;
            }
            var variants = new List<KernelVariant>();
            for (int key = 0; key < 1 << tests.Count; key++)
            {
                var assignment = new Dictionary<(Binding, string), bool>();
                for (int i = 0; i < tests.Count; i++) assignment[(tests[i].Kind, tests[i].Uniform)] = (key >> i & 1) == 1;
                var specialized = Specialize(kernel, assignment);
                var body = Cse(specialized.Loads, specialized.Statements, specialized.Stores);
                variants.Add(new KernelVariant(key, body.Loads, body.Statements, body.Stores));
            }
            kernels.Add(kernel with
            {
                Loads = baseKernel.Loads, Statements = baseKernel.Statements, Stores = baseKernel.Stores,
                Flags = tests.ToEquatableArray(), Variants = variants.ToEquatableArray(),
            });
        }

        int bytes = plan.Cycle.Sum(c => 4 * Traffic(kernels[c], plan.Model));
        return plan with { Kernels = kernels.ToEquatableArray(), BytesPerParameter = bytes };
    }

    /// <summary>Loads plus stores of the variant for the flags' default values (of the body without variants).</summary>
    private static int Traffic(KernelPlan kernel, OptimizerModel model)
    {
        if (kernel.Variants.Count == 0) return kernel.Loads.Count + kernel.Stores.Count;
        var variant = kernel.Variants[DefaultKey(kernel, model)];
        return variant.Loads.Count + variant.Stores.Count;
    }

    public static int DefaultKey(KernelPlan kernel, OptimizerModel model)
    {
        int key = 0;
        for (int i = 0; i < kernel.Flags.Count; i++)
        {
            var flag = model.Hyperparameters.FirstOrDefault(h => h.ParameterName == kernel.Flags[i].Flag);
            if (flag is not null && flag.DefaultValue != 0) key |= 1 << i;
        }
        return key;
    }

    // ------------------------------------------------------------------ specialization

    private static (EquatableArray<KernelLoad> Loads, EquatableArray<KernelStatement> Statements, EquatableArray<KernelStore> Stores) Specialize(
        KernelPlan kernel, Dictionary<(Binding, string), bool> assignment)
    {
        var alias = new Dictionary<string, Expr>();
        var statements = new List<KernelStatement>();
        foreach (var st in kernel.Statements)
        {
            var value = Fold(X.Substitute(st.Value, r =>
                r.Kind == Binding.Local && alias.TryGetValue(r.Name, out var a) ? a
                : assignment.TryGetValue((r.Kind, r.Name), out bool v) ? (v ? X.One : X.Zero)
                : null));
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
