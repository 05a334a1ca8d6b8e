using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Linq;
using System.Reflection;

namespace OdeOpt;

/// <summary>Registers a generated optimizer type with <see cref="OptimizerRegistry"/> (emitted by the generator).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class OptimizerRegistrationAttribute : Attribute
{
    /// <param name="optimizerType">The generated optimizer class.</param>
    public OptimizerRegistrationAttribute(Type optimizerType) => OptimizerType = optimizerType;

    /// <summary>The generated optimizer class.</summary>
    public Type OptimizerType { get; }
}

/// <summary>Every optimizer declared with <see cref="OptimizerAttribute"/> in the loaded assemblies, by name.</summary>
public static class OptimizerRegistry
{
    private static readonly object s_lock = new();
    private static readonly Dictionary<Assembly, OptimizerInfo[]> s_byAssembly = new();


    /// <summary>The names of all optimizers in loaded assemblies, sorted.</summary>
    public static IReadOnlyList<string> Names => All.Select(i => i.Name).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToArray();

    /// <summary>The descriptions of all optimizers in loaded assemblies.</summary>
    public static IReadOnlyList<OptimizerInfo> All
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

    /// <summary>The description of the optimizer called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No loaded optimizer has that name.</exception>
    public static OptimizerInfo GetInfo(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var matches = All.Where(i => i.Name == name).ToArray();
        if (matches.Length == 0)
            throw new ArgumentException($"No optimizer is called '{name}'. Known optimizers: {string.Join(", ", Names)}.", nameof(name));
        if (matches.Length > 1)
            throw new InvalidOperationException($"The optimizer name '{name}' is declared by several loaded types: {string.Join(", ", matches.Select(m => m.OptimizerType.FullName))}.");
        return matches[0];
    }

    /// <summary>True when an optimizer of that name is loaded.</summary>
    public static bool Contains(string name) => All.Any(i => i.Name == name);

    /// <summary>Creates the optimizer called <paramref name="name"/> for <paramref name="parameterCount"/> parameters.</summary>
    /// <exception cref="ArgumentException">No loaded optimizer has that name.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameterCount"/> is not positive.</exception>
    public static IOptimizer Create(string name, int parameterCount)
    {
        var info = GetInfo(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameterCount);
        try
        {
            return (IOptimizer)Activator.CreateInstance(info.OptimizerType, parameterCount)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    private static OptimizerInfo[] Scan(Assembly assembly)
    {
        if (assembly.IsDynamic) return Array.Empty<OptimizerInfo>();
        var result = new List<OptimizerInfo>();
        IEnumerable<OptimizerRegistrationAttribute> registrations;
        try { registrations = assembly.GetCustomAttributes<OptimizerRegistrationAttribute>(); }
        catch (Exception) { return Array.Empty<OptimizerInfo>(); }
        foreach (var registration in registrations)
        {
            // "StaticInfo"; "Info" in assemblies built by a generator from before the instance Info became public.
            var property = registration.OptimizerType.GetProperty("StaticInfo", BindingFlags.Public | BindingFlags.Static)
                ?? registration.OptimizerType.GetProperty("Info", BindingFlags.Public | BindingFlags.Static);
            if (property?.GetValue(null) is OptimizerInfo info) result.Add(info);
        }
        return result.ToArray();
    }
}
