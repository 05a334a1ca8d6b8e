using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Parsing;

/// <summary>
/// Translates a right-hand-side body (the DSL subset of C#) into the expression IR: float arithmetic,
/// unary minus, MathF.Sqrt/Abs/Max/Min/Exp/Log/Pow/Sign/FusedMultiplyAdd, ?: with comparisons, locals and
/// literals. Anything else is reported at its node and translation returns null.
/// </summary>
internal sealed class BodyTranslator
{
    private static readonly Dictionary<string, MathFunction> s_functions = Enum.GetValues(typeof(MathFunction))
        .Cast<MathFunction>().ToDictionary(f => f.ToString(), f => f);

    private const string SupportedCalls = "only MathF.Sqrt, Abs, Max, Min, Exp, Log, Pow, Sign and FusedMultiplyAdd may be called";

    private readonly SemanticModel? _model;
    private readonly IReadOnlyDictionary<string, Expr> _bindings;
    private readonly Dictionary<string, Expr> _locals = new();
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly LocationInfo? _fallbackLocation;
    private bool _failed;

    /// <param name="model">The semantic model, or null for expressions parsed from attribute strings.</param>
    /// <param name="bindings">What each parameter name denotes.</param>
    /// <param name="diagnostics">Where problems are reported.</param>
    /// <param name="fallbackLocation">Location for nodes that are not in a source file (attribute strings).</param>
    public BodyTranslator(SemanticModel? model, IReadOnlyDictionary<string, Expr> bindings, List<DiagnosticInfo> diagnostics, LocationInfo? fallbackLocation = null)
    {
        _model = model;
        _bindings = bindings;
        _diagnostics = diagnostics;
        _fallbackLocation = fallbackLocation;
    }

    /// <summary>Translates an expression-bodied or block-bodied method; null when something is unsupported.</summary>
    public Expr? TranslateMethod(MethodDeclarationSyntax method)
    {
        if (method.ExpressionBody is { } arrow) return Finish(Translate(arrow.Expression));
        if (method.Body is null)
        {
            Report(method, "a method without a body", "give the method a body");
            return null;
        }
        var statements = method.Body.Statements;
        for (int i = 0; i < statements.Count; i++)
        {
            var statement = statements[i];
            switch (statement)
            {
                case LocalDeclarationStatementSyntax local:
                    foreach (var variable in local.Declaration.Variables)
                    {
                        if (variable.Initializer is null)
                        {
                            Report(variable, "a local without an initializer", "initialize every local where it is declared");
                            continue;
                        }
                        string name = variable.Identifier.ValueText;
                        var value = Translate(variable.Initializer.Value);
                        if (value is not null) _locals[name] = value;
                    }
                    break;
                case ReturnStatementSyntax ret when i == statements.Count - 1 && ret.Expression is not null:
                    return Finish(Translate(ret.Expression));
                default:
                    Report(statement, Describe(statement), "a body is a list of local declarations followed by one return");
                    break;
            }
        }
        if (!_failed) Report(method.Body, "a body without a final return", "end the body with 'return <expression>;'");
        return null;
    }

    /// <summary>Translates a standalone expression (for example a [GradientAt] string).</summary>
    public Expr? TranslateExpression(ExpressionSyntax expression) => Finish(Translate(expression));

    private Expr? Finish(Expr? e) => _failed ? null : e;

