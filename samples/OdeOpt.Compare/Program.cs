using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using OdeOpt.Compare;
using Spectre.Console;

// OdeOpt.Compare: runs the embedded comparison suite (or a part of it) and writes report.md, report.json and plots.

var problem = new Option<string[]>("--problem") { Description = "Problems to run (comma-separated or repeated); see --list. Default: all.", AllowMultipleArgumentsPerToken = true };
var optimizer = new Option<string[]>("--optimizer") { Description = "Optimizer registry names to run instead of each problem's table (comma-separated or repeated).", AllowMultipleArgumentsPerToken = true };
var steps = new Option<int>("--steps") { Description = "Steps of every run (gradient evaluations where runs compare at equal cost)." };
var seed = new Option<int>("--seed") { Description = "Seed of data, initialisation and batches.", DefaultValueFactory = _ => 1 };
var data = new Option<string?>("--data") { Description = $"Directory with the Fashion-MNIST IDX files (.gz or plain). Default: {OdeOpt.Compare.Data.FashionMnist.DefaultDirectory} when present, else synthetic images." };
var output = new Option<string>("--out") { Description = "Output directory.", DefaultValueFactory = _ => Path.Combine("artifacts", "compare") };
var list = new Option<bool>("--list") { Description = "List problems, optimizers and configurations, then stop." };
var full = new Option<bool>("--full") { Description = "Run the papers' sizes (much longer) instead of the reduced suite." };
var assembly = new Option<string[]>("--assembly") { Description = "Extra assemblies (.dll) to load optimizers from.", AllowMultipleArgumentsPerToken = true };

var root = new RootCommand("Compares OdeOpt optimizers on the seed papers' problems and writes a report with tables and plots.")
{
    problem, optimizer, steps, seed, data, output, list, full, assembly,
};
root.SetAction(result =>
{
    static string[]? Names(string[]? values) => values is null || values.Length == 0 ? null
        : values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
    var options = new CompareOptions
    {
        Problems = result.GetResult(problem) is null ? null : Names(result.GetValue(problem)) ?? [],
        Optimizers = result.GetResult(optimizer) is null ? null : Names(result.GetValue(optimizer)) ?? [],
        Steps = result.GetResult(steps) is null ? null : result.GetValue(steps),
        Seed = result.GetValue(seed),
        Data = result.GetValue(data),
        Out = result.GetValue(output) ?? Path.Combine("artifacts", "compare"),
        List = result.GetValue(list),
        Full = result.GetValue(full),
        Assemblies = result.GetValue(assembly) ?? [],
    };
    return CompareApp.Run(options, AnsiConsole.Console);
});
return root.Parse(args).Invoke();
