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
/// <remarks>Three files: the declaration as a whole here; its members and bodies (name clashes, right-hand-side methods,
/// [GradientAt]) in Parser.Members.cs; attribute arguments, defaults and source locations in Parser.Attributes.cs.</remarks>
internal static partial class Parser
{
    public const string OptimizerAttribute = "OdeOpt.OptimizerAttribute";
    private const string ExplicitTableauAttribute = "OdeOpt.ExplicitTableauAttribute";
    private const string ImplicitTableauAttribute = "OdeOpt.ImplicitTableauAttribute";
    private const string ImexSchemeAttribute = "OdeOpt.ImexSchemeAttribute";
    private const string GradientAtAttribute = "OdeOpt.GradientAtAttribute";
    private const string StateStorageAttribute = "OdeOpt.StateStorageAttribute";
    private const string ParameterStorageAttribute = "OdeOpt.ParameterStorageAttribute";
    private const string ExplicitAttribute = "OdeOpt.ExplicitAttribute";
    private const string ImplicitAttribute = "OdeOpt.ImplicitAttribute";
    private const string InitialAttribute = "OdeOpt.InitialAttribute";
    private const string HyperparameterAttribute = "OdeOpt.HyperparameterAttribute";
    private const string StepSizeAttribute = "OdeOpt.StepSizeAttribute";
    internal const string StepScalarAttribute = "OdeOpt.StepScalarAttribute";
    private const string LetAttribute = "OdeOpt.LetAttribute";
    private const string UpdateAttribute = "OdeOpt.UpdateAttribute";

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
        OdeScope? ode = null;
        int? embeddedOrder = null;
        LocationInfo? embeddedOrderLocation = null;
        int stepControl = 0;
        LocationInfo? stepControlLocation = null;
        foreach (var named in optimizerAttribute.NamedArguments)
        {
            if (named.Key == "Order" && named.Value.Value is int o)
            {
                order = o;
                orderLocation = NamedArgumentLocation(optimizerAttribute, "Order", ct) ?? optimizerLocation;
            }
            else if (named.Key == "EmbeddedOrder" && named.Value.Value is int eo)
            {
                embeddedOrder = eo;
                embeddedOrderLocation = NamedArgumentLocation(optimizerAttribute, "EmbeddedOrder", ct) ?? optimizerLocation;
            }
            else if (named.Key == "StepControl" && named.Value.Value is int sc)
            {
                stepControl = sc;
                stepControlLocation = NamedArgumentLocation(optimizerAttribute, "StepControl", ct) ?? optimizerLocation;
            }
            else if (named.Key == "Ode")
            {
                var odeLocation = NamedArgumentValueLocation(optimizerAttribute, "Ode", ct) ?? optimizerLocation;
                ode = ResolveOde(type, named.Value.Value as ITypeSymbol, semanticModel, odeLocation, diagnostics, ct);
                if (ode is null) return null;
                CheckOdeOptimizerMembers(type, ode.Type.Name, diagnostics, ct);
            }
        }

