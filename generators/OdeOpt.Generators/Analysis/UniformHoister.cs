// Hoisting of step-uniform sub-expressions: the plan's table of per-step uniforms (U0, U1, ... in the order the passes
// first use them, one per distinct definition), the rewriting of per-element code to read them, the step tags
// ("prev."/"next.") by which a pass names the uniforms of a neighbouring step, and the split of a value into a
// step-uniform scale and a per-element rest.
using System;
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Analysis;

/// <summary>The per-step uniforms of one plan, shared by all its passes.</summary>
internal sealed class UniformHoister
{
    private readonly List<UniformPlan> _uniforms = new();
    private readonly Dictionary<Expr, string> _uniformByDefinition = new();

    /// <summary>Prefix of a hyperparameter, h or t reference that belongs to the previous step.</summary>
    public const string PrevPrefix = "prev.";

    /// <summary>Prefix of a hyperparameter, h or t reference that belongs to the next step.</summary>
    public const string NextPrefix = "next.";

    /// <summary>The uniforms hoisted so far, in the order of their names.</summary>
    public IReadOnlyList<UniformPlan> Uniforms => _uniforms;

    /// <summary>Replaces every maximal sub-expression that reads no per-element value by a per-step uniform.</summary>
    public Expr Hoist(Expr e)
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
    public static (Expr Scale, Expr Remainder) ExtractScale(Expr e)
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
}
