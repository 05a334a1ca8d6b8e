using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using OdeOpt.Generators.Analysis;
using OdeOpt.Generators.Emit;
using OdeOpt.Generators.Model;
using OdeOpt.Generators.Parsing;

namespace OdeOpt.Generators;

/// <summary>
/// The OdeOpt incremental generator: [Optimizer] declaration -> parse -> model -> analysis (tableaux,
/// stage plan) -> emit. This file only wires the steps.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class OptimizerGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var declarations = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.OptimizerAttribute,
                // Records too, so that [Optimizer] on a record class is reported rather than ignored.
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: static (ctx, ct) => Parser.Parse(ctx, ct))
            .WithTrackingName(TrackingNames.Declarations);

        var analyses = declarations
            .Select(static (parsed, ct) => parsed.Model is null ? null : Analyzer.Analyze(parsed.Model, ct))
            .WithTrackingName(TrackingNames.Plans);

        var plans = analyses
            .Select(static (analysis, _) => analysis?.Plan)
            .Where(static plan => plan is not null)
            .WithTrackingName(TrackingNames.Sources);

        context.RegisterSourceOutput(plans, static (spc, plan) => EmitSource(spc, plan!));

        // The GPU path (docs/gpu.md): every plan is also recorded in metadata; where ILGPU and OdeOpt.Gpu are
        // referenced, GPU forms are emitted for this compilation's optimizers and for referenced ones that have none.
        // A staged plan (implicit gradient stages, step-size control) has no GPU form: its solver and controller run on
        // the host between passes (docs/dsl.md).
        var gpuPlans = plans
            .Where(static plan => plan!.Staged is null)
            .Select(static (plan, _) => GpuPlan.From(plan!))
            .WithTrackingName(TrackingNames.GpuPlans);
        context.RegisterSourceOutput(gpuPlans, static (spc, plan) => EmitPlanMetadata(spc, plan));
        var gpuTarget = context.CompilationProvider
            .Select(static (compilation, ct) => GpuTargetReader.Read(compilation, ct))
            .WithTrackingName(TrackingNames.GpuTarget);
        var gpuEnabled = gpuTarget.Select(static (target, _) => target.Enabled);
        context.RegisterSourceOutput(gpuPlans.Combine(gpuEnabled), static (spc, pair) => { if (pair.Right) EmitGpuForm(spc, pair.Left); });
        var referencedPlans = gpuTarget
            .SelectMany(static (target, _) => target.ReferencedPlans)
            .WithTrackingName(TrackingNames.ReferencedGpuPlans);
        context.RegisterSourceOutput(referencedPlans, static (spc, plan) => EmitGpuForm(spc, plan));
        context.RegisterSourceOutput(gpuTarget.Select(static (target, _) => target.Diagnostics), static (spc, list) => Report(spc, list));

        // [Ode] classes: their findings (reported once, however many optimizers discretise them) and their declaration,
        // recorded in the assembly for optimizers in other assemblies.
        var odes = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.OdeAttribute,
                predicate: static (node, _) => node is ClassDeclarationSyntax,
                transform: static (ctx, ct) => Parser.ParseOde(ctx, ct))
            .WithTrackingName(TrackingNames.Odes);
        context.RegisterSourceOutput(odes, static (spc, ode) =>
        {
            Report(spc, ode.Diagnostics);
            if (ode.MetadataSource is not null) spc.AddSource(ode.FullName + ".OdeOpt.Ode.g.cs", ode.MetadataSource);
        });

        // Diagnostics travel in their own outputs, so that the source output depends only on the plans.
        var parseDiagnostics = declarations
            .Select(static (d, _) => d.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        var analysisDiagnostics = analyses
            .Select(static (a, _) => a?.Diagnostics ?? EquatableArray<DiagnosticInfo>.Empty)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(parseDiagnostics, static (spc, list) => Report(spc, list));
        context.RegisterSourceOutput(analysisDiagnostics, static (spc, list) => Report(spc, list));

        var names = declarations
            .Select(static (d, _) => d.Model is null ? null : new NameEntry(d.Model.Name, d.Model.FullName, d.Model.NameLocation ?? d.Model.Location))
            .Where(static n => n is not null)
            .Collect()
            .WithTrackingName(TrackingNames.Names);
        context.RegisterSourceOutput(names, static (spc, entries) => ReportDuplicateNames(spc, entries!));
    }

    private sealed record NameEntry(string Name, string Type, LocationInfo? Location);

    private static void EmitSource(SourceProductionContext context, OptimizerPlan plan)
    {
        string source;
        try
        {
            source = CpuEmitter.Emit(plan);
        }
        catch (Exception ex)
        {
            context.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, plan.Model.Location, plan.Model.ClassName, ex.GetType().Name + ": " + ex.Message).ToDiagnostic());
            return;
        }
        context.AddSource(plan.Model.FullName + ".OdeOpt.g.cs", source);
    }

    private static void EmitPlanMetadata(SourceProductionContext context, GpuPlan plan)
    {
        string source;
        try
        {
            source = PlanMetadataWriter.EmitAttribute(plan);
        }
        catch (Exception ex)
        {
            context.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, null, plan.ClassName, ex.GetType().Name + ": " + ex.Message).ToDiagnostic());
            return;
        }
        context.AddSource(plan.FullName + ".OdeOpt.Plan.g.cs", source);
    }

    private static void EmitGpuForm(SourceProductionContext context, GpuPlan plan)
    {
        string source;
        try
        {
            source = IlgpuEmitter.Emit(plan);
        }
        catch (Exception ex)
        {
            context.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, null, IlgpuEmitter.GpuClassName(plan), ex.GetType().Name + ": " + ex.Message).ToDiagnostic());
            return;
        }
        context.AddSource(plan.FullName + ".OdeOpt.Gpu.g.cs", source);
    }

    private static void Report(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics)
    {
        foreach (var d in diagnostics) context.ReportDiagnostic(d.ToDiagnostic());
    }

    private static void ReportDuplicateNames(SourceProductionContext context, ImmutableArray<NameEntry?> entries)
    {
        foreach (var group in entries.Where(e => e is not null).GroupBy(e => e!.Name))
        {
            var list = group.ToList();
            for (int i = 1; i < list.Count; i++)
                context.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateOptimizerName, list[i]!.Location, group.Key, list[0]!.Type, list[i]!.Type).ToDiagnostic());
        }
    }
}
