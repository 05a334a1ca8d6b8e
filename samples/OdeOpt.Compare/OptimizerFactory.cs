using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;

namespace OdeOpt.Compare;

/// <summary>Creates optimizers from <see cref="OptimizerSetup"/>s through <see cref="OptimizerRegistry"/>.</summary>
public static class OptimizerFactory
{
    /// <summary>Creates the optimizer of <paramref name="setup"/> for <paramref name="parameterCount"/> parameters and
    /// applies its hyperparameters by property name.</summary>
    /// <exception cref="ArgumentException">Unknown optimizer or hyperparameter, or a value outside the declared range.</exception>
    public static IOptimizer Create(OptimizerSetup setup, int parameterCount)
    {
        var info = OptimizerRegistry.GetInfo(setup.Name);
        var optimizer = OptimizerRegistry.Create(setup.Name, parameterCount);
        Apply(optimizer, info, setup);
        return optimizer;
    }

    /// <summary>Sets the hyperparameters of <paramref name="setup"/> on <paramref name="optimizer"/>.</summary>
    public static void Apply(IOptimizer optimizer, OptimizerInfo info, OptimizerSetup setup)
    {
        foreach (var (name, value) in setup.Hyperparameters)
        {
            var hp = info.Hyperparameters.FirstOrDefault(h => h.Name == name)
                ?? throw new ArgumentException($"Optimizer '{info.Name}' has no hyperparameter '{name}'. It has: {string.Join(", ", info.Hyperparameters.Select(h => h.Name))}.");
            if (!InRange(hp, value))
                throw new ArgumentException($"Optimizer '{info.Name}': {name} = {value.ToString(CultureInfo.InvariantCulture)} is outside its range ({hp}).");
            var property = optimizer.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance)
                ?? throw new ArgumentException($"Optimizer '{info.Name}' has no settable property '{name}'.");
            property.SetValue(optimizer, (float)value);
        }
    }

    /// <summary>Whether <paramref name="value"/> is finite and inside the declared range of <paramref name="hp"/>.</summary>
    public static bool InRange(HyperparameterInfo hp, double value)
    {
        if (!double.IsFinite(value)) return false;
        if (!double.IsNaN(hp.Min) && (hp.MinExclusive ? value <= hp.Min : value < hp.Min)) return false;
        if (!double.IsNaN(hp.Max) && (hp.MaxExclusive ? value >= hp.Max : value > hp.Max)) return false;
        return true;
    }

    /// <summary>A setup for an optimizer the table has no configuration of: its step size (the <c>[StepSize]</c>
    /// hyperparameter, else one called LearningRate, Lr or Eta) set to <paramref name="learningRate"/>, everything
    /// else at its default.</summary>
    public static OptimizerSetup Generic(string name, double learningRate)
    {
        var info = OptimizerRegistry.GetInfo(name);
        var rate = info.Hyperparameters.FirstOrDefault(h => h.IsStepSize)
            ?? info.Hyperparameters.FirstOrDefault(h => h.Name is "LearningRate" or "Lr" or "Eta");
        return rate is null || !InRange(rate, learningRate)
            ? new OptimizerSetup($"{name} (defaults)", name, [])
            : new OptimizerSetup($"{name} ({rate.Name} = {learningRate.ToString("G4", CultureInfo.InvariantCulture)})", name, [new(rate.Name, learningRate)]);
    }

    /// <summary>The warnings of the optimizer's <c>Validate()</c> method, when it has a public parameterless one
    /// (found by reflection: returning strings, a sequence of objects, or nothing); empty otherwise. Every generated
    /// optimizer has one, <see cref="IOptimizer.Validate"/>: a <see cref="HyperparameterWarning"/> per declared
    /// <c>[Condition]</c> that its hyperparameters violate (the Adam family's 3 + beta2 &gt; 4 beta1).</summary>
    public static IReadOnlyList<string> ValidationWarnings(IOptimizer optimizer)
    {
        var method = optimizer.GetType().GetMethod("Validate", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes);
        if (method is null) return [];
        object? result;
        try { result = method.Invoke(optimizer, null); }
        catch (TargetInvocationException e) when (e.InnerException is not null) { return [e.InnerException.Message]; }
        return result switch
        {
            null => [],
            string s => s.Length == 0 ? [] : [s],
            IEnumerable items => items.Cast<object?>().Where(i => i is not null).Select(i => i!.ToString() ?? "").Where(s => s.Length > 0).ToArray(),
            _ => [result.ToString() ?? ""],
        };
    }

    /// <summary>Loads every assembly the entry assembly references (and <paramref name="extra"/> files), so that
    /// optimizers declared in them appear in <see cref="OptimizerRegistry"/>.</summary>
    /// <returns>Messages for files that could not be loaded.</returns>
    public static IReadOnlyList<string> LoadOptimizerAssemblies(IEnumerable<string> extra)
    {
        var errors = new List<string>();
        var entry = Assembly.GetEntryAssembly();
        if (entry is not null)
        {
            foreach (var name in entry.GetReferencedAssemblies())
            {
                try { Assembly.Load(name); }
                catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException) { }
            }
        }
        foreach (var path in extra)
        {
            try { Assembly.LoadFrom(Path.GetFullPath(path)); }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException or ArgumentException or IOException)
            {
                errors.Add($"Cannot load optimizer assembly '{path}': {e.Message}");
            }
        }
        return errors;
    }
}
