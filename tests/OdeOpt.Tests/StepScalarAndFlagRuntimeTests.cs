using System;
using System.IO;
using System.Linq;
using OdeOpt.Optimizers;
using Xunit;

namespace OdeOpt.Tests;

/// <summary>Runtime semantics of [StepScalar] and flags on <see cref="StepScalarProbe"/>:
/// s_0 = 2, s_t = rho s_{t-1} + t, theta_t = theta_{t-1} - h (flip ? -1 : 1) s_t g.</summary>
public class StepScalarAndFlagRuntimeTests
{
    private static void Gradient(ReadOnlySpan<float> x, Span<float> g)
    {
        for (int i = 0; i < x.Length; i++) g[i] = 1f + 0.1f * i;
    }

    /// <summary>theta after the steps with per-step rho (schedule) and flip.</summary>
    private static double[] Reference(int n, int steps, float h, Func<int, double> rho, Func<int, bool> flip)
    {
        var theta = new double[n];
        double s = 2;
        for (int t = 1; t <= steps; t++)
        {
            s = rho(t) * s + t;
            for (int i = 0; i < n; i++) theta[i] -= h * (flip(t) ? -1 : 1) * s * (1f + 0.1f * i);
        }
        return theta;
    }

    [Fact]
    public void The_recurrence_runs_once_per_step_and_a_flag_switches_the_branch()
    {
        var opt = new StepScalarProbe(4);
        var p = new float[4];
        for (int s = 0; s < 10; s++) opt.Step(p, Gradient);
        opt.Flip = true;
        for (int s = 0; s < 5; s++) opt.Step(p, Gradient);
        var expected = Reference(4, 15, 0.01f, _ => 0.5f, t => t > 10);
        Assert.True(Problems.MaxRelativeError(p, expected) <= 1e-6, $"{Problems.MaxRelativeError(p, expected):E3}");
        Assert.True(StepScalarProbe.StaticInfo.Hyperparameters[2].IsFlag);
        Assert.False(StepScalarProbe.StaticInfo.Hyperparameters[1].IsFlag);
    }

    [Fact]
    public void The_recurrence_sees_scheduled_values_and_each_group_keeps_its_own()
    {
        var opt = new StepScalarProbe(4);
        opt.SetSchedule("Rho", Schedule.FromFunction((t, v) => v * (t % 2 == 0 ? 1 : 0.5)));
        opt.Groups.Add(2, 2, "tail")["Rho"] = 0.9f;
        var p = new float[4];
        for (int s = 0; s < 12; s++) opt.Step(p, Gradient);
        var head = Reference(4, 12, 0.01f, t => 0.5f * (t % 2 == 0 ? 1 : 0.5), _ => false);
        var tail = Reference(4, 12, 0.01f, t => (float)(0.9f * (t % 2 == 0 ? 1 : 0.5)), _ => false);
        var expected = new[] { head[0], head[1], tail[2], tail[3] };
        Assert.True(Problems.MaxRelativeError(p, expected) <= 1e-6, $"{Problems.MaxRelativeError(p, expected):E3}");
    }

    [Fact]
    public void The_scalar_is_saved_with_the_state_and_reset()
    {
        var a = new StepScalarProbe(3);
        var pa = new float[3];
        for (int s = 0; s < 6; s++) a.Step(pa, Gradient);
        var saved = new MemoryStream();
        a.SaveState(saved);
        var pb = (float[])pa.Clone();
        for (int s = 0; s < 4; s++) a.Step(pa, Gradient);
        var b = new StepScalarProbe(3);
        b.LoadState(new MemoryStream(saved.ToArray()));
        for (int s = 0; s < 4; s++) b.Step(pb, Gradient);
        Assert.Equal(pa, pb);

        a.Reset();
        var pc = new float[3];
        a.Step(pc, Gradient);
        Assert.True(Problems.MaxRelativeError(pc, Reference(3, 1, 0.01f, _ => 0.5f, _ => false)) <= 1e-7);
    }

    [Fact]
    public void A_flag_accepts_only_0_and_1_where_values_travel_as_numbers()
    {
        var opt = new StepScalarProbe(2);
        opt.Groups.Add(0, 1, "g")["Flip"] = 0.5f;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => opt.Step(new float[2], Gradient));
        Assert.Contains("Flip", e.Message);
        Assert.Equal(0, opt.StepCount);
        opt.Groups.Clear();
        opt.SetHyperparameter("Flip", 1f);
        Assert.True(opt.Flip);
        Assert.Equal(1f, opt.GetHyperparameter("Flip"));
    }
}
