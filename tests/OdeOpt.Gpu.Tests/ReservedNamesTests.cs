using System;
using System.Linq;
using System.Reflection;
using OdeOpt.Generators;
using Xunit;

namespace OdeOpt.Gpu.Tests;

/// <summary>The generator rejects a hyperparameter named like a member of the GPU form (ODEOPT028), because the GPU form
/// repeats the hyperparameter properties. Its list of those names must cover every public and protected member of
/// GpuOptimizerCore, the GPU form's base.</summary>
public class ReservedNamesTests
{
    [Fact]
    public void ReservedNamesCoverGpuOptimizerCore()
    {
        var reserved = typeof(OptimizerGenerator).Assembly.GetType("OdeOpt.Generators.Parsing.ReservedNames", throwOnError: true)!;
        var names = new[] { "Gpu", "Inherited", "Generated" }
            .SelectMany(f => (string[])reserved.GetField(f, BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!)
            .ToHashSet(StringComparer.Ordinal);
        var missing = new System.Collections.Generic.List<string>();
        const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var member in typeof(GpuOptimizerCore<,>).GetMembers(flags))
        {
            bool visible = member switch
            {
                MethodBase m => (m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly) && !m.IsSpecialName && m is not ConstructorInfo,
                FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
                PropertyInfo p => (p.GetMethod ?? p.SetMethod) is { } a && (a.IsPublic || a.IsFamily || a.IsFamilyOrAssembly),
                Type t => t.IsNestedPublic || t.IsNestedFamily || t.IsNestedFamORAssem,
                _ => false,
            };
            if (visible && !names.Contains(member.Name)) missing.Add("GpuOptimizerCore." + member.Name);
        }
        foreach (var member in typeof(IGpuOptimizer).GetMembers())
            if (member is not MethodInfo { IsSpecialName: true } && !names.Contains(member.Name)) missing.Add("IGpuOptimizer." + member.Name);
        Assert.True(missing.Count == 0, "ReservedNames does not list " + string.Join(", ", missing.Distinct()));
    }
}
