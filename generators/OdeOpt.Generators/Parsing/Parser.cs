using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using OdeOpt.Generators.Analysis;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Parsing;

/// <summary>Reads one [Optimizer] class (attributes, hyperparameter properties, right-hand-side methods)
/// into an <see cref="OptimizerModel"/>. Reports what it cannot read; never throws.</summary>
internal static class Parser
{
    public const string OptimizerAttribute = "OdeOpt.OptimizerAttribute";
    private const string ExplicitTableauAttribute = "OdeOpt.ExplicitTableauAttribute";
    private const string ImplicitTableauAttribute = "OdeOpt.ImplicitTableauAttribute";
    private const string ImexSchemeAttribute = "OdeOpt.ImexSchemeAttribute";
    private const string GradientAtAttribute = "OdeOpt.GradientAtAttribute";
    private const string ExplicitAttribute = "OdeOpt.ExplicitAttribute";
    private const string ImplicitAttribute = "OdeOpt.ImplicitAttribute";
    private const string InitialAttribute = "OdeOpt.InitialAttribute";
    private const string HyperparameterAttribute = "OdeOpt.HyperparameterAttribute";
    private const string StepSizeAttribute = "OdeOpt.StepSizeAttribute";
    internal const string StepScalarAttribute = "OdeOpt.StepScalarAttribute";

