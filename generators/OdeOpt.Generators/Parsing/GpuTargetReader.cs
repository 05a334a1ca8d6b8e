using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Parsing;

/// <summary>
/// Decides whether a compilation gets GPU forms and collects the plans of optimizers declared in referenced assemblies.
/// GPU forms are emitted when the compilation sees both ILGPU (<c>ILGPU.ArrayView`1</c>) and the OdeOpt.Gpu runtime
/// (<c>OdeOpt.Gpu.GpuOptimizerCore`2</c>), that is, in OdeOpt.Gpu itself and in every project that references it.
/// A referenced optimizer gets a GPU form here unless a referenced assembly already holds one
/// (<c>[assembly: GpuOptimizerRegistration(typeof(X), ...)]</c>): OdeOpt.Gpu holds those of the built-ins.
/// </summary>
internal static class GpuTargetReader
{
    public const string IlgpuArrayView = "ILGPU.ArrayView`1";
    public const string GpuCore = "OdeOpt.Gpu.GpuOptimizerCore`2";
    public const string GpuRegistrationAttribute = "OdeOpt.Gpu.GpuOptimizerRegistrationAttribute";
    private const string CoreAssembly = "OdeOpt";

    public static GpuTarget Read(Compilation compilation, CancellationToken ct)
    {
        try
        {
            return ReadCore(compilation, ct);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex)
        {
            return new GpuTarget(false, EquatableArray<GpuPlan>.Empty,
                new[] { DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, null, "the GPU forms of referenced optimizers", ex.GetType().Name + ": " + ex.Message) }.ToEquatableArray());
        }
    }

    private static GpuTarget ReadCore(Compilation compilation, CancellationToken ct)
    {
        if (compilation.GetTypeByMetadataName(IlgpuArrayView) is null || compilation.GetTypeByMetadataName(GpuCore) is null) return GpuTarget.Disabled;
        var planAttribute = compilation.GetTypeByMetadataName(PlanFormat.AttributeMetadataName);
        if (planAttribute is null) return new GpuTarget(true, EquatableArray<GpuPlan>.Empty, EquatableArray<DiagnosticInfo>.Empty);
        var registrationAttribute = compilation.GetTypeByMetadataName(GpuRegistrationAttribute);

        var withGpuForm = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        var candidates = new List<(INamedTypeSymbol Type, string Text, string Assembly)>();
        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            ct.ThrowIfCancellationRequested();
            // Only OdeOpt itself and assemblies built against it can hold optimizers.
            if (assembly.Name != CoreAssembly && !assembly.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == CoreAssembly))) continue;
            foreach (var attribute in assembly.GetAttributes())
            {
                var cls = attribute.AttributeClass;
                if (cls is null) continue;
                if (SymbolEqualityComparer.Default.Equals(cls, planAttribute)
                    && attribute.ConstructorArguments.Length == 2
                    && attribute.ConstructorArguments[0].Value is INamedTypeSymbol type
                    && attribute.ConstructorArguments[1].Value is string text)
                {
                    candidates.Add((type, text, assembly.Name));
                }
                else if (registrationAttribute is not null && SymbolEqualityComparer.Default.Equals(cls, registrationAttribute)
                         && attribute.ConstructorArguments.Length == 2
                         && attribute.ConstructorArguments[0].Value is ITypeSymbol optimizer)
                {
                    withGpuForm.Add(optimizer);
                }
            }
        }

        var plans = new List<GpuPlan>();
        var diagnostics = new List<DiagnosticInfo>();
        foreach (var (type, text, assemblyName) in candidates)
        {
            ct.ThrowIfCancellationRequested();
            if (withGpuForm.Contains(type) || type.DeclaredAccessibility != Accessibility.Public || type.ContainingType is not null) continue;
            string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
            var plan = PlanMetadataReader.Read(text, ns, type.Name, isPublic: true, out string? error);
            if (plan is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreadablePlanMetadata, null, type.ToDisplayString(), assemblyName, error ?? "it cannot be read"));
                continue;
            }
            plans.Add(plan);
        }
        plans.Sort((a, b) => string.CompareOrdinal(a.FullName, b.FullName));
        return new GpuTarget(true, plans.ToEquatableArray(), diagnostics.ToEquatableArray());
    }
}
