using System.Collections.Generic;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Analysis;

/// <summary>
/// Multiplies a per-step scale by the step size h, cancelling a division by h. A right-hand side written in the ODE
/// form <c>(1 - beta1) / h * (g - m)</c> enters the step as <c>h * ((1 - beta1) / h)</c>; computed literally that is
/// NaN at h = 0 (a learning-rate warm-up that starts at 0), while the scheme itself is well defined there. Cancelling
/// h / h symbolically gives <c>1 - beta1</c>: exact at h = 0 and one rounding fewer elsewhere.
/// </summary>
internal static class StepSizeAlgebra
{
    /// <summary>h * scale, with one factor 1/h of <paramref name="scale"/> cancelled when there is one.</summary>
    public static Expr Times(Expr h, Expr scale)
    {
        var numerator = new List<Expr>();
        var denominator = new List<Expr>();
        bool negative = Flatten(scale, numerator, denominator, inverted: false);
        int at = denominator.FindIndex(d => d.Equals(h));
        if (at < 0) return X.Mul(h, scale);
        denominator.RemoveAt(at);
        Expr result = X.One;
        foreach (var f in numerator) result = X.Mul(result, f);
        foreach (var d in denominator) result = X.Div(result, d);
        return negative ? X.Neg(result) : result;
    }

    /// <summary>Splits a product/quotient tree into numerator and denominator factors; returns the sign (true: negative).</summary>
    private static bool Flatten(Expr e, List<Expr> numerator, List<Expr> denominator, bool inverted)
    {
        switch (e)
        {
            case UnaryExpr { Op: UnaryOp.Negate } n:
                return !Flatten(n.Operand, numerator, denominator, inverted);
            case BinaryExpr { Op: BinaryOp.Multiply } m:
                return Flatten(m.Left, numerator, denominator, inverted) ^ Flatten(m.Right, numerator, denominator, inverted);
            case BinaryExpr { Op: BinaryOp.Divide } d:
                return Flatten(d.Left, numerator, denominator, inverted) ^ Flatten(d.Right, numerator, denominator, !inverted);
            default:
                if (X.IsConst(e, 1)) return false;
                (inverted ? denominator : numerator).Add(e);
                return false;
        }
    }
}
