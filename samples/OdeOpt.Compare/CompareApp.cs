using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;
using OdeOpt.Compare.Core;
using OdeOpt.Compare.Data;
using OdeOpt.Compare.Problems;
using OdeOpt.Compare.Report;
using Spectre.Console;

namespace OdeOpt.Compare;

/// <summary>The command's options.</summary>
public sealed record CompareOptions
{
    /// <summary>Problem names, or null for all.</summary>
    public IReadOnlyList<string>? Problems { get; init; }

    /// <summary>Optimizer registry names, or null for each problem's own table.</summary>
    public IReadOnlyList<string>? Optimizers { get; init; }

    /// <summary>Overrides every run's number of steps.</summary>
    public int? Steps { get; init; }

    /// <summary>The seed.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The Fashion-MNIST directory, or null for the default.</summary>
    public string? Data { get; init; }

    /// <summary>The output directory.</summary>
    public string Out { get; init; } = Path.Combine("artifacts", "compare");

    /// <summary>List problems and optimizers and stop.</summary>
    public bool List { get; init; }

    /// <summary>The papers' sizes.</summary>
    public bool Full { get; init; }

    /// <summary>Extra assemblies to load optimizers from.</summary>
    public IReadOnlyList<string> Assemblies { get; init; } = [];

    /// <summary>Whether to draw progress bars (off for tests).</summary>
    public bool Progress { get; init; } = true;

    /// <summary>Overrides the MLP sizes (tests run tiny networks' data sets).</summary>
    internal MlpSizes? MlpSizes { get; init; }
}

/// <summary>The comparison command: runs the suite, prints tables, writes the report.</summary>
public static class CompareApp
{
    /// <summary>Every problem, in report order.</summary>
    public static IReadOnlyList<IProblem> AllProblems { get; } =
    [
        new SigmaStarProblem(), new Nakerst2DProblem(), new RmsPropSigmaStarProblem(), new LinearRegressionProblem(), new BelottoQuarticProblem(),
        new RosenbrockProblem(), new MlpProblem(), new ImexAdamProblem(), new AdaptiveStepsProblem(),
    ];

    /// <summary>Exit codes.</summary>
    public const int Ok = 0, BadInput = 2, ProblemFailed = 1;

