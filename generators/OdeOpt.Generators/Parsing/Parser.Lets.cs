// [Let("name")]: named values substituted into the bodies that read them.
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Parsing;

internal static partial class Parser
{
    /// <summary>Translates the [Let] methods in dependency order (a let may read other lets) and returns each one's
    /// expression by name. A let is not a stage quantity of its own: it is substituted where it is read, so it is
    /// evaluated at the reader's stage point. Misuse is ODEOPT030 at the name or the parameter. A let that failed maps
    /// to null, so that its readers fail without a second diagnostic.</summary>
    private static Dictionary<string, Expr?> ParseLets(List<(IMethodSymbol Symbol, string Name, LocationInfo? Location)> methods,
        List<string> stateVariables, List<HyperparameterModel> hyperparameters, List<string> scalars,
        SemanticModel semanticModel, List<DiagnosticInfo> diagnostics, CancellationToken ct)
    {
        var lets = new Dictionary<string, Expr?>();
        var pending = new List<(IMethodSymbol Symbol, string Name, LocationInfo? Location)>();
        var names = new HashSet<string>();
        foreach (var let in methods)
        {
            string? why = null;
            if (!SyntaxFacts.IsValidIdentifier(let.Name) || SyntaxFacts.GetKeywordKind(let.Name) != SyntaxKind.None)
                why = "is not a valid name: use a C# identifier such as \"d\" or \"mNext\"";
            else if (let.Name is Gradient or StepSize or StepIndex)
                why = "is reserved (g is the gradient, h the step size, t the step index)";
            else if (stateVariables.Contains(let.Name))
                why = "is the name of a state variable; a let names a value of its own";
            else if (hyperparameters.FirstOrDefault(h => h.ParameterName == let.Name) is { } clash)
                why = "is the name of the hyperparameter " + clash.PropertyName;
            else if (scalars.Contains(let.Name))
                why = "is the name of a step scalar";
            else if (!names.Add(let.Name))
                why = "is declared twice (again on '" + let.Symbol.Name + "')";
            if (why is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLet, let.Location, let.Name, why));
                if (SyntaxFacts.IsValidIdentifier(let.Name) && !names.Contains(let.Name) && !stateVariables.Contains(let.Name)
                    && !hyperparameters.Any(h => h.ParameterName == let.Name) && !scalars.Contains(let.Name) && let.Name is not (Gradient or StepSize or StepIndex))
                    lets[let.Name] = null;
                continue;
            }
            pending.Add(let);
        }

        // Dependency order: translate a let once every let it reads is translated.
        bool progress = true;
        while (pending.Count > 0 && progress)
        {
            ct.ThrowIfCancellationRequested();
            progress = false;
            foreach (var let in pending.ToList())
            {
                if (let.Symbol.Parameters.Any(p => names.Contains(p.Name) && !lets.ContainsKey(p.Name) && p.Name != let.Name)) continue;
                pending.Remove(let);
                progress = true;
                if (let.Symbol.Parameters.FirstOrDefault(p => p.Name == let.Name) is { } self)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLet, LocationInfo.From(self.Locations.FirstOrDefault()) ?? let.Location, let.Name,
                        "reads itself; a let is a value, not a recurrence (use a state variable for a recurrence)"));
                    lets[let.Name] = null;
                    continue;
                }
                var body = TranslateMethod(let.Symbol, isInitial: false, stateVariables, hyperparameters, semanticModel, diagnostics, ct, scalars, lets);
                lets[let.Name] = body; // null when its errors are reported
            }
        }
        if (pending.Count > 0)
        {
            // A cycle: reported once, at the first let's parameter that closes it; every let in it fails.
            var let = pending[0];
            var cycle = let.Symbol.Parameters.First(p => names.Contains(p.Name) && !lets.ContainsKey(p.Name));
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLet, LocationInfo.From(cycle.Locations.FirstOrDefault()) ?? let.Location, let.Name,
                "reads '" + cycle.Name + "', which reads it back (directly or through other lets): lets must not form a cycle"));
            foreach (var other in pending) lets[other.Name] = null;
        }
        return lets;
    }
}
