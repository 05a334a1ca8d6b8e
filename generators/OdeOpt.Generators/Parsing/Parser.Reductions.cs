// [Reduction("name", ReductionKind.Norm)] methods: a per-group, per-stage scalar over a per-element expression (LAMB's
// and LARS's norms). Names and kinds are checked here (ODEOPT050, ODEOPT051); where a reduction may be read and when it
// is computed is the planner's (Analysis/Reductions.cs, ODEOPT052, ODEOPT053).
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Parsing;

internal static partial class Parser
{
    internal const string ReductionAttribute = "OdeOpt.ReductionAttribute";

    /// <summary>Reads the [Reduction] methods of <paramref name="type"/>: names, kinds and bodies.</summary>
    private static ReductionList ParseReductions(INamedTypeSymbol type, List<string> stateVariables, List<HyperparameterModel> hyperparameters,
        List<string> scalars, SemanticModel semanticModel, List<DiagnosticInfo> diagnostics, CancellationToken ct, IReadOnlyDictionary<string, Expr?>? lets = null)
    {
        var declarations = new List<(IMethodSymbol Method, string Name, int Kind, LocationInfo? Location)>();
        foreach (var member in type.GetMembers())
        {
            if (member is not IMethodSymbol method) continue;
            foreach (var attribute in method.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() != ReductionAttribute) continue;
                var args = attribute.ConstructorArguments;
                string name = args.Length >= 1 ? args[0].Value as string ?? "" : "";
                int kind = args.Length >= 2 && args[1].Value is int k ? k : -1;
                declarations.Add((method, name, kind, ArgumentLocation(attribute, 0, ct) ?? AttributeLocation(attribute, ct) ?? LocationInfo.From(method.Locations.FirstOrDefault())));
            }
        }
        var result = new ReductionList();
        if (declarations.Count == 0) return result;
        foreach (var d in declarations) if (SyntaxFacts.IsValidIdentifier(d.Name)) result.Declared.Add(d.Name);
        var names = declarations.Select(d => d.Name).ToList();
        var seen = new HashSet<string>();
        foreach (var (method, name, kind, location) in declarations)
        {
            ct.ThrowIfCancellationRequested();
            void Report(string why) => diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidReduction, location, name, why));
            if (!SyntaxFacts.IsValidIdentifier(name) || SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None) { Report("is not a valid name: use a C# identifier such as \"thetaNorm\""); continue; }
            if (name is Gradient or StepSize or StepIndex or Theta) { Report("uses a reserved name (theta, g, h, t)"); continue; }
            if (stateVariables.Contains(name)) { Report("has the name of a state variable; a reduction is one number per group, a state variable one per parameter: rename one of them"); continue; }
            if (hyperparameters.FirstOrDefault(h => h.ParameterName == name) is { } clash) { Report("has the name of the hyperparameter " + clash.PropertyName + "; rename one of them"); continue; }
            if (scalars.Contains(name)) { Report("has the name of a step scalar; rename one of them"); continue; }
            if (lets is not null && lets.ContainsKey(name)) { Report("has the name of a [Let]; rename one of them"); continue; }
            if (!seen.Add(name))
            {
                Report("is declared twice ('" + declarations.First(d => d.Name == name).Method.Name + "' and '" + method.Name + "')");
                continue;
            }
            if (kind < 0 || kind > (int)ReductionKind.MaxAbs) { Report("has no known kind (" + kind + "); use ReductionKind.Norm, Sum or MaxAbs"); continue; }
            var nested = method.Parameters.FirstOrDefault(p => names.Contains(p.Name) && SyntaxFacts.IsValidIdentifier(p.Name));
            if (nested is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NestedReduction, LocationInfo.From(nested.Locations.FirstOrDefault()) ?? location, name, nested.Name));
                continue;
            }
            var body = TranslateMethod(method, isInitial: false, stateVariables, hyperparameters, semanticModel, diagnostics, ct, scalars, lets);
            if (body is not null) result.Add(new ReductionModel(name, method.Name, (ReductionKind)kind, body, LocationInfo.From(method.Locations.FirstOrDefault()) ?? location));
        }
        return result;
    }

    /// <summary>What a right-hand side's parameter named after a reduction binds to (also a reduction reported as invalid,
    /// so that its readers get no follow-up ODEOPT009).</summary>
    private static Dictionary<string, Expr>? ReductionBindings(ReductionList reductions) =>
        reductions.Declared.Count == 0 ? null : reductions.Declared.ToDictionary(name => name, name => X.Ref(Binding.Reduction, name));

    /// <summary>The reductions that parsed, and the names of all declared ones.</summary>
    private sealed class ReductionList : List<ReductionModel>
    {
        public HashSet<string> Declared { get; } = new();
    }
}