    private Expr? Translate(ExpressionSyntax node)
    {
        if (_model is not null && node.SyntaxTree == _model.SyntaxTree)
        {
            var constant = _model.GetConstantValue(node);
            if (constant.HasValue && constant.Value is not bool && constant.Value is not string && constant.Value is IConvertible)
            {
                try { return X.C(ToDouble(constant.Value)); }
                catch (Exception) { /* not numeric: fall through */ }
            }
        }

        switch (node)
        {
            case LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.NumericLiteralExpression):
                return X.C(ToDouble(literal.Token.Value!));

            case ParenthesizedExpressionSyntax p:
                return Translate(p.Expression);

            case PrefixUnaryExpressionSyntax u:
            {
                var operand = Translate(u.Operand);
                if (operand is null) return null;
                switch (u.Kind())
                {
                    case SyntaxKind.UnaryMinusExpression: return X.Neg(operand);
                    case SyntaxKind.UnaryPlusExpression: return operand;
                    case SyntaxKind.LogicalNotExpression: return new UnaryExpr(UnaryOp.Not, operand);
                }
                return Report(u, "the operator '" + u.OperatorToken.Text + "'", "use arithmetic, comparisons, && and ||");
            }

            case BinaryExpressionSyntax b:
            {
                BinaryOp? op = b.Kind() switch
                {
                    SyntaxKind.AddExpression => BinaryOp.Add,
                    SyntaxKind.SubtractExpression => BinaryOp.Subtract,
                    SyntaxKind.MultiplyExpression => BinaryOp.Multiply,
                    SyntaxKind.DivideExpression => BinaryOp.Divide,
                    SyntaxKind.LessThanExpression => BinaryOp.Less,
                    SyntaxKind.LessThanOrEqualExpression => BinaryOp.LessOrEqual,
                    SyntaxKind.GreaterThanExpression => BinaryOp.Greater,
                    SyntaxKind.GreaterThanOrEqualExpression => BinaryOp.GreaterOrEqual,
                    SyntaxKind.EqualsExpression => BinaryOp.Equal,
                    SyntaxKind.NotEqualsExpression => BinaryOp.NotEqual,
                    SyntaxKind.LogicalAndExpression => BinaryOp.And,
                    SyntaxKind.LogicalOrExpression => BinaryOp.Or,
                    _ => null,
                };
                if (op is null) return Report(b, "the operator '" + b.OperatorToken.Text + "'", "use + - * /, comparisons, && and ||");
                var left = Translate(b.Left);
                var right = Translate(b.Right);
                if (left is null || right is null) return null;
                return X.Rebuild(op.Value, left, right);
            }

            case IdentifierNameSyntax identifier:
            {
                string name = identifier.Identifier.ValueText;
                if (_locals.TryGetValue(name, out var local)) return local;
                if (_bindings.TryGetValue(name, out var bound)) return bound;
                return Report(identifier, "the name '" + name + "'", "a body may read only its parameters, its locals and constants");
            }

            case InvocationExpressionSyntax invocation:
                return TranslateCall(invocation);

            case ConditionalExpressionSyntax conditional:
            {
                var condition = Translate(conditional.Condition);
                var whenTrue = Translate(conditional.WhenTrue);
                var whenFalse = Translate(conditional.WhenFalse);
                if (condition is null || whenTrue is null || whenFalse is null) return null;
                if (!IsCondition(condition))
                    return Report(conditional.Condition, "this condition", "the condition of ?: must be a comparison, possibly combined with &&, || and !");
                return new ConditionalExpr(condition, whenTrue, whenFalse);
            }

            case CastExpressionSyntax cast when cast.Type is PredefinedTypeSyntax { Keyword.ValueText: "float" }:
                return Translate(cast.Expression);

            case CastExpressionSyntax cast:
                return Report(cast, "a cast to '" + cast.Type + "'", "bodies compute in float; only (float) casts are allowed");
        }
        return Report(node, Describe(node), "bodies may use float arithmetic, unary minus, MathF calls, ?: with comparisons, locals and literals");
    }

    /// <summary>A constant as a double. A float keeps the decimal value it was written as (0.96f is 0.96, not
    /// 0.9599999785...), so that per-step values computed in double see what the author wrote; in the element loop the
    /// constant is rounded to float again, unchanged.</summary>
    private static double ToDouble(object value) => value is float f
        ? double.Parse(f.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture)
        : Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);

    internal static bool IsCondition(Expr e) => e switch
    {
        BinaryExpr b => ExprText.IsComparison(b.Op) || (ExprText.IsLogical(b.Op) && IsCondition(b.Left) && IsCondition(b.Right)),
        UnaryExpr { Op: UnaryOp.Not } n => IsCondition(n.Operand),
        _ => false,
    };

    private Expr? TranslateCall(InvocationExpressionSyntax invocation)
    {
        string? function = null;
        if (_model is not null && _model.GetSymbolInfo(invocation).Symbol is IMethodSymbol method)
        {
            if (method.ContainingType?.ToDisplayString() == "System.MathF") function = method.Name;
            else if (method.ContainingType?.ToDisplayString() == "System.Math")
                return Report(invocation, "Math." + method.Name, "bodies compute in float; use MathF." + method.Name);
        }
        else if (invocation.Expression is MemberAccessExpressionSyntax member)
        {
            string target = member.Expression.ToString();
            if (target == "MathF" || target == "System.MathF") function = member.Name.Identifier.ValueText;
        }

        if (function is null || !s_functions.TryGetValue(function, out var f))
            return Report(invocation, "the call '" + invocation.Expression + "'", SupportedCalls);

        var args = invocation.ArgumentList.Arguments;
        if (args.Count != ExprText.Arity(f))
            return Report(invocation, "MathF." + function + " with " + args.Count + " arguments", "it takes " + ExprText.Arity(f));

        var translated = new List<Expr>();
        foreach (var arg in args)
        {
            if (arg.NameColon is not null || !arg.RefKindKeyword.IsKind(SyntaxKind.None))
                return Report(arg, "a named or by-reference argument", "pass arguments by position");
            var e = Translate(arg.Expression);
            if (e is null) return null;
            translated.Add(e);
        }
        return new CallExpr(f, translated.ToEquatableArray());
    }

    private Expr? Report(SyntaxNode node, string what, string why)
    {
        _failed = true;
        var location = _fallbackLocation ?? LocationInfo.From(node);
        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedConstruct, location, what, why));
        return null;
    }

    private static string Describe(SyntaxNode node)
    {
        string text = node.ToString();
        if (text.Length > 40) text = text.Substring(0, 37) + "...";
        string kind = node.Kind().ToString();
        if (kind.EndsWith("Statement", StringComparison.Ordinal)) return "the statement '" + text + "'";
        if (kind.EndsWith("Expression", StringComparison.Ordinal)) return "the expression '" + text + "'";
        return "'" + text + "'";
    }
}