        // Tableaux.
        TableauModel? explicitTableau = null, implicitTableau = null;
        LocationInfo? schemeLocation = null, explicitLocation = null;
        AttributeData? gradientAtData = null;
        var seenSchemeAttributes = new Dictionary<string, LocationInfo?>();
        var storages = new List<StorageModel>();
        StorageModel? parameterStorage = null;
        foreach (var attribute in type.GetAttributes())
        {
            string? attributeName = attribute.AttributeClass?.ToDisplayString();
            var location = AttributeLocation(attribute, ct) ?? classLocation;
            if (attributeName is ExplicitTableauAttribute or ImplicitTableauAttribute or ImexSchemeAttribute)
            {
                string shortName = "[" + attributeName.Substring("OdeOpt.".Length, attributeName.Length - "OdeOpt.".Length - "Attribute".Length) + "]";
                if (seenSchemeAttributes.TryGetValue(attributeName, out var first))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingTableau, location,
                        shortName + " is given twice" + (first is null ? "" : " (the first at line " + (first.LineSpan.Start.Line + 1) + ")") + "; an optimizer has one " +
                        (attributeName == ImexSchemeAttribute ? "pair of tableaux" : attributeName == ExplicitTableauAttribute ? "explicit tableau" : "implicit tableau") + ": keep one"));
                    continue;
                }
                seenSchemeAttributes[attributeName] = location;
            }
            switch (attributeName)
            {
                case ExplicitTableauAttribute:
                case ImplicitTableauAttribute:
                {
                    bool isExplicit = attributeName == ExplicitTableauAttribute;
                    string kind = isExplicit ? "explicit tableau" : "implicit tableau";
                    string a = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string ?? "" : "";
                    string? b = Named(attribute, "B"), c = Named(attribute, "C"), bHat = isExplicit ? Named(attribute, "BHat") : null;
                    var tableau = TableauParser.Build(kind, a, b, c, location, diagnostics,
                        ArgumentLocation(attribute, 0, ct), NamedArgumentValueLocation(attribute, "B", ct), NamedArgumentValueLocation(attribute, "C", ct),
                        bHat, NamedArgumentValueLocation(attribute, "BHat", ct));
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
                    if (ode is null) gradientAtData = attribute; // else ODEOPT032: it belongs to the ODE
                    break;
                case StateStorageAttribute:
                    // Checked against the state variables and the plan in Analysis/StorageChecks.cs (ODEOPT047).
                    if (attribute.ConstructorArguments.Length == 2 && attribute.ConstructorArguments[0].Value is string variable && attribute.ConstructorArguments[1].Value is int storage)
                        storages.Add(new StorageModel(variable, storage, ArgumentLocation(attribute, 0, ct) ?? location));
                    break;
                case ParameterStorageAttribute:
                    // Checked against the plan in Analysis/StorageChecks.cs (ODEOPT048).
                    if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int parameters)
                        parameterStorage = new StorageModel(Parser.Theta, parameters, ArgumentLocation(attribute, 0, ct) ?? location);
                    break;
            }
        }
        if (schemeLocation is not null && explicitLocation is not null)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingTableau, schemeLocation, "[ImexScheme] and [ExplicitTableau]/[ImplicitTableau] both give the tableaux; keep one of them"));

        // The members: the class's own, or those of the ODE it discretises. Findings inside the ODE's declaration are the
        // ODE's and are reported once, by its own parse (ParseOde); here they only stop the optimizer.
        var source = ode?.Type ?? type;
        if (ode is not null)
            gradientAtData = ode.Type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == GradientAtAttribute);
        int ownFindings = diagnostics.Count;
        var members = ParseMembers(source, ode?.Model ?? semanticModel, ode is null ? classLocation : ode.ClassLocation, name, gradientAtData, diagnostics, ct);
        var conditions = members is { } found ? Conditions.Parse(source, found.Hyperparameters, found.StateVariables, diagnostics, ct) : new List<ConditionModel>();
        if (ode is not null && DropOdeFindings(ode, diagnostics, ownFindings)) return null;
        if (members is null) return null;
        var (hyperparameters, stateVariables, rightHandSides, initials, stepScalars, gradientAt, reductions) = members.Value;
        if (ode is not null && implicitTableau is null && schemeLocation is null) rightHandSides = AllExplicit(rightHandSides);
        bool hasExplicit = rightHandSides.Any(r => r.Part == RhsPart.Explicit);
        bool hasImplicit = rightHandSides.Any(r => r.Part == RhsPart.Implicit);
        if (explicitTableau is null && schemeLocation is null && !diagnostics.Any(d => d.Id is "ODEOPT002" or "ODEOPT003"))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingTableau, classLocation,
                "The optimizer '" + type.Name + "' has no [ExplicitTableau] or [ImexScheme]; every scheme needs an explicit tableau (the gradient is always treated explicitly)"));
        if (hasImplicit && implicitTableau is null && schemeLocation is null && !diagnostics.Any(d => d.Id is "ODEOPT002" or "ODEOPT003"))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingTableau, classLocation,
                "The optimizer '" + type.Name + "' declares [Implicit] parts but no [ImplicitTableau]; add one with as many stages as the explicit tableau"));
        _ = hasExplicit;

        var kernelNameCandidates = CheckMemberNames(type, hyperparameters, diagnostics, ct);
        if (ode is not null) kernelNameCandidates.AddRange(CheckOdeHyperparameterNames(hyperparameters, optimizerLocation, diagnostics));

        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } nsSymbol ? nsSymbol.ToDisplayString() : null;
        string accessibility = type.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";
        return new OptimizerModel(ns, type.Name, accessibility, name, order, explicitTableau, implicitTableau,
            hyperparameters.ToEquatableArray(), rightHandSides.ToEquatableArray(), initials.ToEquatableArray(), gradientAt, classLocation, orderLocation, nameLocation,
            stepScalars.ToEquatableArray(), conditions.ToEquatableArray(), kernelNameCandidates.ToEquatableArray(), reductions.ToEquatableArray(), ode?.GlobalName,
            embeddedOrder, embeddedOrderLocation, stepControl, stepControlLocation, storages.ToEquatableArray(), parameterStorage);
    }
    /// <summary>The members that declare the ODE: hyperparameter properties, right-hand-side, [Update], [Let], [Initial]
    /// and [StepScalar] methods, and the [GradientAt] point. <paramref name="source"/> is the optimizer class itself, or
    /// the [Ode] type it discretises (then <paramref name="memberModel"/> is a semantic model of that type's tree).</summary>
    private static (List<HyperparameterModel> Hyperparameters, List<string> StateVariables, List<RhsModel> RightHandSides, List<InitialModel> Initials,
        List<StepScalarModel> StepScalars, GradientAtModel? GradientAt, List<ReductionModel> Reductions)? ParseMembers(
        INamedTypeSymbol source, SemanticModel memberModel, LocationInfo? classLocation, string name, AttributeData? gradientAtData,
        List<DiagnosticInfo> diagnostics, CancellationToken ct)
    {
        GradientAtModel? gradientAt = null;
        // Hyperparameters.
        var hyperparameters = new List<HyperparameterModel>();
        HyperparameterModel? stepSize = null;
        foreach (var member in source.GetMembers())
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
            double defaultValue = DefaultValue(property, memberModel.Compilation, ct);
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
        foreach (var member in source.GetMembers())
        {
            if (member is not IMethodSymbol method) continue;
            foreach (var attribute in method.GetAttributes())
            {
                string? attributeName = attribute.AttributeClass?.ToDisplayString();
                if (attributeName is not (ExplicitAttribute or ImplicitAttribute or InitialAttribute or StepScalarAttribute or LetAttribute or UpdateAttribute)) continue;
                string variable = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string ?? "" : "";
                // Findings about the variable name point at the name's string.
                methods.Add((method, attributeName, variable, ArgumentLocation(attribute, 0, ct) ?? AttributeLocation(attribute, ct) ?? LocationInfo.From(method.Locations.FirstOrDefault())));
            }
        }

        var stateVariables = new List<string>();
        foreach (var (_, kind, variable, location) in methods)
        {
            if (kind is InitialAttribute or StepScalarAttribute or LetAttribute) continue;
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
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoThetaRhs, classLocation, name.Length > 0 ? name : source.Name));
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
            stateVariables, hyperparameters, memberModel, diagnostics, ct);
        var scalarNames = stepScalars.Select(sc => sc.Name).ToList();
        var lets = ParseLets(methods.Where(m => m.Kind == LetAttribute).Select(m => (m.Symbol, m.Variable, m.Location)).ToList(),
            stateVariables, hyperparameters, scalarNames, memberModel, diagnostics, ct);
        var reductions = ParseReductions(source, stateVariables, hyperparameters, scalarNames, memberModel, diagnostics, ct, lets); // Parser.Reductions.cs

        var rightHandSides = new List<RhsModel>();
        var updates = new HashSet<string>();
        var initials = new List<InitialModel>();
        foreach (var (method, kind, variable, attributeLocation) in methods)
        {
            ct.ThrowIfCancellationRequested();
            if (kind is StepScalarAttribute or LetAttribute) continue;
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
                var body = TranslateMethod(method, isInitial: true, stateVariables, hyperparameters, memberModel, diagnostics, ct, scalarNames, lets);
                if (body is not null) initials.Add(new InitialModel(variable, method.Name, body, location));
                continue;
            }

            bool isUpdate = kind == UpdateAttribute;
            var part = kind == ImplicitAttribute ? RhsPart.Implicit : RhsPart.Explicit;
            if (rightHandSides.FirstOrDefault(r => r.Variable == variable && r.Part == part) is { } existing)
            {
                if (isUpdate || updates.Contains(variable))
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidUpdate, attributeLocation, variable, isUpdate ? method.Name : existing.MethodName,
                        "gives the explicit part of '" + variable + "' as the value after a step, and '" + (isUpdate ? existing.MethodName : method.Name) + "' gives it too; keep one of them (an [Update] is the explicit part (F - x) / h)"));
                else
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicatePart, attributeLocation, variable, part == RhsPart.Explicit ? "[Explicit]" : "[Implicit]", existing.MethodName, method.Name));
                continue;
            }
            if (!stateVariables.Contains(variable)) continue; // already reported
            var translated = TranslateMethod(method, isInitial: false, stateVariables, hyperparameters, memberModel, diagnostics, ct, scalarNames, lets, ReductionBindings(reductions));
            if (translated is null) continue;
            if (isUpdate)
            {
                // x_{n+1} = F under forward Euler: the right-hand side (F - x) / h. The 1/h cancels against the step's h
                // (StepSizeAlgebra), so a step size of 0 leaves x unchanged rather than NaN.
                updates.Add(variable);
                translated = X.Div(X.Sub(translated, X.Ref(Binding.State, variable)), X.Ref(Binding.StepSize, StepSize));
            }
            // An implicit part that reads g is a nonlinear stage solved by fixed-point iteration (the staged form,
            // Analysis/StagedPlanner.cs); what that form cannot take is ODEOPT007 there, at the parameter that reads g.
            LocationInfo? gradientLocation = null;
            if (part == RhsPart.Implicit && X.Any(translated, r => r.Kind == Binding.Gradient))
            {
                var g = method.Parameters.FirstOrDefault(p => p.Name == Gradient || lets.TryGetValue(p.Name, out var let) && let is not null && X.Any(let, r => r.Kind == Binding.Gradient));
                gradientLocation = LocationInfo.From(g?.Locations.FirstOrDefault()) ?? location;
            }
            rightHandSides.Add(new RhsModel(variable, part, method.Name, translated, location, gradientLocation));
        }

        // [GradientAt("theta + sigma * m")]
        if (gradientAtData is not null)
            gradientAt = ParseGradientAt(gradientAtData, stateVariables, hyperparameters, diagnostics, ct, scalarNames);

        return (hyperparameters, stateVariables, rightHandSides, initials, stepScalars, gradientAt, reductions);
    }
}
