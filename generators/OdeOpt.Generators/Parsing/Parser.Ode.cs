// [Ode] classes: an ODE declared once (right-hand side, hyperparameters, initial values) and discretised by the
// optimizers that name it in [Optimizer(Ode = typeof(...))].
using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Parsing;

/// <summary>The result of reading one [Ode] class: its diagnostics, and (when it has no errors) the source file that
/// records its declaration in the assembly's metadata.</summary>
internal sealed record OdeParseResult(string FullName, string? MetadataSource, EquatableArray<DiagnosticInfo> Diagnostics);

internal static partial class Parser
{
    public const string OdeAttribute = "OdeOpt.OdeAttribute";
    private const string OdeSourceAttribute = "OdeOpt.Runtime.OdeSourceAttribute";
    private const string ConditionAttributeName = "OdeOpt.ConditionAttribute";

    /// <summary>Where an optimizer's ODE was read from: the type whose members declare it, a semantic model for them, and
    /// the spans its declaration covers (findings there belong to the ODE and are reported once, by its own parse).</summary>
    private sealed record OdeScope(INamedTypeSymbol Type, SemanticModel Model, LocationInfo? ClassLocation, List<(string Path, Microsoft.CodeAnalysis.Text.TextSpan Span)> Spans, string GlobalName)
    {
        public bool Contains(LocationInfo? location) =>
            location is not null && Spans.Any(s => s.Path == location.FilePath && s.Span.Contains(location.Span));
    }