    /// <summary>Runs the command; returns the exit code. Never throws on bad input.</summary>
    public static int Run(CompareOptions options, IAnsiConsole console)
    {
        foreach (var error in OptimizerFactory.LoadOptimizerAssemblies(options.Assemblies))
        {
            console.MarkupLineInterpolated($"[red]error:[/] {error}");
            return BadInput;
        }
        if (options.List)
        {
            List(console);
            return Ok;
        }

        var problems = SelectProblems(options.Problems, console);
        if (problems is null) return BadInput;
        if (options.Optimizers is not null)
        {
            var names = OptimizerRegistry.Names;
            var unknown = options.Optimizers.Where(n => !names.Contains(n)).ToArray();
            if (unknown.Length > 0)
            {
                console.MarkupLineInterpolated($"[red]error:[/] unknown optimizer {string.Join(", ", unknown.Select(u => $"'{u}'"))}. Valid names: {string.Join(", ", names)}.");
                return BadInput;
            }
            if (options.Optimizers.Count == 0)
            {
                console.MarkupLineInterpolated($"[red]error:[/] --optimizer needs at least one name. Valid names: {string.Join(", ", names)}.");
                return BadInput;
            }
        }
        if (options.Steps is <= 0)
        {
            console.MarkupLineInterpolated($"[red]error:[/] --steps must be positive, got {options.Steps}.");
            return BadInput;
        }
        string output;
        try
        {
            output = Path.GetFullPath(options.Out);
            Directory.CreateDirectory(output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            console.MarkupLineInterpolated($"[red]error:[/] cannot create the output directory '{options.Out}': {e.Message}");
            return BadInput;
        }

        var warnings = new List<string>();
        var images = new ImageDataSource(options.Data, options.Seed);
        if (options.Data is not null && !Directory.Exists(options.Data))
            warnings.Add($"Data directory '{options.Data}' does not exist: the MLP problems use the synthetic image set.");
        if (problems.Any(p => p is MlpProblem or ImexAdamProblem))
        {
            images.Get(1, 1);
            if (images.Problem is { } problem && !warnings.Any(w => w.StartsWith("Data directory", StringComparison.Ordinal))) warnings.Add(problem);
        }
        foreach (var w in warnings) console.MarkupLineInterpolated($"[yellow]warning:[/] {w}");
        int printed = warnings.Count;

        var clock = Stopwatch.StartNew();
        var reports = new List<ProblemReport>();
        bool failed = false;
        void RunAll(Func<IProblem, Action<double>> progressOf)
        {
            foreach (var problem in problems)
            {
                var context = new RunContext
                {
                    Seed = options.Seed,
                    Steps = options.Steps,
                    Full = options.Full,
                    Optimizers = options.Optimizers,
                    OutputDirectory = output,
                    Images = images,
                    MlpSizes = options.MlpSizes,
                    Progress = progressOf(problem),
                    Warn = w => { lock (warnings) if (!warnings.Contains(w)) warnings.Add(w); },
                };
                try
                {
                    reports.Add(problem.Run(context));
                }
                catch (Exception e)
                {
                    failed = true;
                    warnings.Add($"{problem.Name} failed: {e.GetType().Name}: {e.Message}");
                }
                progressOf(problem)(double.PositiveInfinity);
            }
        }

        if (options.Progress)
        {
            console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    var tasks = problems.ToDictionary(p => p, p => ctx.AddTask(p.Name, autoStart: false, maxValue: 1.0));
                    RunAll(p => f =>
                    {
                        var task = tasks[p];
                        if (!task.IsStarted) task.StartTask();
                        if (double.IsPositiveInfinity(f)) { task.Value = 1.0; task.StopTask(); }
                        else task.Increment(f);
                    });
                });
        }
        else RunAll(_ => _ => { });
        clock.Stop();

        foreach (var report in reports) PrintTables(console, report);
        var claims = ReportWriter.AllClaims(reports).ToArray();
        if (claims.Length > 0) PrintClaims(console, claims);
        foreach (var w in warnings.Skip(printed)) console.MarkupLineInterpolated($"[yellow]warning:[/] {w}");

