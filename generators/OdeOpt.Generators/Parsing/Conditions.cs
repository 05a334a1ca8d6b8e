using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Parsing;

/// <summary>
/// Reads the class's <c>[Condition("3 + beta2 &gt; 4 * beta1", Reference = "...")]</c> attributes: conditions over the
/// hyperparameters (camelCase names, flags as conditions, <c>h</c> for the step size) that the generated
/// <c>Validate()</c> checks. A condition that is not such an expression is ODEOPT029 at its string.
/// </summary>
internal static class Conditions
{
    public const string ConditionAttribute = "OdeOpt.ConditionAttribute";

    public static List<ConditionModel> Parse(INamedTypeSymbol type, List<HyperparameterModel> hyperparameters, List<string> stateVariables,
        List<DiagnosticInfo> diagnostics, CancellationToken ct)
    {
        var result = new List<ConditionModel>();
        foreach (var attribute in type.GetAttributes())
        {
            ct.ThrowIfCancellationRequested();
            if (attribute.AttributeClass?.ToDisplayString() != ConditionAttribute) continue;
            string text = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string ?? "" : "";
            string? reference = null;
            foreach (var named in attribute.NamedArguments)
                if (named.Key == "Reference") reference = named.Value.Value as string;
            var location = Parser.ArgumentLocation(attribute, 0, ct) ?? Parser.AttributeLocation(attribute, ct);
            var condition = Translate(text, hyperparameters, stateVariables, out string? error);
            if (condition is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidCondition, location, text, error ?? "cannot be read"));
                continue;
            }
            result.Add(new ConditionModel(text, condition, reference, location));
        }
        return result;
    }

    private static Expr? Translate(string text, List<HyperparameterModel> hyperparameters, List<string> stateVariables, out string? error)
    {
        error = null;
        var expression = SyntaxFactory.ParseExpression(text);
        var syntaxErrors = expression.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (text.Trim().Length == 0 || syntaxErrors.Count > 0)
        {
            error = "is not an expression: " + (syntaxErrors.Count > 0 ? syntaxErrors[0].GetMessage(CultureInfo.InvariantCulture) : "it is empty");
            return null;
        }
        var bindings = new Dictionary<string, Expr>();
        foreach (var h in hyperparameters)
            bindings[h.ParameterName] = h.IsStepSize ? X.Ref(Binding.StepSize, Parser.StepSize) : h.IsFlag ? LanguageExtensions.FlagCondition(h.ParameterName) : X.Ref(Binding.Hyper, h.ParameterName);
        bindings[Parser.StepSize] = X.Ref(Binding.StepSize, Parser.StepSize);
        foreach (var identifier in expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Parent is MemberAccessExpressionSyntax m && m.Name == identifier) continue;
            if (identifier.Parent is MemberAccessExpressionSyntax m2 && m2.Expression == identifier && identifier.Identifier.ValueText == "MathF") continue;
            string name = identifier.Identifier.ValueText;
            if (bindings.ContainsKey(name)) continue;
            string what = name == Parser.Gradient ? "the gradient g"
                : name == Parser.StepIndex ? "the step index t"
                : name == Parser.Theta || stateVariables.Contains(name) ? "the state variable '" + name + "'"
                : "'" + name + "'";
            error = "reads " + what + "; a condition is an expression over hyperparameters (" +
                    (hyperparameters.Count == 0 ? "none declared" : string.Join(", ", hyperparameters.Select(h => h.ParameterName))) + ") and h";
            return null;
        }
        var scratch = new List<DiagnosticInfo>();
        var translated = new BodyTranslator(null, bindings, scratch).TranslateExpression(expression);
        if (translated is null)
        {
            // The translator explains an unsupported construct as ODEOPT010 (what, why); here it is part of ODEOPT029.
            var first = scratch.FirstOrDefault();
            error = first is { Arguments.Count: 2 } ? "uses " + first.Arguments[0] + ", which is not supported: " + first.Arguments[1] : "cannot be translated";
            return null;
        }
        if (!BodyTranslator.IsCondition(translated))
        {
            error = "is not a condition: write a comparison of hyperparameters such as \"3 + beta2 > 4 * beta1\", possibly combined with &&, || and !";
            return null;
        }
        return translated;
    }
}
