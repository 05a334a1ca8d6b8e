// The members of an [Optimizer] class: names that clash with generated or inherited ones (ODEOPT028), right-hand-side
// and [Initial] methods translated into expressions, and the [GradientAt] point.
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Parsing;

internal static partial class Parser
{
    /// <summary>Reports members named like what the generated code declares or inherits (ODEOPT028), and returns the
    /// non-method members that may be named like a pass method, for the check against the plan.</summary>
    private static List<MemberNameModel> CheckMemberNames(INamedTypeSymbol type, List<HyperparameterModel> hyperparameters, List<DiagnosticInfo> diagnostics, CancellationToken ct)
    {
        var candidates = new List<MemberNameModel>();
        foreach (var member in type.GetMembers())
        {
            ct.ThrowIfCancellationRequested();
            if (member.IsImplicitlyDeclared || !member.Locations.Any(l => l.IsInSource)) continue;
            if (member is IMethodSymbol { MethodKind: not MethodKind.Ordinary }) continue;
            bool isMethod = member is IMethodSymbol;
            bool isHyperparameter = member is IPropertySymbol && hyperparameters.Any(h => h.PropertyName == member.Name);
            string kind = isHyperparameter ? "hyperparameter" : member switch
            {
                IMethodSymbol => "method",
                IPropertySymbol => "property",
                IFieldSymbol => "field",
                IEventSymbol => "event",
                _ => "nested type",
            };
            var location = LocationInfo.From(member.Locations.First(l => l.IsInSource));
            string? conflict = ReservedNames.Conflict(member.Name, isMethod, member is IMethodSymbol m ? m.Parameters.Length : 0, isHyperparameter);
            if (conflict is not null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ReservedMemberName, location, kind, member.Name, conflict));
            else if (!isMethod && ReservedNames.MayBeKernelMember(member.Name))
                candidates.Add(new MemberNameModel(member.Name, kind, isHyperparameter, location));
        }
        return candidates;
    }

    private static Expr? TranslateMethod(IMethodSymbol method, bool isInitial, List<string> stateVariables, List<HyperparameterModel> hyperparameters,
        SemanticModel semanticModel, List<DiagnosticInfo> diagnostics, CancellationToken ct, List<string>? scalars = null, IReadOnlyDictionary<string, Expr?>? lets = null, Dictionary<string, Expr>? reductions = null)
    {
        var syntax = method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(ct)).OfType<MethodDeclarationSyntax>().FirstOrDefault();
        var location = LocationInfo.From(method.Locations.FirstOrDefault());
        var descriptor = isInitial ? DiagnosticDescriptors.InvalidInitial : DiagnosticDescriptors.InvalidRhsMethod;
        if (syntax is null) return null;
        bool ok = true;
        if (!method.IsStatic) { diagnostics.Add(DiagnosticInfo.Create(descriptor, location, method.Name, "must be static")); ok = false; }
        if (method.ReturnType.SpecialType != SpecialType.System_Single) { diagnostics.Add(DiagnosticInfo.Create(descriptor, LocationInfo.From(syntax.ReturnType) ?? location, method.Name, "must return float (it returns " + method.ReturnType.ToDisplayString() + ")")); ok = false; }
        if (method.IsGenericMethod) { diagnostics.Add(DiagnosticInfo.Create(descriptor, location, method.Name, "must not be generic")); ok = false; }

        var bindings = new Dictionary<string, Expr>();
        foreach (var parameter in method.Parameters)
        {
            string p = parameter.Name;
            var parameterLocation = LocationInfo.From(parameter.Locations.FirstOrDefault()) ?? location;
            Expr? bound = null;
            string? allowedType = "float";
            if (p == Gradient) bound = X.Ref(Binding.Gradient, p);
            else if (p == StepIndex) { bound = X.Ref(Binding.StepIndex, p); allowedType = null; }
            else if (stateVariables.Contains(p)) bound = X.Ref(Binding.State, p);
            else if (hyperparameters.FirstOrDefault(h => h.ParameterName == p) is { } hp)
            {
                bound = hp.IsStepSize ? X.Ref(Binding.StepSize, StepSize) : hp.IsFlag ? LanguageExtensions.FlagCondition(p) : X.Ref(Binding.Hyper, p);
                if (hp.IsFlag) allowedType = "bool";
            }
            else if (p == StepSize) bound = X.Ref(Binding.StepSize, p);
            else if (scalars is not null && scalars.Contains(p)) bound = X.Ref(Binding.StepScalar, p);
            else if (lets is not null && lets.TryGetValue(p, out var let))
            {
                if (let is null) { ok = false; continue; } // the let's own diagnostic is reported
                bound = let;
            }
            else if (reductions is not null && reductions.TryGetValue(p, out var reduction)) bound = reduction; // Parser.Reductions.cs
            if (bound is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnboundParameter, parameterLocation, p, method.Name,
                    stateVariables.Count == 0 ? "none declared" : string.Join(", ", stateVariables),
                    hyperparameters.Count == 0 ? "none declared" : string.Join(", ", hyperparameters.Select(h => h.ParameterName))));
                ok = false;
                continue;
            }
            if (isInitial && X.Any(bound, r => r.Kind == Binding.StepIndex || r.Kind == Binding.State && r.Name != Theta))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInitial, parameterLocation, method.Name,
                    "reads '" + p + "'; an initial value may use only g, theta and hyperparameters"));
                ok = false;
                continue;
            }
            if (!LanguageExtensions.CheckFlagParameter(parameter, p, allowedType, method.Name, parameterLocation, diagnostics)) { ok = false; continue; }
            bool typeOk = allowedType is null
                ? parameter.Type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Single or SpecialType.System_Double
                : allowedType == "bool" ? parameter.Type.SpecialType == SpecialType.System_Boolean
                : parameter.Type.SpecialType == SpecialType.System_Single;
            if (!typeOk || parameter.RefKind != Microsoft.CodeAnalysis.RefKind.None && parameter.RefKind != Microsoft.CodeAnalysis.RefKind.In)
            {
                diagnostics.Add(DiagnosticInfo.Create(descriptor, parameterLocation, method.Name,
                    "has parameter '" + p + "' of type " + parameter.Type.ToDisplayString() + "; " + (allowedType is null ? "t must be int, long or float" : "parameters must be float, passed by value")));
                ok = false;
                continue;
            }
            bindings[p] = bound;
        }
        if (!ok) return null;
        var tree = syntax.SyntaxTree;
        var model = tree == semanticModel.SyntaxTree ? semanticModel : semanticModel.Compilation.GetSemanticModel(tree);
        return new BodyTranslator(model, bindings, diagnostics).TranslateMethod(syntax);
    }

    private static GradientAtModel? ParseGradientAt(AttributeData attribute, List<string> stateVariables, List<HyperparameterModel> hyperparameters, List<DiagnosticInfo> diagnostics, CancellationToken ct, List<string> scalars)
    {
        string text = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string ?? "" : "";
        var location = ArgumentLocation(attribute, 0, ct) ?? AttributeLocation(attribute, ct);
        var expression = SyntaxFactory.ParseExpression(text);
        var syntaxErrors = expression.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (text.Trim().Length == 0 || syntaxErrors.Count > 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidGradientAt, location, text, "is not an expression: " + (syntaxErrors.Count > 0 ? syntaxErrors[0].GetMessage(CultureInfo.InvariantCulture) : "it is empty")));
            return null;
        }
        var bindings = new Dictionary<string, Expr>();
        foreach (var v in stateVariables) bindings[v] = X.Ref(Binding.State, v);
        foreach (var h in hyperparameters) bindings[h.ParameterName] = h.IsStepSize ? X.Ref(Binding.StepSize, StepSize) : h.IsFlag ? LanguageExtensions.FlagCondition(h.ParameterName) : X.Ref(Binding.Hyper, h.ParameterName);
        foreach (var scalar in scalars) bindings[scalar] = X.Ref(Binding.StepScalar, scalar);
        bindings[StepSize] = X.Ref(Binding.StepSize, StepSize);
        bindings[Gradient] = X.Ref(Binding.Gradient, Gradient);
        foreach (var identifier in expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Parent is MemberAccessExpressionSyntax m && m.Name == identifier) continue;
            if (identifier.Parent is MemberAccessExpressionSyntax m2 && m2.Expression == identifier && identifier.Identifier.ValueText == "MathF") continue;
            if (!bindings.ContainsKey(identifier.Identifier.ValueText))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidGradientAt, location, text,
                    "reads '" + identifier.Identifier.ValueText + "', which is neither a state variable (" + string.Join(", ", stateVariables) + ") nor a hyperparameter"));
                return null;
            }
        }
        var translated = new BodyTranslator(null, bindings, diagnostics, location).TranslateExpression(expression);
        return translated is null ? null : new GradientAtModel(text, translated, location);
    }
}
