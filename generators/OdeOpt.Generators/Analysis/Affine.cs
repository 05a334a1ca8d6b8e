using System;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Analysis;

/// <summary>Writes an expression as alpha * x + beta with alpha and beta free of x, when it is affine in x.</summary>
internal static class Affine
{
    // Coefficients are built symbolically; a zero coefficient stays zero (it stands for "absent", not for 0 * value).
    private static Expr Scale(Expr coefficient, Expr factor) => X.IsConst(coefficient, 0) ? coefficient : X.Mul(coefficient, factor);

    public static bool TryDecompose(Expr e, Func<RefExpr, bool> isX, out Expr alpha, out Expr beta, out string reason)
    {
        alpha = X.Zero;
        beta = e;
        reason = "";
        if (!X.Any(e, isX)) return true;
        switch (e)
        {
            case RefExpr:
                alpha = X.One;
                beta = X.Zero;
                return true;
            case UnaryExpr { Op: UnaryOp.Negate } u:
                if (!TryDecompose(u.Operand, isX, out var a, out var b, out reason)) return false;
                alpha = X.Neg(a);
                beta = X.Neg(b);
                return true;
            case BinaryExpr { Op: BinaryOp.Add or BinaryOp.Subtract } s:
            {
                if (!TryDecompose(s.Left, isX, out var al, out var bl, out reason)) return false;
                if (!TryDecompose(s.Right, isX, out var ar, out var br, out reason)) return false;
                alpha = s.Op == BinaryOp.Add ? X.Add(al, ar) : X.Sub(al, ar);
                beta = s.Op == BinaryOp.Add ? X.Add(bl, br) : X.Sub(bl, br);
                return true;
            }
            case BinaryExpr { Op: BinaryOp.Multiply } m:
            {
                bool l = X.Any(m.Left, isX), r = X.Any(m.Right, isX);
                if (l && r) { reason = "a product of two factors that both contain it"; return false; }
                var (inner, factor) = l ? (m.Left, m.Right) : (m.Right, m.Left);
                if (!TryDecompose(inner, isX, out var ai, out var bi, out reason)) return false;
                alpha = Scale(ai, factor);
                beta = Scale(bi, factor);
                return true;
            }
            case BinaryExpr { Op: BinaryOp.Divide } d:
            {
                if (X.Any(d.Right, isX)) { reason = "it appears in a denominator"; return false; }
                if (!TryDecompose(d.Left, isX, out var ad, out var bd, out reason)) return false;
                alpha = X.IsConst(ad, 0) ? ad : X.Div(ad, d.Right);
                beta = X.IsConst(bd, 0) ? bd : X.Div(bd, d.Right);
                return true;
            }
            case CallExpr { Function: MathFunction.FusedMultiplyAdd } f:
                return TryDecompose(X.Add(X.Mul(f.Args[0], f.Args[1]), f.Args[2]), isX, out alpha, out beta, out reason);
            case CallExpr c:
                reason = "it appears inside MathF." + c.Function;
                return false;
            case ConditionalExpr:
                reason = "it appears in a conditional expression";
                return false;
            default:
                reason = "it appears in '" + e + "'";
                return false;
        }
    }
}
