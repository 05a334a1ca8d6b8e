using OdeOpt.Optimizers;
using Xunit;

namespace OdeOpt.Tests;

/// <summary>Order and linear stability reported in Info, found by the generator's exact tableau analysis.</summary>
public class SchemePropertiesTests
{
    [Fact]
    public void Orders_are_those_of_the_pairs()
    {
        Assert.Equal(1, Adam.Info.Order);
        Assert.Equal(2, ImexTrapezoidalAdam.Info.Order);
        Assert.Equal(1, Sgd.Info.Order);
        Assert.Equal(4, Rk4GradientFlow.Info.Order);
        Assert.Equal(1, UnbiasedAdamEuler.Info.Order);
        Assert.Equal(2, UnbiasedAdamTrapezoidal.Info.Order);
    }

    [Fact]
    public void Stability_bounds_match_the_known_intervals()
    {
        // Forward Euler |1 + z| <= 1 on [-2, 0]; Heun 1 + z + z^2/2 also 2; RK4 about 2.7853.
        Assert.Equal(2.0, Sgd.Info.StabilityBound, 9);
        Assert.Equal(2.0, ImexTrapezoidalAdam.Info.StabilityBound, 9);
        Assert.Equal(2.785293563, Rk4GradientFlow.Info.StabilityBound, 6);
        Assert.Null(Sgd.Info.ImplicitAStable);
    }

    [Fact]
    public void Implicit_parts_are_classified()
    {
        // Backward Euler: R = 1 / (1 - z), L-stable. Trapezoidal: R = (1 + z/2) / (1 - z/2), A-stable, |R(inf)| = 1.
        Assert.True(Adam.Info.ImplicitAStable);
        Assert.True(Adam.Info.ImplicitLStable);
        Assert.True(ImexTrapezoidalAdam.Info.ImplicitAStable);
        Assert.False(ImexTrapezoidalAdam.Info.ImplicitLStable);
    }
}
