using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.TorchSharp.Tests;

/// <summary>The sample, as a user runs it, on a small synthetic set: it trains all four optimizers and writes its report.</summary>
public sealed class SampleTests(ITestOutputHelper output)
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Fact]
    public async Task The_TorchSharp_training_sample_runs_and_reports_all_four_optimizers()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Generator.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        string sample = Path.Combine(dir!.FullName, "samples", "TorchSharpTraining", "bin", Configuration, "net10.0", "TorchSharpTraining.dll");
        Assert.True(File.Exists(sample), sample + " was not built");
        string work = Path.Combine(Path.GetTempPath(), "odeopt-sample-" + Guid.NewGuid().ToString("N"));
        try
        {
            var psi = new ProcessStartInfo("dotnet", $"\"{sample}\" --data \"{Path.Combine(work, "no-data")}\" --train 512 --test 256 --epochs 2 --out \"{work}\"")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "the sample did not finish in 5 minutes");
            output.WriteLine(await stdout + await stderr);
            Assert.Equal(0, process.ExitCode);

            string report = File.ReadAllText(Path.Combine(work, "report.md"));
            Assert.Contains("SYNTHETIC", report, StringComparison.OrdinalIgnoreCase);
            foreach (var name in new[] { "| torch.optim.Adam |", "| adam |", "| imex-trapezoidal-adam |", "| super-accelerated-momentum |" })
                Assert.Contains(name, report);
            var png = File.ReadAllBytes(Path.Combine(work, "accuracy.png"));
            Assert.True(png.Length > 1000 && png.Take(4).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }), "accuracy.png is not a PNG");
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }
}
