using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using OdeOpt.Compare.Problems;
using Spectre.Console;
using Xunit;

namespace OdeOpt.Compare.Tests;

public sealed class CommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("odeopt-compare-").FullName;
    private readonly StringWriter _output = new();
    private readonly IAnsiConsole _console;

    public CommandTests()
    {
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(_output),
            Interactive = InteractionSupport.No,
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
        });
        _console.Profile.Width = 200;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly MlpSizes Tiny = new(FullBatchImages: 40, FullBatchSteps: 4, MiniBatchImages: 60, MiniBatchEpochs: 2, BatchSize: 20, TestImages: 20, StochasticRuns: 2, EvaluateEvery: 1);

    [Fact]
    public void Smoke_runs_every_problem_on_a_tiny_configuration_and_writes_the_report()
    {
        var data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(data);
        IdxTests.WriteSet(data, "train", 60, 60, gzip: true);
        IdxTests.WriteSet(data, "t10k", 20, 20, gzip: false);
        var output = Path.Combine(_dir, "out");
        int code = CompareApp.Run(new CompareOptions
        {
            Problems = ["nakerst-2d,belotto-quartic", "linear-regression", "rosenbrock", "mlp", "imex-adam", "adaptive-steps"],
            Steps = 6,
            Data = data,
            Out = output,
            Progress = false,
            MlpSizes = Tiny,
        }, _console);
        string text = _output.ToString();
        Assert.True(code == CompareApp.Ok, text);
        Assert.Contains("Claims", text);
        // No warnings: every Adam that belotto-quartic runs satisfies the Belotto da Silva-Gazeau condition 3 + beta2 > 4 beta1
        // the Adam family declares (it no longer runs a violating contrast).
        var warnings = text.Split('\n').Where(line => line.Contains("warning", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Empty(warnings);
        Assert.DoesNotContain("does not hold", text);

        var md = File.ReadAllText(Path.Combine(output, "report.md"));
        Assert.Contains("## Claims", md);
        Assert.Contains("Fashion-MNIST from " + data, md);
        Assert.Contains("| optimizer | registry name, hyperparameters | final loss | best loss | steps to target | gradient evaluations | ms / step |", md);

        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "report.json")));
        var root = json.RootElement;
        Assert.Equal(["problems", "claims"], root.EnumerateObject().Select(p => p.Name));
        var problems = root.GetProperty("problems").EnumerateArray().ToArray();
        Assert.Equal(["nakerst-2d", "linear-regression", "belotto-quartic", "rosenbrock", "mlp", "imex-adam", "adaptive-steps"], problems.Select(p => p.GetProperty("name").GetString()));
        foreach (var problem in problems)
        {
            Assert.Equal(["name", "setup", "results"], problem.EnumerateObject().Select(p => p.Name));
            foreach (var result in problem.GetProperty("results").EnumerateArray())
            {
                Assert.Equal(["optimizer", "final_loss", "best_loss", "steps_to_target", "gradient_evaluations", "ms_per_step", "curve"], result.EnumerateObject().Select(p => p.Name));
                Assert.True(result.GetProperty("curve").GetArrayLength() >= 2);
            }
        }
        foreach (var claim in root.GetProperty("claims").EnumerateArray())
            {
            Assert.Equal(["id", "source", "quote", "rule", "reproduced", "evidence"], claim.EnumerateObject().Select(p => p.Name));
            QuoteTests.AssertQuoted(claim.GetProperty("source").GetString()!, claim.GetProperty("quote").GetString()!);
        }
        Assert.Contains(root.GetProperty("claims").EnumerateArray(), c => c.GetProperty("id").GetString() == "nakerst-fig5-sigma4-superior");

        var pngs = Directory.GetFiles(output, "*.png");
        Assert.True(pngs.Length >= 10, $"{pngs.Length} plots");
        foreach (var png in pngs)
        {
            var head = File.ReadAllBytes(png).AsSpan(0, 8).ToArray();
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, head);
            Assert.Contains(Path.GetFileName(png), md);
        }
    }

    [Fact]
    public void A_missing_data_directory_gives_a_message_and_the_rest_still_runs()
    {
        int code = CompareApp.Run(new CompareOptions
        {
            Problems = ["mlp"], Steps = 2, Data = Path.Combine(_dir, "no-such-dir"), Out = Path.Combine(_dir, "out"), Progress = false, MlpSizes = Tiny,
        }, _console);
        Assert.Equal(CompareApp.Ok, code);
        Assert.Contains("does not exist", _output.ToString());
        Assert.Contains("synthetic", File.ReadAllText(Path.Combine(_dir, "out", "report.md")));
    }

    [Fact]
    public void A_malformed_data_directory_gives_a_message_and_the_rest_still_runs()
    {
        var data = Path.Combine(_dir, "bad");
        Directory.CreateDirectory(data);
        File.WriteAllBytes(Path.Combine(data, "train-images-idx3-ubyte"), [1, 2, 3, 4, 5]);
        File.WriteAllBytes(Path.Combine(data, "train-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 1, 3]);
        int code = CompareApp.Run(new CompareOptions
        {
            Problems = ["mlp"], Steps = 2, Data = data, Out = Path.Combine(_dir, "out"), Progress = false, MlpSizes = Tiny,
        }, _console);
        Assert.Equal(CompareApp.Ok, code);
        Assert.Contains("wrong magic number", _output.ToString());
    }

    [Fact]
    public void Unknown_names_list_the_valid_ones()
    {
        Assert.Equal(CompareApp.BadInput, CompareApp.Run(new CompareOptions { Problems = ["nope"], Out = _dir, Progress = false }, _console));
        Assert.Contains("unknown problem 'nope'", _output.ToString());
        Assert.Contains("sigma-star", _output.ToString());
        Assert.Equal(CompareApp.BadInput, CompareApp.Run(new CompareOptions { Optimizers = ["adam", "fancy"], Out = _dir, Progress = false }, _console));
        Assert.Contains("unknown optimizer 'fancy'", _output.ToString());
        Assert.Contains("imex-trapezoidal-adam", _output.ToString());
        Assert.Equal(CompareApp.BadInput, CompareApp.Run(new CompareOptions { Steps = 0, Out = _dir, Progress = false }, _console));
        Assert.Equal(CompareApp.BadInput, CompareApp.Run(new CompareOptions { Problems = [","], Out = _dir, Progress = false }, _console));
        Assert.Equal(CompareApp.BadInput, CompareApp.Run(new CompareOptions { Assemblies = [Path.Combine(_dir, "missing.dll")], Out = _dir, Progress = false }, _console));
    }

    [Fact]
    public void An_optimizer_chosen_by_name_runs_with_a_generic_setup()
    {
        var output = Path.Combine(_dir, "one");
        int code = CompareApp.Run(new CompareOptions { Problems = ["belotto-quartic", "rosenbrock"], Optimizers = ["imex-trapezoidal-adam", "sgd"], Steps = 5, Out = output, Progress = false }, _console);
        Assert.Equal(CompareApp.Ok, code);
        var md = File.ReadAllText(Path.Combine(output, "report.md"));
        Assert.Contains("imex-trapezoidal-adam (LearningRate = 0.01)", md);
        Assert.Contains("GD (eta = 0.01)", md);   // the table's own sgd entry
        Assert.DoesNotContain("super-accelerated-momentum", md);
    }

    [Fact]
    public void List_shows_problems_optimizers_and_configurations()
    {
        Assert.Equal(CompareApp.Ok, CompareApp.Run(new CompareOptions { List = true, Progress = false }, _console));
        var text = _output.ToString();
        foreach (var p in CompareApp.AllProblems) Assert.Contains(p.Name, text);
        Assert.Contains("super-accelerated-momentum", text);
        Assert.Contains("mlp-full-batch", text);
    }
}
