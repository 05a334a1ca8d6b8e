using System;
using System.Collections.Generic;

namespace OdeOpt.Compare.Core;

/// <summary>A published claim checked by a run.</summary>
/// <param name="Id">A stable id, for example <c>nakerst-eq15-super-beats-nesterov</c>; ids of claims that are the project's
/// own, not a paper's, start with <c>project-</c>.</param>
/// <param name="Source">Where the quote is: the file under <c>../shared/papers/</c> and the section, caption or abstract;
/// for the project's own claims, <see cref="ProjectOwn"/>.</param>
/// <param name="Quote">The sentence(s) of the paper, verbatim (mathematics spelled in ASCII; "[...]" marks an omission); for
/// the project's own claims, the question asked.</param>
/// <param name="Rule">How the run decides it, fixed before the run: what is measured and the threshold.</param>
/// <param name="Reproduced">Whether the run reproduces it.</param>
/// <param name="Evidence">The numbers behind the verdict.</param>
public sealed record Claim(string Id, string Source, string Quote, string Rule, bool Reproduced, string Evidence)
{
    /// <summary>The <see cref="Source"/> of a claim that no paper makes.</summary>
    public const string ProjectOwn = "the project's own extension (no paper makes this claim)";

    /// <summary>Source, quote and rule in one line, for tables that have a single column for them.</summary>
    public string Statement => $"{Source}: \"{Quote}\" Rule: {Rule}";
}

/// <summary>A comparison on one problem: its setup, the runs, plots and claims.</summary>
public sealed class ProblemReport
{
    /// <summary>The problem's command-line name.</summary>
    public required string Name { get; init; }

    /// <summary>A title for the report.</summary>
    public required string Title { get; init; }

    /// <summary>The exact setup, reductions included (markdown).</summary>
    public required string Setup { get; init; }

    /// <summary>The target that "steps to target" refers to.</summary>
    public string Target { get; init; } = "";

    /// <summary>Groups of runs (a problem may compare several sub-problems); a group's name heads its table.</summary>
    public List<(string Group, List<RunResult> Runs)> Groups { get; } = [];

    /// <summary>Plot files written (relative to the output directory) with captions.</summary>
    public List<(string File, string Caption)> Plots { get; } = [];

    /// <summary>Claims checked on this problem.</summary>
    public List<Claim> Claims { get; } = [];

    /// <summary>Free text after the tables (markdown): observations, tables that do not fit the run schema.</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Every run of every group.</summary>
    public IEnumerable<RunResult> AllRuns
    {
        get { foreach (var (_, runs) in Groups) foreach (var r in runs) yield return r; }
    }
}

/// <summary>What a problem gets to run with.</summary>
public sealed class RunContext
{
    /// <summary>The seed of every random choice (data, initialisation, batches).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Overrides the number of steps of every run (gradient evaluations where runs are compared at equal cost).</summary>
    public int? Steps { get; init; }

    /// <summary>Run the papers' sizes instead of the reduced suite.</summary>
    public bool Full { get; init; }

    /// <summary>Only these optimizer names, when set (any registry name).</summary>
    public IReadOnlyList<string>? Optimizers { get; init; }

    /// <summary>Where plots are written.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Overrides the MLP sizes (tests).</summary>
    internal Problems.MlpSizes? MlpSizes { get; init; }

    /// <summary>The image data set for the MLP problems.</summary>
    public required Data.ImageDataSource Images { get; init; }

    /// <summary>Reports progress: the fraction of this problem done since the last call.</summary>
    public Action<double> Progress { get; init; } = _ => { };

    /// <summary>Prints a warning.</summary>
    public Action<string> Warn { get; init; } = _ => { };

    /// <summary>The setups of a configuration: the table's entries, or with <see cref="Optimizers"/> set, the table's
    /// entries of those names plus a generic setup (step size <paramref name="genericRate"/>) for each other name.</summary>
    public IReadOnlyList<OptimizerSetup> Select(string configuration, double genericRate)
    {
        var table = OptimizerTable.For(configuration);
        if (Optimizers is null) return table;
        var result = new List<OptimizerSetup>();
        foreach (var name in Optimizers)
        {
            var matches = new List<OptimizerSetup>();
            foreach (var setup in table) if (setup.Name == name) matches.Add(setup);
            if (matches.Count > 0) result.AddRange(matches);
            else result.Add(OptimizerFactory.Generic(name, genericRate));
        }
        return result;
    }

    /// <summary>The number of steps: the override, or the problem's own.</summary>
    public int StepsOr(int steps) => Steps ?? steps;
}

/// <summary>One problem of the suite.</summary>
public interface IProblem
{
    /// <summary>The command-line name.</summary>
    string Name { get; }

    /// <summary>A one-line description for --list.</summary>
    string Description { get; }

    /// <summary>Relative amount of work, for the progress display.</summary>
    double Weight => 1;

    /// <summary>Runs the comparison.</summary>
    ProblemReport Run(RunContext context);
}