    /// <summary>Reads an [Ode] class on its own: every finding about its members, reported once however many optimizers
    /// discretise it, and its source for the metadata attribute.</summary>
    public static OdeParseResult ParseOde(GeneratorAttributeSyntaxContext context, CancellationToken ct)
    {
        var diagnostics = new List<DiagnosticInfo>();
        string fullName = context.TargetSymbol.ToDisplayString();
        try
        {
            if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not ClassDeclarationSyntax syntax)
                return new OdeParseResult(fullName, null, EquatableArray<DiagnosticInfo>.Empty);
            // A partial [Ode] class: read it once, from the part that carries the attribute.
            var first = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == OdeAttribute)?.ApplicationSyntaxReference;
            if (first is not null && !(first.SyntaxTree == syntax.SyntaxTree && syntax.Span.Contains(first.Span)))
                return new OdeParseResult(fullName, null, EquatableArray<DiagnosticInfo>.Empty);
            var classLocation = LocationInfo.From(syntax.Identifier);
            if (type.ContainingType is not null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOde, classLocation, "The ODE '" + type.Name + "' must be a top-level class, not nested in '" + type.ContainingType.Name + "'"));
            if (type.IsGenericType)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOde, LocationInfo.From(syntax.TypeParameterList) ?? classLocation, "The ODE '" + type.Name + "' must not be generic"));
            AttributeData? gradientAtData = null;
            foreach (var attribute in type.GetAttributes())
            {
                string? attributeName = attribute.AttributeClass?.ToDisplayString();
                if (attributeName == GradientAtAttribute) gradientAtData = attribute;
                else if (attributeName is ExplicitTableauAttribute or ImplicitTableauAttribute or ImexSchemeAttribute or OptimizerAttribute)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOde, AttributeLocation(attribute, ct) ?? classLocation,
                        "The ODE '" + type.Name + "' carries [" + ShortName(attributeName) + "]; the scheme belongs to the optimizers that discretise it ([Optimizer(\"name\", Ode = typeof(" + type.Name + "))] with a tableau pair)"));
            }
            var members = ParseMembers(type, context.SemanticModel, classLocation, type.Name, gradientAtData, diagnostics, ct);
            if (members is { } m) _ = Conditions.Parse(type, m.Hyperparameters, m.StateVariables, diagnostics, ct);
            bool failed = diagnostics.Any(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == DiagnosticSeverity.Error);
            string? source = failed ? null : MetadataSource(type, ct);
            return new OdeParseResult(fullName, source, diagnostics.ToEquatableArray());
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex)
        {
            var at = context.TargetNode is BaseTypeDeclarationSyntax declaration ? LocationInfo.From(declaration.Identifier) : LocationInfo.From(context.TargetNode);
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, at, context.TargetSymbol.Name, ex.GetType().Name + ": " + ex.Message));
            return new OdeParseResult(fullName, null, diagnostics.ToEquatableArray());
        }
    }

    private static string ShortName(string attributeName)
    {
        string name = attributeName.StartsWith("OdeOpt.", StringComparison.Ordinal) ? attributeName.Substring("OdeOpt.".Length) : attributeName;
        return name.EndsWith("Attribute", StringComparison.Ordinal) ? name.Substring(0, name.Length - "Attribute".Length) : name;
    }

    /// <summary>The file that records the ODE's declaration in its assembly: <c>[assembly: OdeSource(typeof(X), "...")]</c>
    /// with the class's text, the usings of its file(s) and its namespace.</summary>
    private static string MetadataSource(INamedTypeSymbol type, CancellationToken ct)
    {
        var text = new StringBuilder();
        text.Append("using System;\n");
        var parts = new StringBuilder();
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(ct) is not ClassDeclarationSyntax part) continue;
            if (part.SyntaxTree.GetRoot(ct) is CompilationUnitSyntax unit)
                foreach (var u in unit.Usings) text.Append(u.ToString()).Append('\n');
            for (var parent = part.Parent; parent is not null; parent = parent.Parent)
                if (parent is BaseNamespaceDeclarationSyntax enclosing)
                    foreach (var u in enclosing.Usings) text.Append(u.ToString()).Append('\n');
            parts.Append(part.ToFullString()).Append('\n');
        }
        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } nsSymbol ? nsSymbol.ToDisplayString() : null;
        if (ns is not null) text.Append("namespace ").Append(ns).Append("\n{\n");
        text.Append(parts);
        if (ns is not null) text.Append("}\n");

        var w = new StringBuilder();
        w.Append("// <auto-generated/>\n");
        w.Append("// The declaration of the ODE ").Append(type.ToDisplayString()).Append(", for optimizers in other assemblies (OdeOpt.OptimizerAttribute.Ode).\n");
        w.Append("[assembly: global::OdeOpt.Runtime.OdeSource(typeof(global::").Append(type.ToDisplayString()).Append("), ")
         .Append(Emit.Literals.String(text.ToString())).Append(")]\n");
        return w.ToString();
    }

    /// <summary>Finds the ODE an optimizer names: in this compilation (its own declaration) or in a referenced assembly
    /// (from its <c>OdeSource</c> attribute, compiled on its own against this compilation's references). Null, with a
    /// finding, when it cannot be used.</summary>
    private static OdeScope? ResolveOde(INamedTypeSymbol optimizer, ITypeSymbol? ode, SemanticModel semanticModel, LocationInfo? at, List<DiagnosticInfo> diagnostics, CancellationToken ct)
    {
        if (ode is not INamedTypeSymbol odeType || odeType.TypeKind != TypeKind.Class)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOde, at, "[Optimizer(Ode = ...)] of '" + optimizer.Name + "' must name a class carrying [Ode]"));
            return null;
        }
        if (!odeType.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == OdeAttribute))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOde, at, "'" + odeType.Name + "' is not an ODE: declare it with [Ode] (its members then declare the right-hand side, as an optimizer's do)"));
            return null;
        }
        if (odeType.IsGenericType || odeType.ContainingType is not null) return null; // reported at the ODE
        string globalName = "global::" + odeType.ToDisplayString();
        var compilation = semanticModel.Compilation;
        var inSource = odeType.DeclaringSyntaxReferences.Where(r => compilation.ContainsSyntaxTree(r.SyntaxTree)).ToList();
        if (inSource.Count > 0)
        {
            var declaration = inSource[0].GetSyntax(ct) as ClassDeclarationSyntax;
            var spans = inSource.Select(r => (r.SyntaxTree.FilePath, r.Span)).ToList();
            return new OdeScope(odeType, compilation.GetSemanticModel(inSource[0].SyntaxTree), declaration is null ? null : LocationInfo.From(declaration.Identifier), spans, globalName);
        }

        // A referenced assembly: its OdeSource attribute holds the declaration.
        var assembly = odeType.ContainingAssembly;
        string? text = null;
        foreach (var attribute in assembly.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() != OdeSourceAttribute || attribute.ConstructorArguments.Length != 2) continue;
            if (SymbolEqualityComparer.Default.Equals(attribute.ConstructorArguments[0].Value as ITypeSymbol, odeType)) text = attribute.ConstructorArguments[1].Value as string;
        }
        if (text is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadableOde, at, odeType.ToDisplayString(), assembly.Name,
                "the assembly records no declaration of it (it was built without the OdeOpt generator, or by a version from before [Ode])"));
            return null;
        }
        string path = "<ODE " + odeType.ToDisplayString() + " from " + assembly.Name + ">";
        var options = semanticModel.SyntaxTree.Options as CSharpParseOptions ?? CSharpParseOptions.Default;
        var tree = CSharpSyntaxTree.ParseText(text, options, path, cancellationToken: ct);
        var own = CSharpCompilation.Create("OdeOpt.Ode." + odeType.Name, new[] { tree }, compilation.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        string metadataName = (odeType.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." : "") + odeType.MetadataName;
        var symbol = own.Assembly.GetTypeByMetadataName(metadataName);
        var errors = own.GetDiagnostics(ct).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (symbol is null || errors.Count > 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadableOde, at, odeType.ToDisplayString(), assembly.Name,
                symbol is null ? "its recorded declaration does not declare it" : "its recorded declaration does not compile here (" + errors[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture) + ")"));
            return null;
        }
        var declarationSyntax = symbol.DeclaringSyntaxReferences.Select(r => r.GetSyntax(ct)).OfType<ClassDeclarationSyntax>().FirstOrDefault();
        return new OdeScope(symbol, own.GetSemanticModel(tree), declarationSyntax is null ? null : LocationInfo.From(declarationSyntax.Identifier),
            new List<(string, Microsoft.CodeAnalysis.Text.TextSpan)> { (path, new Microsoft.CodeAnalysis.Text.TextSpan(0, text.Length + 1)) }, globalName);
    }

    /// <summary>An optimizer of an ODE declares only its scheme: OdeOpt members or [GradientAt]/[Condition] on it are
    /// ODEOPT032 (they belong to the ODE).</summary>
    private static void CheckOdeOptimizerMembers(INamedTypeSymbol type, string odeName, List<DiagnosticInfo> diagnostics, CancellationToken ct)
    {
        foreach (var attribute in type.GetAttributes())
        {
            string? name = attribute.AttributeClass?.ToDisplayString();
            if (name is GradientAtAttribute or ConditionAttributeName)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOde, AttributeLocation(attribute, ct),
                    "[" + ShortName(name) + "] on '" + type.Name + "', which discretises the ODE '" + odeName + "': it belongs to the ODE"));
        }
        foreach (var member in type.GetMembers())
        {
            foreach (var attribute in member.GetAttributes())
            {
                string? name = attribute.AttributeClass?.ToDisplayString();
                if (name is ExplicitAttribute or ImplicitAttribute or InitialAttribute or StepScalarAttribute or LetAttribute or UpdateAttribute or HyperparameterAttribute or StepSizeAttribute)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOde, AttributeLocation(attribute, ct) ?? LocationInfo.From(member.Locations.FirstOrDefault()),
                        "'" + member.Name + "' carries [" + ShortName(name) + "], but '" + type.Name + "' discretises the ODE '" + odeName + "': an optimizer of an ODE declares only its scheme; declare the member in the ODE"));
                    break;
                }
            }
        }
    }

    /// <summary>With only an explicit tableau, an ODE's implicit parts are treated explicitly: each variable's right-hand
    /// side becomes E + I, all of it explicit (the explicit Runge-Kutta method on the whole ODE).</summary>
    private static List<RhsModel> AllExplicit(List<RhsModel> rightHandSides)
    {
        var result = new List<RhsModel>();
        foreach (var rhs in rightHandSides)
        {
            if (rhs.Part == RhsPart.Explicit && result.FindIndex(r => r.Variable == rhs.Variable) is var i && i >= 0)
                result[i] = result[i] with { Body = X.Add(result[i].Body, rhs.Body), MethodName = result[i].MethodName + " + " + rhs.MethodName };
            else if (rhs.Part == RhsPart.Implicit && result.FindIndex(r => r.Variable == rhs.Variable) is var j && j >= 0)
                result[j] = result[j] with { Body = X.Add(result[j].Body, rhs.Body), MethodName = result[j].MethodName + " + " + rhs.MethodName };
            else result.Add(rhs with { Part = RhsPart.Explicit });
        }
        return result;
    }

    /// <summary>Removes the findings (from index <paramref name="from"/>) that lie in the ODE's declaration; true when one
    /// of them is an error, so that the optimizer is not generated (the ODE's own parse reports it).</summary>
    private static bool DropOdeFindings(OdeScope ode, List<DiagnosticInfo> diagnostics, int from)
    {
        bool error = false;
        for (int i = diagnostics.Count - 1; i >= from; i--)
        {
            if (!ode.Contains(diagnostics[i].Location)) continue;
            error |= DiagnosticDescriptors.ById(diagnostics[i].Id).DefaultSeverity == DiagnosticSeverity.Error;
            diagnostics.RemoveAt(i);
        }
        return error;
    }

    /// <summary>The ODE's hyperparameters become generated properties of the optimizer: a name the generated code
    /// declares or inherits is ODEOPT028 at [Optimizer]; a name that may be a pass method's is checked against the plan.</summary>
    private static List<MemberNameModel> CheckOdeHyperparameterNames(List<HyperparameterModel> hyperparameters, LocationInfo? at, List<DiagnosticInfo> diagnostics)
    {
        var candidates = new List<MemberNameModel>();
        foreach (var h in hyperparameters)
        {
            string? conflict = ReservedNames.Conflict(h.PropertyName, isMethod: false, 0, isHyperparameter: true);
            if (conflict is not null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ReservedMemberName, at, "hyperparameter", h.PropertyName, conflict));
            else if (ReservedNames.MayBeKernelMember(h.PropertyName))
                candidates.Add(new MemberNameModel(h.PropertyName, "hyperparameter", true, at));
        }
        return candidates;
    }
}
