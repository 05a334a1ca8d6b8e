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

    [Fact]
    public void A_fresh_project_builds_and_trains_with_the_package_alone()
    {
        string root = RepositoryRoot();
        string work = Path.Combine(Path.GetTempPath(), "odeopt-package-" + Guid.NewGuid().ToString("N"));
        string feed = Path.Combine(work, "feed"), app = Path.Combine(work, "app");
        Directory.CreateDirectory(app);
        try
        {
            var pack = Dotnet($"pack \"{Path.Combine(root, "src", "OdeOpt", "OdeOpt.csproj")}\" -c {Configuration} --no-build -o \"{feed}\"", root);
            Assert.True(pack.Code == 0, "dotnet pack failed");
            string package = Directory.GetFiles(feed, "OdeOpt.*.nupkg").Single(f => !f.EndsWith(".snupkg", StringComparison.Ordinal));
            string version = Path.GetFileNameWithoutExtension(package).Substring("OdeOpt.".Length);

            File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <config><add key="globalPackagesFolder" value="{Path.Combine(work, "packages")}" /></config>
                  <packageSources><clear /><add key="local" value="{feed}" /></packageSources>
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
                    <PackageReference Include="OdeOpt" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            // A user's own scheme: Heun (explicit trapezoidal) on the gradient flow, two gradients per step.
            File.WriteAllText(Path.Combine(app, "Program.cs"), """
                using System;
                using System.Globalization;
                using OdeOpt;

                var opt = new HeunFlow(2) { LearningRate = 0.1f };
                var p = new float[] { 1f, -2f };
                for (int i = 0; i < 5; i++)
                    opt.Step(p, (x, g) => { g[0] = 2 * x[0]; g[1] = 4 * x[1]; });
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gradients/step={HeunFlow.Info.GradientEvaluationsPerStep} order={HeunFlow.Info.Order} p0={p[0]:R} p1={p[1]:R} registry={OptimizerRegistry.Contains("user-heun-flow")}"));

                [Optimizer("user-heun-flow", Order = 2)]
                [ExplicitTableau("0 0; 1 0", B = "1/2 1/2")]
                public partial class HeunFlow
                {
                    [Hyperparameter(Min = 0), StepSize] public float LearningRate { get; set; } = 0.01f;
                    [Explicit("theta")] static float Theta(float g) => -g;
                }
                """);

            var run = Dotnet("run -c Release", app);
            Assert.True(run.Code == 0, "the fresh project failed to build or run");
            string line = run.Output.Split('\n').Single(l => l.StartsWith("gradients/step=", StringComparison.Ordinal)).Trim();

            // Heun on theta' = -a theta multiplies theta by 1 - h a + (h a)^2 / 2 per step.
            static double Heun(double theta, double a) { for (int i = 0; i < 5; i++) theta *= 1 - 0.1 * a + 0.5 * (0.1 * a) * (0.1 * a); return theta; }
            var fields = line.Split(' ').Select(f => f.Split('=')).ToDictionary(f => f[0], f => f[1]);
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
}
