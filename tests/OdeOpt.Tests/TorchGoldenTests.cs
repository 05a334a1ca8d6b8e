using System;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

/// <summary>Every case of the real-PyTorch golden file (torch 1.13, float64, 30 steps): OdeOpt's float32 run agrees at
/// every step to 1e-5 relative.</summary>
public class TorchGoldenTests
{
    private readonly ITestOutputHelper _out;
    public TorchGoldenTests(ITestOutputHelper output) => _out = output;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var c in TorchGolden.Cases()) data.Add((string)c[0], (string)c[1]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_real_PyTorch(string optimizer, string options)
    {
        var golden = Golden.Load();
        var steps = golden.Steps(optimizer, options);
        int n = golden.X0.Length;
        var opt = TorchGolden.Create(optimizer, options, n);
        var p = Problems.ToFloat(golden.X0);
        var grad = Problems.ToFloat(golden.Gradient, n);
        double worst = 0;
        for (int s = 0; s < steps.Length; s++)
        {
            opt.Step(p, grad);
            worst = Math.Max(worst, Problems.MaxRelativeError(p, steps[s]));
        }
        _out.WriteLine($"{optimizer} {System.Text.RegularExpressions.Regex.Replace(options, @"\s+", "")}: largest relative error over {steps.Length} steps {worst:E3}");
        Assert.True(worst <= 1e-5, $"{optimizer} {options}: error {worst:E3}");
    }
}