    public const string Theta = "theta";
    public const string Gradient = "g";
    public const string StepSize = "h";
    public const string StepIndex = "t";

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        try
        {
            var model = ParseCore(context, diagnostics, cancellationToken);
            bool failed = diagnostics.Any(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == DiagnosticSeverity.Error);
            return new ParseResult(failed ? null : model, diagnostics.ToEquatableArray());
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex)
        {
            var at = context.TargetNode is BaseTypeDeclarationSyntax declaration ? LocationInfo.From(declaration.Identifier) : LocationInfo.From(context.TargetNode);
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, at, context.TargetSymbol.Name, ex.GetType().Name + ": " + ex.Message));
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }
    }

    private static OptimizerModel? ParseCore(GeneratorAttributeSyntaxContext context, List<DiagnosticInfo> diagnostics, CancellationToken ct)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax syntax) return null;
        // [Optimizer] on two parts of one partial class is the compiler's CS0579; read the class once, from the first.
        if (!CarriesFirstOptimizerAttribute(type, syntax)) return null;
        var classLocation = LocationInfo.From(syntax.Identifier);
        var semanticModel = context.SemanticModel;

        // The class itself.
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, classLocation, type.Name));
        if (syntax is RecordDeclarationSyntax record)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOptimizerClass, LocationInfo.From(record.Keyword), type.Name, "must be a class, not a record"));
        var fileModifier = syntax.Modifiers.FirstOrDefault(m => m.IsKind(SyntaxKind.FileKeyword));
        if (!fileModifier.IsKind(SyntaxKind.None))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOptimizerClass, LocationInfo.From(fileModifier), type.Name, "must not be file-local: the generated part is in another file"));
        if (syntax.ParameterList is { } primaryConstructor)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOptimizerClass, LocationInfo.From(primaryConstructor), type.Name,
                "must not have a primary constructor: the generator adds the constructor (int parameterCount)"));
        if (type.ContainingType is not null)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOptimizerClass, classLocation, type.Name, "must be a top-level class, not nested in '" + type.ContainingType.Name + "'"));
        if (type.IsGenericType)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOptimizerClass, LocationInfo.From(syntax.TypeParameterList) ?? classLocation, type.Name, "must not be generic"));
        if (type.IsStatic || type.IsAbstract)
        {
            var modifier = syntax.Modifiers.FirstOrDefault(m => m.IsKind(SyntaxKind.StaticKeyword) || m.IsKind(SyntaxKind.AbstractKeyword));
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOptimizerClass, (modifier.IsKind(SyntaxKind.None) ? null : LocationInfo.From(modifier)) ?? classLocation,
                type.Name, "must be neither static nor abstract: the generator makes it an instantiable optimizer"));
        }
        if (type.BaseType is { SpecialType: not SpecialType.System_Object })
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOptimizerClass, BaseClassLocation(type, semanticModel.Compilation, ct) ?? classLocation, type.Name,
                "must not declare a base class: the generated part derives it from OdeOpt.Runtime.OptimizerCore"));

        // [Optimizer(name, Order = p)]
        var optimizerAttribute = context.Attributes[0];
        string name = optimizerAttribute.ConstructorArguments.Length == 1 && optimizerAttribute.ConstructorArguments[0].Value is string n ? n : "";
        var optimizerLocation = AttributeLocation(optimizerAttribute, ct) ?? classLocation;
        var nameLocation = ArgumentLocation(optimizerAttribute, 0, ct) ?? optimizerLocation;
        if (string.IsNullOrWhiteSpace(name))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOptimizerClass, nameLocation, type.Name, "needs a non-empty name in [Optimizer(\"name\")]"));
        int? order = null;
        LocationInfo? orderLocation = null;
        foreach (var named in optimizerAttribute.NamedArguments)
        {
            if (named.Key == "Order" && named.Value.Value is int o)
            {
                order = o;
                orderLocation = NamedArgumentLocation(optimizerAttribute, "Order", ct) ?? optimizerLocation;
            }
        }

        // Tableaux.
        TableauModel? explicitTableau = null, implicitTableau = null;
        LocationInfo? schemeLocation = null, explicitLocation = null;
        GradientAtModel? gradientAt = null;
        AttributeData? gradientAtData = null;
        foreach (var attribute in type.GetAttributes())
        {
            string? attributeName = attribute.AttributeClass?.ToDisplayString();
            var location = AttributeLocation(attribute, ct) ?? classLocation;
            switch (attributeName)
            {
                case ExplicitTableauAttribute:
                case ImplicitTableauAttribute:
                {
                    bool isExplicit = attributeName == ExplicitTableauAttribute;
                    string kind = isExplicit ? "explicit tableau" : "implicit tableau";
                    string a = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string ?? "" : "";
                    string? b = Named(attribute, "B"), c = Named(attribute, "C");
                    var tableau = TableauParser.Build(kind, a, b, c, location, diagnostics,
                        ArgumentLocation(attribute, 0, ct), NamedArgumentValueLocation(attribute, "B", ct), NamedArgumentValueLocation(attribute, "C", ct));
                    if (isExplicit) { explicitTableau = tableau; explicitLocation = location; }
                    else implicitTableau = tableau;
                    break;
                }
                case ImexSchemeAttribute:
                {
                    schemeLocation = location;
                    int ordinal = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int i ? i : -1;
                    if (ordinal < 0 || ordinal >= NamedTableaux.EnumOrder.Length)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingTableau, ArgumentLocation(attribute, 0, ct) ?? location, "[ImexScheme] names no built-in pair (value " + ordinal + ")"));
                        break;
                    }
                    var pair = NamedTableaux.Pairs[NamedTableaux.EnumOrder[ordinal]];
                    explicitTableau = TableauParser.Build("explicit tableau of " + pair.Name, pair.ExplicitA, pair.ExplicitB, null, location, diagnostics);
                    implicitTableau = TableauParser.Build("implicit tableau of " + pair.Name, pair.ImplicitA, pair.ImplicitB, null, location, diagnostics);
                    break;
                }
                case GradientAtAttribute:
                    gradientAtData = attribute;
                    break;
            }
        }
        if (schemeLocation is not null && explicitLocation is not null)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingTableau, schemeLocation, "[ImexScheme] and [ExplicitTableau]/[ImplicitTableau] both give the tableaux; keep one of them"));

        // Hyperparameters.
        var hyperparameters = new List<HyperparameterModel>();
        HyperparameterModel? stepSize = null;
        foreach (var member in type.GetMembers())
        {
            ct.ThrowIfCancellationRequested();
            if (member is not IPropertySymbol property) continue;
            var attributes = property.GetAttributes();
            var hyper = attributes.FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == HyperparameterAttribute);
            var step = attributes.FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == StepSizeAttribute);
            var location = LocationInfo.From(property.Locations.FirstOrDefault());
            if (hyper is null)
            {
                if (step is not null)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidHyperparameter, location, property.Name, "carries [StepSize] but not [Hyperparameter]; add [Hyperparameter]"));
                continue;
            }
            bool isFlag = property.Type.SpecialType == SpecialType.System_Boolean;
            if (property.Type.SpecialType != SpecialType.System_Single && !isFlag || property.IsStatic || property.SetMethod is null || property.SetMethod.IsInitOnly || property.GetMethod is null || property.IsIndexer)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidHyperparameter, location, property.Name,
                    "must be an instance float property (or bool, for a flag) with a getter and a setter (it is " + (property.IsStatic ? "static " : "") + property.Type.ToDisplayString() + (property.SetMethod is null || property.SetMethod.IsInitOnly ? " without a setter" : "") + ")"));
                continue;
            }
            double? min = NamedDouble(hyper, "Min"), max = NamedDouble(hyper, "Max");
            bool minExclusive = NamedBool(hyper, "MinExclusive"), maxExclusive = NamedBool(hyper, "MaxExclusive");
            if (isFlag && !LanguageExtensions.CheckFlagDeclaration(property.Name, min, max, minExclusive, maxExclusive, step is not null, location, diagnostics)) continue;
            if (min is double lo && max is double hi && (lo > hi || lo == hi && (minExclusive || maxExclusive)))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidHyperparameter, AttributeLocation(hyper, ct) ?? location, property.Name,
                    "has an empty range: Min = " + lo.ToString("R", CultureInfo.InvariantCulture) + ", Max = " + hi.ToString("R", CultureInfo.InvariantCulture)));
                continue;
            }
            double defaultValue = DefaultValue(property, semanticModel.Compilation, ct);
            var model = new HyperparameterModel(property.Name, CamelCase(property.Name), defaultValue, min, max, minExclusive, maxExclusive, step is not null, location, isFlag);
            if (step is not null)
            {
                if (stepSize is not null)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MultipleStepSize, AttributeLocation(step, ct) ?? location, stepSize.PropertyName, property.Name));
                else stepSize = model;
            }
            hyperparameters.Add(model);
        }

        // Right-hand-side and initial-value methods.
        var methods = new List<(IMethodSymbol Symbol, string Kind, string Variable, LocationInfo? Location)>();
        foreach (var member in type.GetMembers())
        {
            if (member is not IMethodSymbol method) continue;
            foreach (var attribute in method.GetAttributes())
            {
                string? attributeName = attribute.AttributeClass?.ToDisplayString();
                if (attributeName is not (ExplicitAttribute or ImplicitAttribute or InitialAttribute or StepScalarAttribute)) continue;
                string variable = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string ?? "" : "";
                // Findings about the variable name point at the name's string.
                methods.Add((method, attributeName, variable, ArgumentLocation(attribute, 0, ct) ?? AttributeLocation(attribute, ct) ?? LocationInfo.From(method.Locations.FirstOrDefault())));
            }
        }

        var stateVariables = new List<string>();
        foreach (var (_, kind, variable, location) in methods)
        {
            if (kind is InitialAttribute or StepScalarAttribute) continue;
            if (!SyntaxFacts.IsValidIdentifier(variable) || SyntaxFacts.GetKeywordKind(variable) != SyntaxKind.None)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidVariableName, location, variable, "is not a valid state variable name: use a C# identifier such as \"m\" or \"velocity\""));
                continue;
            }
            if (variable is Gradient or StepSize or StepIndex)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidVariableName, location, variable, "is reserved (g is the gradient, h the step size, t the step index) and cannot name a state variable"));
                continue;
            }
            if (hyperparameters.FirstOrDefault(h => h.ParameterName == variable) is { } clash)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NameConflict, location, variable, "a state variable", "the hyperparameter " + clash.PropertyName));
                continue;
            }
            if (!stateVariables.Contains(variable)) stateVariables.Add(variable);
        }
        if (!stateVariables.Contains(Theta))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoThetaRhs, classLocation, name.Length > 0 ? name : type.Name));
        }
        else
        {
            stateVariables.Remove(Theta);
            stateVariables.Insert(0, Theta);
        }
        foreach (var h in hyperparameters)
        {
            if (h.ParameterName is Gradient or StepIndex || h.ParameterName == StepSize && !h.IsStepSize)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NameConflict, h.Location, h.ParameterName, "the hyperparameter " + h.PropertyName, "a reserved name (g, h, t)"));
        }

        var stepScalars = LanguageExtensions.ParseStepScalars(
            methods.Where(m => m.Kind == StepScalarAttribute).Select(m => (m.Symbol, m.Variable, m.Location)).ToList(),
            stateVariables, hyperparameters, semanticModel, diagnostics, ct);
        var scalarNames = stepScalars.Select(sc => sc.Name).ToList();

        var rightHandSides = new List<RhsModel>();
        var initials = new List<InitialModel>();
        foreach (var (method, kind, variable, attributeLocation) in methods)
        {
            ct.ThrowIfCancellationRequested();
            if (kind == StepScalarAttribute) continue;
            var location = LocationInfo.From(method.Locations.FirstOrDefault()) ?? attributeLocation;
            if (kind == InitialAttribute)
            {
                if (variable == Theta)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInitial, attributeLocation, method.Name, "sets theta; theta starts at the parameters the caller passes, so only other state variables take [Initial]"));
                    continue;
                }
                if (!stateVariables.Contains(variable))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInitial, attributeLocation, method.Name, "names '" + variable + "', which is no state variable (" + string.Join(", ", stateVariables) + ")"));
                    continue;
                }
                if (initials.Any(i => i.Variable == variable))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicatePart, attributeLocation, variable, "[Initial]", initials.First(i => i.Variable == variable).MethodName, method.Name));
                    continue;
                }
                var body = TranslateMethod(method, isInitial: true, stateVariables, hyperparameters, semanticModel, diagnostics, ct, scalarNames);
                if (body is not null) initials.Add(new InitialModel(variable, method.Name, body, location));
                continue;
            }

            var part = kind == ExplicitAttribute ? RhsPart.Explicit : RhsPart.Implicit;
            if (rightHandSides.FirstOrDefault(r => r.Variable == variable && r.Part == part) is { } existing)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicatePart, attributeLocation, variable, part == RhsPart.Explicit ? "[Explicit]" : "[Implicit]", existing.MethodName, method.Name));
                continue;
            }
            if (!stateVariables.Contains(variable)) continue; // already reported
            var translated = TranslateMethod(method, isInitial: false, stateVariables, hyperparameters, semanticModel, diagnostics, ct, scalarNames);
            if (translated is null) continue;
            if (part == RhsPart.Implicit && X.Any(translated, r => r.Kind == Binding.Gradient))
            {
                var g = method.Parameters.FirstOrDefault(p => p.Name == Gradient);
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ImplicitUsesGradient, LocationInfo.From(g?.Locations.FirstOrDefault()) ?? location, variable));
                continue;
            }
            rightHandSides.Add(new RhsModel(variable, part, method.Name, translated, location));
        }

        // [GradientAt("theta + sigma * m")]
        if (gradientAtData is not null)
            gradientAt = ParseGradientAt(gradientAtData, stateVariables, hyperparameters, diagnostics, ct, scalarNames);

        bool hasExplicit = rightHandSides.Any(r => r.Part == RhsPart.Explicit);
        bool hasImplicit = rightHandSides.Any(r => r.Part == RhsPart.Implicit);
        if (explicitTableau is null && schemeLocation is null && !diagnostics.Any(d => d.Id is "ODEOPT002" or "ODEOPT003"))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingTableau, classLocation,
                "The optimizer '" + type.Name + "' has no [ExplicitTableau] or [ImexScheme]; every scheme needs an explicit tableau (the gradient is always treated explicitly)"));
        if (hasImplicit && implicitTableau is null && schemeLocation is null && !diagnostics.Any(d => d.Id is "ODEOPT002" or "ODEOPT003"))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingTableau, classLocation,
                "The optimizer '" + type.Name + "' declares [Implicit] parts but no [ImplicitTableau]; add one with as many stages as the explicit tableau"));
        _ = hasExplicit;

        var conditions = Conditions.Parse(type, hyperparameters, stateVariables, diagnostics, ct);
        var kernelNameCandidates = CheckMemberNames(type, hyperparameters, diagnostics, ct);

        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } nsSymbol ? nsSymbol.ToDisplayString() : null;
        string accessibility = type.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";
        return new OptimizerModel(ns, type.Name, accessibility, name, order, explicitTableau, implicitTableau,
            hyperparameters.ToEquatableArray(), rightHandSides.ToEquatableArray(), initials.ToEquatableArray(), gradientAt, classLocation, orderLocation, nameLocation,
            stepScalars.ToEquatableArray(), conditions.ToEquatableArray(), kernelNameCandidates.ToEquatableArray());
    }

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
        SemanticModel semanticModel, List<DiagnosticInfo> diagnostics, CancellationToken ct, List<string>? scalars = null)
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
            if (bound is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnboundParameter, parameterLocation, p, method.Name,
                    stateVariables.Count == 0 ? "none declared" : string.Join(", ", stateVariables),
                    hyperparameters.Count == 0 ? "none declared" : string.Join(", ", hyperparameters.Select(h => h.ParameterName))));
                ok = false;
                continue;
            }
            if (isInitial && bound is RefExpr r && (r.Kind == Binding.StepIndex || r.Kind == Binding.State && p != Theta))
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

    private static double DefaultValue(IPropertySymbol property, Compilation compilation, CancellationToken ct)
    {
        foreach (var reference in property.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(ct) is PropertyDeclarationSyntax { Initializer: { } initializer })
            {
                var model = compilation.GetSemanticModel(initializer.SyntaxTree);
                var value = model.GetConstantValue(initializer.Value, ct);
                if (value.HasValue && value.Value is bool flag) return flag ? 1 : 0;
                if (value.HasValue && value.Value is IConvertible && value.Value is not bool and not string)
                    return Convert.ToDouble(value.Value, CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }

    private static string CamelCase(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name.Substring(1);

    private static string? Named(AttributeData attribute, string key)
    {
        foreach (var named in attribute.NamedArguments)
            if (named.Key == key) return named.Value.Value as string;
        return null;
    }

    private static double? NamedDouble(AttributeData attribute, string key)
    {
        foreach (var named in attribute.NamedArguments)
            if (named.Key == key && named.Value.Value is double d && !double.IsNaN(d)) return d;
        return null;
    }

    private static bool NamedBool(AttributeData attribute, string key)
    {
        foreach (var named in attribute.NamedArguments)
            if (named.Key == key && named.Value.Value is bool b) return b;
        return false;
    }

    internal static LocationInfo? AttributeLocation(AttributeData attribute, CancellationToken ct) =>
        attribute.ApplicationSyntaxReference is { } reference ? LocationInfo.From(reference.GetSyntax(ct)) : null;

    /// <summary>Whether <paramref name="part"/> is the declaration that carries the class's first [Optimizer].</summary>
    private static bool CarriesFirstOptimizerAttribute(INamedTypeSymbol type, SyntaxNode part)
    {
        var first = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == OptimizerAttribute)?.ApplicationSyntaxReference;
        return first is null || first.SyntaxTree == part.SyntaxTree && part.Span.Contains(first.Span);
    }

    /// <summary>The expression of the constructor argument at <paramref name="position"/>, so that a finding about
    /// an argument points at it rather than at the whole attribute.</summary>
    internal static LocationInfo? ArgumentLocation(AttributeData attribute, int position, CancellationToken ct)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(ct) is AttributeSyntax { ArgumentList: { } list })
        {
            int index = 0;
            foreach (var argument in list.Arguments)
            {
                if (argument.NameEquals is not null) continue;
                if (index++ == position) return LocationInfo.From(argument.Expression);
            }
        }
        return null;
    }

    /// <summary>The value expression of the named argument <paramref name="name"/> (<c>B = "..."</c>).</summary>
    private static LocationInfo? NamedArgumentValueLocation(AttributeData attribute, string name, CancellationToken ct)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(ct) is AttributeSyntax { ArgumentList: { } list })
        {
            foreach (var argument in list.Arguments)
                if (argument.NameEquals?.Name.Identifier.ValueText == name) return LocationInfo.From(argument.Expression);
        }
        return null;
    }

    /// <summary>The base class in the declaration's base list (the first entry of the part that names it).</summary>
    private static LocationInfo? BaseClassLocation(INamedTypeSymbol type, Compilation compilation, CancellationToken ct)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(ct) is not ClassDeclarationSyntax { BaseList.Types: { Count: > 0 } types }) continue;
            var first = types[0].Type;
            var model = compilation.GetSemanticModel(first.SyntaxTree);
            if (SymbolEqualityComparer.Default.Equals(model.GetTypeInfo(first, ct).Type, type.BaseType)) return LocationInfo.From(first);
        }
        return null;
    }

    private static LocationInfo? NamedArgumentLocation(AttributeData attribute, string name, CancellationToken ct)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(ct) is AttributeSyntax { ArgumentList: { } list })
        {
            foreach (var argument in list.Arguments)
                if (argument.NameEquals?.Name.Identifier.ValueText == name) return LocationInfo.From(argument);
        }
        return null;
    }
}
