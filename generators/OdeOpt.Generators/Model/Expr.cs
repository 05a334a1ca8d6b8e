using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace OdeOpt.Generators.Model;

/// <summary>What a reference in an expression denotes.</summary>
internal enum Binding
{
    /// <summary>A state variable (theta, m, v, ...) at the stage where the body is evaluated.</summary>
    State,
    /// <summary>The gradient g at the stage's parameter point.</summary>
    Gradient,
    /// <summary>A hyperparameter, by its camelCase name.</summary>
    Hyper,
    /// <summary>The step size h.</summary>
    StepSize,
    /// <summary>The 1-based step index t.</summary>
    StepIndex,
    /// <summary>A per-element local of a kernel (planner output only).</summary>
    Local,
    /// <summary>A hoisted per-step uniform of the step being begun or continued (planner output only).</summary>
    Uniform,
    /// <summary>A hoisted uniform of the previous step, used to finish a pipelined step (planner output only).</summary>
    PrevUniform,
    /// <summary>A hoisted uniform of the next step, used to write its first gradient point (planner output only).</summary>
    NextUniform,
    /// <summary>A per-step scalar ([StepScalar]): its value at the step being computed (uniform).</summary>
    StepScalar,
    /// <summary>A [Reduction] read by a body (per group and stage); in planned kernels, its per-segment value at one
    /// stage, by the uniforms field the reduction pass fills (never hoisted into the per-step uniforms).</summary>
    Reduction,
}

internal enum UnaryOp { Negate, Not }

internal enum BinaryOp { Add, Subtract, Multiply, Divide, Less, LessOrEqual, Greater, GreaterOrEqual, Equal, NotEqual, And, Or }

internal enum MathFunction { Sqrt, Abs, Max, Min, Exp, Log, Pow, Sign, FusedMultiplyAdd }

/// <summary>The expression IR of right-hand-side bodies and of planned kernels. Immutable, with
/// structural equality, and free of Roslyn objects.</summary>
internal abstract record Expr
{
    public abstract override string ToString();
}

internal sealed record ConstExpr(double Value) : Expr
{
    public override string ToString() => Value.ToString("R", CultureInfo.InvariantCulture);
}

internal sealed record RefExpr(Binding Kind, string Name) : Expr
{
    public override string ToString() => Kind switch
    {
        Binding.PrevUniform => "prev." + Name,
        Binding.NextUniform => "next." + Name,
        Binding.Uniform => "u." + Name,
        _ => Name,
    };
}

internal sealed record UnaryExpr(UnaryOp Op, Expr Operand) : Expr
{
    public override string ToString() => (Op == UnaryOp.Negate ? "-" : "!") + ExprText.Wrap(Operand);
}

internal sealed record BinaryExpr(BinaryOp Op, Expr Left, Expr Right) : Expr
{
    public override string ToString() => ExprText.Wrap(Left) + " " + ExprText.Symbol(Op) + " " + ExprText.Wrap(Right);
}

internal sealed record CallExpr(MathFunction Function, EquatableArray<Expr> Args) : Expr
{
    public override string ToString() => "MathF." + Function + "(" + string.Join(", ", Args.Select(a => a.ToString())) + ")";
}

internal sealed record ConditionalExpr(Expr Condition, Expr WhenTrue, Expr WhenFalse) : Expr
{
    public override string ToString() => ExprText.Wrap(Condition) + " ? " + ExprText.Wrap(WhenTrue) + " : " + ExprText.Wrap(WhenFalse);
}

internal static class ExprText
{
    public static string Wrap(Expr e) => e is ConstExpr c && c.Value >= 0 || e is RefExpr || e is CallExpr ? e.ToString() : "(" + e + ")";

    public static string Symbol(BinaryOp op) => op switch
    {
        BinaryOp.Add => "+",
        BinaryOp.Subtract => "-",
        BinaryOp.Multiply => "*",
        BinaryOp.Divide => "/",
        BinaryOp.Less => "<",
        BinaryOp.LessOrEqual => "<=",
        BinaryOp.Greater => ">",
        BinaryOp.GreaterOrEqual => ">=",
        BinaryOp.Equal => "==",
        BinaryOp.NotEqual => "!=",
        BinaryOp.And => "&&",
        _ => "||",
    };

    public static bool IsComparison(BinaryOp op) => op >= BinaryOp.Less && op <= BinaryOp.NotEqual;
    public static bool IsLogical(BinaryOp op) => op == BinaryOp.And || op == BinaryOp.Or;

    public static int Arity(MathFunction f) => f switch
    {
        MathFunction.Max or MathFunction.Min or MathFunction.Pow => 2,
        MathFunction.FusedMultiplyAdd => 3,
        _ => 1,
    };
}

/// <summary>Smart constructors (with exact constant folding of trivial cases) and traversals.</summary>
internal static class X
{
    public static readonly ConstExpr Zero = new(0);
    public static readonly ConstExpr One = new(1);

