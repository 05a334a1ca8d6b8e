using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Package.Tests;

/// <summary>
/// What a real user does: pack OdeOpt into a local folder, create a fresh console project in a temporary
/// directory that can see only that folder, add the package, declare an optimizer of its own by tableau, build,
/// run a few steps, and check the numbers it prints.
/// </summary>
public class PackageTests
{
    private readonly ITestOutputHelper _out;
    public PackageTests(ITestOutputHelper output) => _out = output;

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Generator.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Generator.sln not found above " + AppContext.BaseDirectory);
    }

    private (int Code, string Output) Dotnet(string arguments, string workingDirectory)
    {
        var psi = new ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment.Remove("MSBuildExtensionsPath");
        psi.Environment.Remove("MSBUILD_EXE_PATH");
        psi.Environment.Remove("MSBuildSDKsPath");
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5))) { process.Kill(true); throw new TimeoutException("dotnet " + arguments); }
        string output = stdout.Result + stderr.Result;
        _out.WriteLine($"$ dotnet {arguments}\n{output}");
        return (process.ExitCode, output);
    }

    /// <summary>Packs the projects under src/ into <paramref name="feed"/>; returns the version of the last one's package.</summary>
    private string Pack(string root, string feed, params string[] projects)
    {
        foreach (string project in projects)
        {
            var pack = Dotnet($"pack \"{Path.Combine(root, "src", project, project + ".csproj")}\" -c {Configuration} --no-build -o \"{feed}\"", root);
            Assert.True(pack.Code == 0, "dotnet pack failed: " + project);
        }
        string last = projects[^1];
        string package = Directory.GetFiles(feed, last + ".*.nupkg").Single(f => !f.EndsWith(".snupkg", StringComparison.Ordinal)
            && char.IsDigit(Path.GetFileName(f)[last.Length + 1]));
        return Path.GetFileNameWithoutExtension(package).Substring(last.Length + 1);
    }

    /// <summary>A fresh console project in <paramref name="app"/> that restores only from <paramref name="sources"/>
    /// (into its own packages folder) and references one package.</summary>
    private static void WriteProject(string work, string app, string[] sources, string package, string version, string program, string moreReferences = "")
    {
        string feeds = string.Join("", sources.Select((f, i) => $"<add key=\"feed{i}\" value=\"{f}\" />"));
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{Path.Combine(work, "packages")}" /></config>
              <packageSources><clear />{feeds}</packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{package}" Version="{version}" />{moreReferences}
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), program);
    }

    /// <summary>Runs the fresh project and reads its one result line, <c>key=value</c> pairs separated by spaces, that
    /// begins with <paramref name="firstKey"/>.</summary>
    private System.Collections.Generic.Dictionary<string, string> RunAndRead(string app, string firstKey, string failure)
    {
        var run = Dotnet("run -c Release", app);
        Assert.True(run.Code == 0, failure);
        string line = run.Output.Split('\n').Single(l => l.StartsWith(firstKey, StringComparison.Ordinal)).Trim();
        return line.Split(' ').Select(f => f.Split('=')).ToDictionary(f => f[0], f => f[1]);
    }

    [Fact]
    public void A_fresh_project_builds_and_trains_with_the_package_alone()
    {
        string root = RepositoryRoot();
        string work = Path.Combine(Path.GetTempPath(), "odeopt-package-" + Guid.NewGuid().ToString("N"));
        string feed = Path.Combine(work, "feed"), app = Path.Combine(work, "app");
        Directory.CreateDirectory(app);
        try
        {
            string version = Pack(root, feed, "OdeOpt");
            // A user's own scheme: Heun (explicit trapezoidal) on the gradient flow, two gradients per step.
            WriteProject(work, app, new[] { feed }, "OdeOpt", version, """
                using System;
                using System.Globalization;
                using OdeOpt;

                var opt = new HeunFlow(2) { LearningRate = 0.1f };
                var p = new float[] { 1f, -2f };
                for (int i = 0; i < 5; i++)
                    opt.Step(p, (x, g) => { g[0] = 2 * x[0]; g[1] = 4 * x[1]; });
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gradients/step={HeunFlow.StaticInfo.GradientEvaluationsPerStep} order={HeunFlow.StaticInfo.Order} p0={p[0]:R} p1={p[1]:R} registry={OptimizerRegistry.Contains("user-heun-flow")}"));

                [Optimizer("user-heun-flow", Order = 2)]
                [ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
                public partial class HeunFlow
                {
                    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.01f;
                    [Explicit("theta")] static float Theta(float g) => -g;
                }
                """);

            var fields = RunAndRead(app, "gradients/step=", "the fresh project failed to build or run");

            // Heun on theta' = -a theta multiplies theta by 1 - h a + (h a)^2 / 2 per step.
            static double Heun(double theta, double a) { for (int i = 0; i < 5; i++) theta *= 1 - 0.1 * a + 0.5 * (0.1 * a) * (0.1 * a); return theta; }
            Assert.Equal("2", fields["gradients/step"]);
            Assert.Equal("2", fields["order"]);
            Assert.Equal("True", fields["registry"]);
            Assert.Equal(Heun(1, 2), double.Parse(fields["p0"], CultureInfo.InvariantCulture), 5);
            Assert.Equal(Heun(-2, 4), double.Parse(fields["p1"], CultureInfo.InvariantCulture), 5);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The machine's NuGet global packages folder: ILGPU is there after the repository's own restore, and a
    /// folder of that layout is a valid local feed, so the GPU test needs no network either.</summary>
    private string GlobalPackages(string root)
    {
        var list = Dotnet("nuget locals global-packages --list", root);
        string line = list.Output.Split('\n').Single(l => l.Contains("global-packages:", StringComparison.Ordinal));
        return line.Substring(line.IndexOf(':') + 1).Trim();
    }

    [Fact]
    public void A_fresh_project_with_the_GPU_package_alone_gets_GPU_forms_of_its_own_optimizer_and_of_the_built_ins()
    {
        string root = RepositoryRoot();
        string work = Path.Combine(Path.GetTempPath(), "odeopt-gpu-package-" + Guid.NewGuid().ToString("N"));
        string feed = Path.Combine(work, "feed"), app = Path.Combine(work, "app");
        Directory.CreateDirectory(app);
        try
        {
            // Only OdeOpt.Gpu is referenced: OdeOpt (with its generator) and ILGPU come with it.
            string version = Pack(root, feed, "OdeOpt", "OdeOpt.Gpu");
            // The user's own scheme on ILGPU's CPU accelerator, against its CPU form, and the built-in Adam's GPU form.
            WriteProject(work, app, new[] { feed, GlobalPackages(root) }, "OdeOpt.Gpu", version, """
                using System;
                using System.Globalization;
                using ILGPU;
                using ILGPU.Runtime;
                using ILGPU.Runtime.CPU;
                using OdeOpt;
                using OdeOpt.Optimizers;

                using var context = Context.Create(b => b.CPU());
                using var accelerator = context.CreateCPUAccelerator(0);
                const int n = 37;
                var cpu = new Damped(n) { LearningRate = 0.1f };
                using var gpu = new DampedGpu(accelerator, n) { LearningRate = 0.1f };
                using var adamGpu = new AdamGpu(accelerator, n) { LearningRate = 0.01f };
                var p = new float[n];
                for (int i = 0; i < n; i++) p[i] = MathF.Cos(i);
                using var buffer = accelerator.Allocate1D(p);
                using var adamBuffer = accelerator.Allocate1D(p);
                using var gradient = accelerator.Allocate1D<float>(n);
                for (int s = 0; s < 5; s++)
                {
                    var g = new float[n];
                    for (int i = 0; i < n; i++) g[i] = 2 * p[i];
                    cpu.Step(p, g);
                    var host = buffer.GetAsArray1D();
                    for (int i = 0; i < n; i++) host[i] *= 2;
                    gradient.CopyFromCPU(host);
                    gpu.Step(buffer.View, gradient.View);
                    adamGpu.Step(adamBuffer.View, gradient.View);
                }
                var onGpu = buffer.GetAsArray1D();
                double worst = 0;
                for (int i = 0; i < n; i++) worst = Math.Max(worst, Math.Abs(onGpu[i] - p[i]));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"difference={worst:R} p0={p[0]:R} adam-steps={adamGpu.StepCount}"));

                [Optimizer("user-damped")]
                [ImexScheme(ImexSchemes.Euler)]
                public partial class Damped
                {
                    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.01f;
                    [Explicit("b")] static float B(float g, float b, float h) => (g - b) / h;
                    [Implicit("theta")] static float Theta(float b) => -b;
                }
                """);

            var fields = RunAndRead(app, "difference=", "the fresh GPU project failed to build or run");
            // b = g after the first step (IMEX Euler with h = lr: b_1 = b_0 + h (g - b_0)/h), theta -= lr b: on
            // theta' = -2 theta with b following g exactly, theta_k = theta_0 (1 - 0.2)^k. ILGPU's CPU accelerator is
            // bit-identical to the CPU form.
            Assert.Equal(0.0, double.Parse(fields["difference"], CultureInfo.InvariantCulture));
            Assert.Equal(Math.Cos(0) * Math.Pow(0.8, 5), double.Parse(fields["p0"], CultureInfo.InvariantCulture), 5);
            Assert.Equal("5", fields["adam-steps"]);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public void A_fresh_TorchSharp_project_trains_with_its_own_optimizer_through_the_package()
    {
        // libtorch for Linux is what the repository restores here; the package's loader fix (buildTransitive) is what
        // lets TorchSharp load on a libstdc++ older than GCC 13, so this test also checks that a consumer gets it.
        if (!OperatingSystem.IsLinux()) return;
        string root = RepositoryRoot();
        string work = Path.Combine(Path.GetTempPath(), "odeopt-torchsharp-package-" + Guid.NewGuid().ToString("N"));
        string feed = Path.Combine(work, "feed"), app = Path.Combine(work, "app");
        Directory.CreateDirectory(app);
        try
        {
            string version = Pack(root, feed, "OdeOpt", "OdeOpt.TorchSharp");
            // A user's own two-gradient scheme (Heun on the gradient flow) trains nn.Linear through step(closure).
            WriteProject(work, app, new[] { feed, GlobalPackages(root) }, "OdeOpt.TorchSharp", version, """
                using System;
                using System.Globalization;
                using System.Linq;
                using OdeOpt;
                using OdeOpt.TorchSharp;
                using TorchSharp;

                var model = torch.nn.Linear(2, 1);
                using (torch.no_grad()) foreach (var p in model.parameters()) p.zero_();
                var x = torch.tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
                var y = torch.tensor(new float[] { 1, 2 }).reshape(2, 1);
                using var opt = OdeOptimizer.Create<HeunFlow>(model.parameters(), o => o.LearningRate = 0.01f);
                int calls = 0;
                opt.step(() => { calls++; opt.zero_grad(); var l = torch.nn.functional.mse_loss(model.forward(x), y); l.backward(); return l; });
                var w = opt.FlatParameters.data<float>().ToArray();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"calls={calls} w0={w[0]:R} w1={w[1]:R} b={w[2]:R}"));

                [Optimizer("user-heun-flow", Order = 2)]
                [ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
                public partial class HeunFlow
                {
                    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.01f;
                    [Explicit("theta")] static float Theta(float g) => -g;
                }
                """, "\n    <PackageReference Include=\"libtorch-cpu-linux-x64\" Version=\"2.10.0\" />");

            var fields = RunAndRead(app, "calls=", "the fresh TorchSharp project failed to build or run");

            // Heun from theta = 0 on mse_loss = (1/2) sum_i (w . x_i + b - y_i)^2 for x = (1, 2), (3, 4), y = 1, 2.
            double[][] xs = { new[] { 1.0, 2.0 }, new[] { 3.0, 4.0 } };
            double[] ys = { 1, 2 };
            double[] Grad(double[] t)
            {
                var g = new double[3];
                for (int i = 0; i < 2; i++)
                {
                    double r = t[0] * xs[i][0] + t[1] * xs[i][1] + t[2] - ys[i];
                    g[0] += r * xs[i][0]; g[1] += r * xs[i][1]; g[2] += r;
                }
                return g;
            }
            const double h = 0.01;
            var k1 = Grad(new double[3]);
            var k2 = Grad(k1.Select(v => -h * v).ToArray());
            var theta = k1.Select((v, i) => -h / 2 * (v + k2[i])).ToArray();
            Assert.Equal("2", fields["calls"]);
            Assert.Equal(theta[0], double.Parse(fields["w0"], CultureInfo.InvariantCulture), 5);
            Assert.Equal(theta[1], double.Parse(fields["w1"], CultureInfo.InvariantCulture), 5);
            Assert.Equal(theta[2], double.Parse(fields["b"], CultureInfo.InvariantCulture), 5);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }
}
