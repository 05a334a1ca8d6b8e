using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Parsing;

/// <summary>
/// Parsing of the two language extensions the optimizer catalog needs, kept out of <see cref="Parser"/>:
/// <list type="bullet">
/// <item><b>Flags</b>: a <c>bool</c> hyperparameter property (torch's <c>nesterov</c>, <c>amsgrad</c>, <c>centered</c>,
/// <c>maximize</c>). A body binds it as a <c>bool</c> parameter, which translates to the condition <c>flag != 0</c> on
/// the hyperparameter's numeric value (0 or 1); C# itself rejects a flag used as a number. Misuse is ODEOPT027.</item>
/// <item><b>Step scalars</b>: <c>[StepScalar("s", Initial = s0)]</c> on a static <c>float</c> method, a scalar recurrence
/// <c>s_t = F(s_{t-1}, hyperparameters, h, t)</c> run once per step on the host (NAdam's running product of mu_t).
/// Bodies read <c>s_t</c> by naming a parameter after it. Misuse is ODEOPT026.</item>
/// </list>
/// </summary>
internal static class LanguageExtensions
{
    /// <summary>The condition a flag parameter stands for: its numeric value is not 0.</summary>
    public static Expr FlagCondition(string parameterName) =>
        new BinaryExpr(BinaryOp.NotEqual, X.Ref(Binding.Hyper, parameterName), X.Zero);

