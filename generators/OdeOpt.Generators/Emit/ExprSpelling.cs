// Owns the walk of an expression (Model/Expr.cs) into C# text with the fewest parentheses: C#'s precedence of each
// node, and the hooks a backend overrides to spell a constant, a reference, a function or a whole node its own way.
using System;
using System.Linq;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Emit;

/// <summary>
/// Writes an <see cref="Expr"/> as a C# expression. The default spelling is plain C# (<c>-x</c>, <c>!c</c>,
/// <c>a * b</c>, <c>f(a, b)</c>, <c>c ? a : b</c>), parenthesized only where C#'s precedence needs it; a backend
/// overrides <see cref="Constant"/>, <see cref="Reference"/> and <see cref="Function"/>, or <see cref="Spell"/> for a
/// node it writes differently, and writes sub-expressions through <see cref="Write"/>.
/// </summary>
internal abstract class ExprSpelling
{
    private readonly string _unexpected;

    /// <param name="unexpected">The start of the message for a node the spelling does not take.</param>
    protected ExprSpelling(string unexpected) => _unexpected = unexpected;

    /// <summary><paramref name="e"/> as C#, parenthesized if it binds less tightly than <paramref name="context"/>.</summary>
    public string Write(Expr e, int context = 0)
    {
        string text = Spell(e, out int precedence);
        return precedence < context ? "(" + text + ")" : text;
    }

    /// <summary>The text of <paramref name="e"/> and how tightly it binds (see <see cref="Precedence"/>). Sub-expressions
    /// are written, left to right, through <see cref="Write"/> with the precedence their position needs.</summary>
    protected virtual string Spell(Expr e, out int precedence)
    {
        precedence = Precedence(e);
        switch (e)
        {
            case ConstExpr c: return Constant(c.Value);
            case RefExpr r: return Reference(r);
            case UnaryExpr u: return (u.Op == UnaryOp.Negate ? "-" : "!") + Write(u.Operand, 6);
            case BinaryExpr b: return Write(b.Left, precedence) + " " + ExprText.Symbol(b.Op) + " " + Write(b.Right, precedence + 1);
            case CallExpr c: return Function(c.Function) + "(" + string.Join(", ", c.Args.Select(a => Write(a, 0))) + ")";
            case ConditionalExpr q: return Write(q.Condition, 0) + " ? " + Write(q.WhenTrue, 0) + " : " + Write(q.WhenFalse, 0);
            default: throw Unexpected(e);
        }
    }

    protected virtual string Constant(double value) => Literals.Float(value);

    /// <summary>A local, a uniform, a hyperparameter, h or t, as the backend names it.</summary>
    protected abstract string Reference(RefExpr r);

    protected virtual string Function(MathFunction f) => "global::System.MathF." + f;

    protected Exception Unexpected(Expr e) => new InvalidOperationException(_unexpected + e);

    /// <summary>C#'s precedence of a node: 7 for a primary, 6 for a unary (a negative constant included), 5 and 4 for
    /// the arithmetic operators, 3 to 0 for comparisons, equality, &amp;&amp; and ||, -1 for a conditional.</summary>
    public static int Precedence(Expr e) => e switch
    {
        BinaryExpr { Op: BinaryOp.Add or BinaryOp.Subtract } => 4,
        BinaryExpr { Op: BinaryOp.Multiply or BinaryOp.Divide } => 5,
        BinaryExpr { Op: BinaryOp.Less or BinaryOp.LessOrEqual or BinaryOp.Greater or BinaryOp.GreaterOrEqual } => 3,
        BinaryExpr { Op: BinaryOp.Equal or BinaryOp.NotEqual } => 2,
        BinaryExpr { Op: BinaryOp.And } => 1,
        BinaryExpr { Op: BinaryOp.Or } => 0,
        ConditionalExpr => -1,
        UnaryExpr => 6,
        ConstExpr c when c.Value < 0 => 6,
        _ => 7,
    };
}
