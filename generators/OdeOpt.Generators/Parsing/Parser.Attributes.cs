// Reading attributes of an [Optimizer] class: named arguments, a property's default value, and the source locations
// diagnostics point at.
using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Parsing;

internal static partial class Parser
{
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