    public static Expr C(double value) => new ConstExpr(value);
    public static Expr Ref(Binding kind, string name) => new RefExpr(kind, name);
    public static Expr Local(string name) => new RefExpr(Binding.Local, name);

    public static bool IsConst(Expr e, double value) => e is ConstExpr c && c.Value.Equals(value);

    public static Expr Add(Expr a, Expr b)
    {
        if (IsConst(a, 0)) return b;
        if (IsConst(b, 0)) return a;
        if (b is UnaryExpr { Op: UnaryOp.Negate } nb) return Sub(a, nb.Operand);
        return new BinaryExpr(BinaryOp.Add, a, b);
    }

    public static Expr Sub(Expr a, Expr b)
    {
        if (IsConst(b, 0)) return a;
        if (IsConst(a, 0)) return Neg(b);
        return new BinaryExpr(BinaryOp.Subtract, a, b);
    }

    public static Expr Mul(Expr a, Expr b)
    {
        if (IsConst(a, 1)) return b;
        if (IsConst(b, 1)) return a;
        if (IsConst(a, -1)) return Neg(b);
        if (IsConst(b, -1)) return Neg(a);
        if (a is ConstExpr ca && b is ConstExpr cb) return C(ca.Value * cb.Value);
        return new BinaryExpr(BinaryOp.Multiply, a, b);
    }

    public static Expr Div(Expr a, Expr b)
    {
        if (IsConst(b, 1)) return a;
        return new BinaryExpr(BinaryOp.Divide, a, b);
    }

    public static Expr Neg(Expr a)
    {
        if (a is ConstExpr c) return C(-c.Value);
        if (a is UnaryExpr { Op: UnaryOp.Negate } n) return n.Operand;
        return new UnaryExpr(UnaryOp.Negate, a);
    }

    /// <summary>True when the expression reads nothing that varies per element (no state, gradient or local).</summary>
    public static bool IsUniform(Expr e) => !Any(e, r => r.Kind is Binding.State or Binding.Gradient or Binding.Local or Binding.Reduction);

    public static bool Any(Expr e, Func<RefExpr, bool> predicate) => e switch
    {
        RefExpr r => predicate(r),
        UnaryExpr u => Any(u.Operand, predicate),
        BinaryExpr b => Any(b.Left, predicate) || Any(b.Right, predicate),
        CallExpr c => c.Args.Any(a => Any(a, predicate)),
        ConditionalExpr q => Any(q.Condition, predicate) || Any(q.WhenTrue, predicate) || Any(q.WhenFalse, predicate),
        _ => false,
    };

    public static bool Reads(Expr e, Binding kind, string name) => Any(e, r => r.Kind == kind && r.Name == name);

    public static IEnumerable<RefExpr> Refs(Expr e)
    {
        var seen = new HashSet<RefExpr>();
        var stack = new Stack<Expr>();
        stack.Push(e);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            switch (node)
            {
                case RefExpr r:
                    if (seen.Add(r)) yield return r;
                    break;
                case UnaryExpr u: stack.Push(u.Operand); break;
                case BinaryExpr b: stack.Push(b.Right); stack.Push(b.Left); break;
                case CallExpr c: for (int i = c.Args.Count - 1; i >= 0; i--) stack.Push(c.Args[i]); break;
                case ConditionalExpr q: stack.Push(q.WhenFalse); stack.Push(q.WhenTrue); stack.Push(q.Condition); break;
            }
        }
    }

    /// <summary>Rebuilds the tree bottom-up, replacing references through <paramref name="map"/> (null keeps the node).</summary>
    public static Expr Substitute(Expr e, Func<RefExpr, Expr?> map) => e switch
    {
        RefExpr r => map(r) ?? r,
        UnaryExpr u => u.Op == UnaryOp.Negate ? Neg(Substitute(u.Operand, map)) : new UnaryExpr(u.Op, Substitute(u.Operand, map)),
        BinaryExpr b => Rebuild(b.Op, Substitute(b.Left, map), Substitute(b.Right, map)),
        CallExpr c => new CallExpr(c.Function, c.Args.Select(a => Substitute(a, map)).ToEquatableArray()),
        ConditionalExpr q => new ConditionalExpr(Substitute(q.Condition, map), Substitute(q.WhenTrue, map), Substitute(q.WhenFalse, map)),
        _ => e,
    };

    public static Expr Rebuild(BinaryOp op, Expr l, Expr r) => op switch
    {
        BinaryOp.Add => Add(l, r),
        BinaryOp.Subtract => Sub(l, r),
        BinaryOp.Multiply => Mul(l, r),
        BinaryOp.Divide => Div(l, r),
        _ => new BinaryExpr(op, l, r),
    };

    public static int Size(Expr e) => e switch
    {
        UnaryExpr u => 1 + Size(u.Operand),
        BinaryExpr b => 1 + Size(b.Left) + Size(b.Right),
        CallExpr c => 1 + c.Args.Sum(Size),
        ConditionalExpr q => 1 + Size(q.Condition) + Size(q.WhenTrue) + Size(q.WhenFalse),
        _ => 1,
    };
}
