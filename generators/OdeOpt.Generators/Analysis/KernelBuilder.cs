// The plumbing every pass builder shares (KernelSim for the fixed plans, StagedPlanner for the staged ones): unique local
// names, one load per slot, statements, and stores of a local.
using System;
using System.Collections.Generic;
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Analysis;

internal sealed class KernelBuilder
{
    private readonly HashSet<string> _names = new(KernelNames.Reserved);
    private readonly Dictionary<int, string> _slotLocals = new();

    public List<KernelLoad> Loads { get; } = new();
    public List<KernelStatement> Statements { get; } = new();
    public List<KernelStore> Stores { get; } = new();

    /// <summary>A local name from <paramref name="hint"/> not taken yet (a leading '_' gets a 'v': generated code
    /// reserves those).</summary>
    public string Unique(string hint)
    {
        string name = hint.StartsWith("_", StringComparison.Ordinal) ? "v" + hint : hint;
        if (_names.Add(name)) return name;
        for (int i = 2; ; i++)
            if (_names.Add(name + "_" + i)) return name + "_" + i;
    }

    /// <summary>The local holding <paramref name="value"/>: itself when it is one (or a constant, unless
    /// <paramref name="constants"/>), else a new statement.</summary>
    public Expr Bind(string hint, Expr value, bool constants = false)
    {
        if (value is RefExpr { Kind: Binding.Local } || !constants && value is ConstExpr) return value;
        string name = Unique(hint);
        Statements.Add(new KernelStatement(name, value));
        return X.Local(name);
    }

    /// <summary>The local a store writes: <paramref name="value"/> bound to a local even when it is a constant (an
    /// [Initial] value of 1, a derivative that is 0; ODEOPT099 found by FuzzTests: a constant is no local).</summary>
    public string StoreLocal(string hint, Expr value)
    {
        if (value is RefExpr { Kind: Binding.Local } local) return local.Name;
        string name = Unique(hint);
        Statements.Add(new KernelStatement(name, value));
        return name;
    }

    /// <summary>The local a slot is loaded into, loading it at the first use.</summary>
    public Expr Load(int slot, string hint)
    {
        if (_slotLocals.TryGetValue(slot, out var local)) return X.Local(local);
        local = Unique(hint);
        _slotLocals[slot] = local;
        Loads.Add(new KernelLoad(local, slot));
        return X.Local(local);
    }
}