        var header = new List<string>
        {
            $"Command: `dotnet run -c Release --project samples/OdeOpt.Compare{(Environment.GetCommandLineArgs().Length > 1 ? " -- " + string.Join(" ", Environment.GetCommandLineArgs().Skip(1)) : "")}`",
            $"Suite: {(options.Full ? "the papers' sizes (--full)" : "the reduced default suite")}; seed {options.Seed}{(options.Steps is { } s ? $"; every run's steps set to {s}" : "")}; problems: {string.Join(", ", problems.Select(p => p.Name))}",
            $"Images for the MLP problems: {(problems.Any(p => p is MlpProblem or ImexAdamProblem) ? (images.IsFashionMnist ? "Fashion-MNIST" : "synthetic") : "not used")}",
            $"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, SIMD width {Vector<float>.Count * 32} bits; single-threaded runs",
            $"Wall time of the whole run: {clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s",
            $"Claims reproduced: {claims.Count(c => c.Reproduced)} of {claims.Length}",
        };
        try
        {
            ReportWriter.Write(output, reports, header, warnings);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            console.MarkupLineInterpolated($"[red]error:[/] cannot write the report into '{output}': {e.Message}");
            return ProblemFailed;
        }
        console.MarkupLineInterpolated($"Report: [link]{Path.Combine(output, "report.md")}[/] and report.json, plots beside them ({clock.Elapsed.TotalSeconds:F1} s).");
        return failed ? ProblemFailed : Ok;
    }

    /// <summary>The problems named (comma-separated or repeated), or all; null after printing an error.</summary>
    public static IReadOnlyList<IProblem>? SelectProblems(IReadOnlyList<string>? names, IAnsiConsole console)
    {
        if (names is null) return AllProblems;
        var wanted = names.SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
        var unknown = wanted.Where(n => AllProblems.All(p => p.Name != n)).ToArray();
        if (unknown.Length > 0 || wanted.Length == 0)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {(wanted.Length == 0 ? "--problem needs at least one name" : $"unknown problem {string.Join(", ", unknown.Select(u => $"'{u}'"))}")}. Valid names: {string.Join(", ", AllProblems.Select(p => p.Name))}.");
            return null;
        }
        return AllProblems.Where(p => wanted.Contains(p.Name)).ToArray();
    }

    private static void List(IAnsiConsole console)
    {
        var problems = new Table().Title("Problems (--problem)").AddColumns("name", "what");
        foreach (var p in AllProblems) problems.AddRow(Markup.Escape(p.Name), Markup.Escape(p.Description));
        console.Write(problems);
        var optimizers = new Table().Title("Optimizers (--optimizer)").AddColumns("name", "type", "gradients / step", "hyperparameters");
        foreach (var info in OptimizerRegistry.All.OrderBy(i => i.Name, StringComparer.Ordinal))
            optimizers.AddRow(Markup.Escape(info.Name), Markup.Escape(info.OptimizerType.FullName ?? ""), info.GradientEvaluationsPerStep.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(string.Join("; ", info.Hyperparameters.Select(h => h.ToString()))));
        console.Write(optimizers);
        var table = new Table().Title("Configurations (OptimizerTable.cs)").AddColumns("configuration", "optimizers");
        foreach (var (key, setups) in OptimizerTable.All)
            table.AddRow(Markup.Escape(key), Markup.Escape(string.Join("\n", setups.Select(s => $"{s.Label}: {s.Name} {s.Settings}"))));
        console.Write(table);
    }

    private static void PrintTables(IAnsiConsole console, ProblemReport report)
    {
        foreach (var (group, runs) in report.Groups)
        {
            var extras = runs.SelectMany(r => r.Extra.Keys).Distinct().ToArray();
            var table = new Table().Title($"[bold]{Markup.Escape(report.Name)}[/]: {Markup.Escape(group)}")
                .AddColumns("optimizer", "final loss", "best loss", "steps to target", "gradients", "ms / step");
            foreach (var e in extras) table.AddColumn(Markup.Escape(e));
            foreach (var c in table.Columns.Skip(1)) c.RightAligned();
            foreach (var r in runs)
            {
                var cells = new List<string>
                {
                    Markup.Escape(r.Setup.Label),
                    r.Diverged ? "[red]diverged[/]" : r.FinalLoss.ToString("G4", CultureInfo.InvariantCulture),
                    r.BestLoss.ToString("G4", CultureInfo.InvariantCulture),
                    r.StepsToTarget?.ToString(CultureInfo.InvariantCulture) ?? "-",
                    r.GradientEvaluations.ToString(CultureInfo.InvariantCulture),
                    r.MsPerStep.ToString("G3", CultureInfo.InvariantCulture),
                };
                cells.AddRange(extras.Select(e => r.Extra.TryGetValue(e, out var v) ? v.ToString("G4", CultureInfo.InvariantCulture) : ""));
                table.AddRow(cells.ToArray());
            }
            console.Write(table);
        }
    }

    private static void PrintClaims(IAnsiConsole console, IReadOnlyList<Claim> claims)
    {
        var table = new Table().Title("[bold]Claims[/]").AddColumns("id", "verdict", "evidence");
        foreach (var c in claims)
            table.AddRow(Markup.Escape(c.Id), c.Reproduced ? "[green]reproduced[/]" : "[red]not reproduced[/]", Markup.Escape(c.Evidence));
        console.Write(table);
    }
}
