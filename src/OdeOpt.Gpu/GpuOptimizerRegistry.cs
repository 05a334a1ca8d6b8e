using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Linq;
using System.Reflection;
using ILGPU.Runtime;

namespace OdeOpt.Gpu;

/// <summary>Registers a generated GPU form with <see cref="GpuOptimizerRegistry"/>, and tells the generator of a referencing
/// project that the optimizer already has a GPU form (emitted by the generator).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class GpuOptimizerRegistrationAttribute : Attribute
{
    /// <param name="optimizerType">The CPU form.</param>
    /// <param name="gpuOptimizerType">Its GPU form.</param>
    public GpuOptimizerRegistrationAttribute(Type optimizerType, Type gpuOptimizerType)
    {
        OptimizerType = optimizerType;
        GpuOptimizerType = gpuOptimizerType;
    }

    /// <summary>The CPU form.</summary>
    public Type OptimizerType { get; }

    /// <summary>Its GPU form.</summary>
    public Type GpuOptimizerType { get; }
}

/// <summary>The GPU forms of every optimizer in the loaded assemblies, by the optimizer's name.</summary>
public static class GpuOptimizerRegistry
{
    private static readonly object s_lock = new();
    private static readonly Dictionary<Assembly, (OptimizerInfo Info, Type GpuType)[]> s_byAssembly = new();

    /// <summary>The names of all optimizers with a GPU form in loaded assemblies, sorted.</summary>
    public static IReadOnlyList<string> Names => All.Select(e => e.Info.Name).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToArray();

    private static (OptimizerInfo Info, Type GpuType)[] All
    {
        get
        {
            lock (s_lock)
            {
                foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
                {
                    if (s_byAssembly.ContainsKey(assembly)) continue;
                    s_byAssembly[assembly] = Scan(assembly);
                }
                return s_byAssembly.Values.SelectMany(v => v).ToArray();
            }
        }
    }

    /// <summary>The GPU form of the optimizer type <paramref name="optimizerType"/> (a CPU form), or null when no loaded
    /// assembly has one.</summary>
    public static Type? GetGpuType(Type optimizerType)
    {
        ArgumentNullException.ThrowIfNull(optimizerType);
        return All.Where(e => e.Info.OptimizerType == optimizerType).Select(e => e.GpuType).FirstOrDefault();
    }

    /// <summary>Creates the GPU form of the optimizer called <paramref name="name"/> on <paramref name="accelerator"/>.</summary>
    /// <exception cref="ArgumentException">No loaded optimizer of that name has a GPU form.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameterCount"/> is not positive.</exception>
    public static IGpuOptimizer Create(string name, Accelerator accelerator, int parameterCount)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(accelerator);
        var matches = All.Where(e => e.Info.Name == name).ToArray();
        if (matches.Length == 0)
        {
            var cpu = OptimizerRegistry.All.FirstOrDefault(i => i.Name == name);
            if (cpu is not null && (cpu.StepControl != StepControl.None || cpu.ImplicitGradientStages.Count > 0))
                throw new NotSupportedException($"'{name}' has no GPU form: its step is staged ({(cpu.ImplicitGradientStages.Count > 0 ? "an implicit stage that reads the gradient is solved by iteration" : "a step-size controller accepts or rejects each attempt")}), and the host-side control of a staged step (an Anderson solve, an error norm read back per attempt) is not implemented for the GPU forms yet (docs/dsl.md, \"Staged steps on the GPU\"). Use the CPU form '{cpu.OptimizerType.Name}'.");
            throw new ArgumentException($"No GPU form of an optimizer called '{name}' is loaded. Known: {string.Join(", ", Names)}.", nameof(name));
        }
        if (matches.Length > 1)
            throw new InvalidOperationException($"The optimizer name '{name}' has several GPU forms loaded: {string.Join(", ", matches.Select(m => m.GpuType.FullName))}.");
        try
        {
            return (IGpuOptimizer)Activator.CreateInstance(matches[0].GpuType, accelerator, parameterCount)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    private static (OptimizerInfo, Type)[] Scan(Assembly assembly)
    {
        if (assembly.IsDynamic) return Array.Empty<(OptimizerInfo, Type)>();
        var result = new List<(OptimizerInfo, Type)>();
        IEnumerable<GpuOptimizerRegistrationAttribute> registrations;
        try { registrations = assembly.GetCustomAttributes<GpuOptimizerRegistrationAttribute>(); }
        catch (Exception) { return Array.Empty<(OptimizerInfo, Type)>(); }
        foreach (var registration in registrations)
        {
            // "StaticInfo"; "Info" in assemblies built by a generator from before the instance Info became public.
            var property = registration.OptimizerType.GetProperty("StaticInfo", BindingFlags.Public | BindingFlags.Static)
                ?? registration.OptimizerType.GetProperty("Info", BindingFlags.Public | BindingFlags.Static);
            if (property?.GetValue(null) is OptimizerInfo info) result.Add((info, registration.GpuOptimizerType));
        }
        return result.ToArray();
    }
}