    /// <summary>A flag takes no range and cannot be the step size (ODEOPT027).</summary>
    public static bool CheckFlagDeclaration(string property, double? min, double? max, bool minExclusive, bool maxExclusive, bool isStepSize,
        LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        if (isStepSize)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidFlag, location,
                "The flag '" + property + "' carries [StepSize]; the step size is a float hyperparameter, a bool property is a flag"));
            return false;
        }
        if (min is not null || max is not null || minExclusive || maxExclusive)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidFlag, location,
                "The flag '" + property + "' declares a range (Min, Max, MinExclusive or MaxExclusive); a bool hyperparameter is true or false, remove the range"));
            return false;
        }
        return true;
    }

    /// <summary>A parameter bound to a flag must be <c>bool</c>, and a <c>bool</c> parameter must bind to a flag (ODEOPT027).</summary>
    public static bool CheckFlagParameter(IParameterSymbol parameter, string name, string? allowedType, string method, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        bool isBool = parameter.Type.SpecialType == SpecialType.System_Boolean;
        if (allowedType == "bool" && !isBool)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidFlag, location,
                "Parameter '" + name + "' of '" + method + "' binds to a flag, so it must be declared bool and used as a condition (" + name + " ? a : b), not as a number"));
            return false;
        }
        if (allowedType != "bool" && isBool)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidFlag, location,
                "Parameter '" + name + "' of '" + method + "' is declared bool but '" + name + "' is no flag; only bool hyperparameter properties bind to bool parameters"));
            return false;
        }
        return true;
    }

    /// <summary>Reads the [StepScalar] methods: names, initial values and update bodies.</summary>
    public static List<StepScalarModel> ParseStepScalars(List<(IMethodSymbol Method, string Name, LocationInfo? Location)> declarations,
        List<string> stateVariables, List<HyperparameterModel> hyperparameters, SemanticModel semanticModel, List<DiagnosticInfo> diagnostics, CancellationToken ct)
    {
        var result = new List<StepScalarModel>();
        var names = declarations.Select(d => d.Name).ToList();
        foreach (var (method, name, attributeLocation) in declarations)
        {
            ct.ThrowIfCancellationRequested();
            var location = attributeLocation ?? LocationInfo.From(method.Locations.FirstOrDefault());
            if (!SyntaxFacts.IsValidIdentifier(name) || SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None)
            {
                Report(location, name, "is not a valid name: use a C# identifier such as \"muProduct\"");
                continue;
            }
            if (name is Parser.Gradient or Parser.StepSize or Parser.StepIndex or Parser.Theta)
            {
                Report(location, name, "uses a reserved name (theta, g, h, t)");
                continue;
            }
            if (stateVariables.Contains(name))
            {
                Report(location, name, "has the name of a state variable; a step scalar is one number per step, a state variable one per parameter: rename one of them");
                continue;
            }
            if (hyperparameters.FirstOrDefault(h => h.ParameterName == name) is { } clash)
            {
                Report(location, name, "has the name of the hyperparameter " + clash.PropertyName + "; rename one of them");
                continue;
            }
            if (result.Any(r => r.Name == name))
            {
                Report(location, name, "is declared twice ('" + result.First(r => r.Name == name).MethodName + "' and '" + method.Name + "')");
                continue;
            }
            double initial = 0;
            foreach (var attribute in method.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() != Parser.StepScalarAttribute) continue;
                foreach (var named in attribute.NamedArguments)
                    if (named.Key == "Initial" && named.Value.Value is double d) initial = d;
            }
            if (double.IsNaN(initial) || double.IsInfinity(initial))
            {
                Report(location, name, "has a non-finite Initial value");
                continue;
            }
            var update = TranslateUpdate(method, name, names, stateVariables, hyperparameters, semanticModel, diagnostics, ct);
            if (update is not null) result.Add(new StepScalarModel(name, method.Name, update, initial, location));
        }
        return result;

        void Report(LocationInfo? at, string scalar, string why) =>
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidStepScalar, at, scalar, why));
    }

    private static Expr? TranslateUpdate(IMethodSymbol method, string name, List<string> scalars, List<string> stateVariables, List<HyperparameterModel> hyperparameters,
        SemanticModel semanticModel, List<DiagnosticInfo> diagnostics, CancellationToken ct)
    {
        var location = LocationInfo.From(method.Locations.FirstOrDefault());
        var syntax = method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(ct)).OfType<MethodDeclarationSyntax>().FirstOrDefault();
        if (syntax is null) return null;
        bool ok = true;
        void Report(LocationInfo? at, string why)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidStepScalar, at, name, why));
            ok = false;
        }
        if (!method.IsStatic) Report(location, "is updated by '" + method.Name + "', which must be static");
        if (method.ReturnType.SpecialType != SpecialType.System_Single) Report(location, "is updated by '" + method.Name + "', which must return float (it returns " + method.ReturnType.ToDisplayString() + ")");
        if (method.IsGenericMethod) Report(location, "is updated by '" + method.Name + "', which must not be generic");

        var bindings = new Dictionary<string, Expr>();
        foreach (var parameter in method.Parameters)
        {
            string p = parameter.Name;
            var at = LocationInfo.From(parameter.Locations.FirstOrDefault()) ?? location;
            Expr? bound = null;
            string expectedType = "float";
            if (p == name) bound = X.Ref(Binding.StepScalar, p);
            else if (p == Parser.StepIndex) { bound = X.Ref(Binding.StepIndex, p); expectedType = "t"; }
            else if (hyperparameters.FirstOrDefault(h => h.ParameterName == p) is { } hp)
            {
                bound = hp.IsStepSize ? X.Ref(Binding.StepSize, Parser.StepSize) : hp.IsFlag ? FlagCondition(p) : X.Ref(Binding.Hyper, p);
                if (hp.IsFlag) expectedType = "bool";
            }
            else if (p == Parser.StepSize) bound = X.Ref(Binding.StepSize, p);

            if (bound is null)
            {
                string what = p == Parser.Gradient ? "the gradient g, which is per parameter"
                    : stateVariables.Contains(p) ? "the state variable '" + p + "', which is per parameter"
                    : scalars.Contains(p) ? "the step scalar '" + p + "'; an update reads only its own previous value"
                    : "'" + p + "', which is no hyperparameter, h, t or the scalar itself";
                Report(at, "is updated from " + what + "; the update of a step scalar may read its previous value (a parameter named '" + name + "'), hyperparameters, h and t");
                continue;
            }
            bool typeOk = expectedType switch
            {
                "t" => parameter.Type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Single or SpecialType.System_Double,
                "bool" => parameter.Type.SpecialType == SpecialType.System_Boolean,
                _ => parameter.Type.SpecialType == SpecialType.System_Single,
            };
            if (!typeOk || parameter.RefKind is not (RefKind.None or RefKind.In))
            {
                Report(at, "is updated by '" + method.Name + "', whose parameter '" + p + "' has type " + parameter.Type.ToDisplayString() + "; " +
                       (expectedType == "t" ? "t must be int, long or float" : expectedType == "bool" ? "a flag is bound as bool" : "parameters are float, passed by value"));
                continue;
            }
            bindings[p] = bound;
        }
        if (!ok) return null;
        var tree = syntax.SyntaxTree;
        var model = tree == semanticModel.SyntaxTree ? semanticModel : semanticModel.Compilation.GetSemanticModel(tree);
        return new BodyTranslator(model, bindings, diagnostics).TranslateMethod(syntax);
    }
}
