using OdeOpt.Optimizers;
using Xunit;

namespace OdeOpt.Tests;

/// <summary>Order and linear stability reported in Info, found by the generator's exact tableau analysis.</summary>
public class SchemePropertiesTests
{
    [Fact]
    public void Orders_are_those_of_the_pairs()
    {
        Assert.Equal(1, Adam.StaticInfo.Order);
        Assert.Equal(2, ImexTrapezoidalAdam.StaticInfo.Order);
        Assert.Equal(1, Sgd.StaticInfo.Order);
        Assert.Equal(4, Rk4GradientFlow.StaticInfo.Order);
        Assert.Equal(1, UnbiasedAdamEuler.StaticInfo.Order);
        Assert.Equal(2, UnbiasedAdamTrapezoidal.StaticInfo.Order);
    }

    [Fact]
    public void Stability_bounds_match_the_known_intervals()
    {
        // Forward Euler |1 + z| <= 1 on [-2, 0]; Heun 1 + z + z^2/2 also 2; RK4 about 2.7853.
        Assert.Equal(2.0, Sgd.StaticInfo.StabilityBound, 9);
        Assert.Equal(2.0, ImexTrapezoidalAdam.StaticInfo.StabilityBound, 9);
        Assert.Equal(2.785293563, Rk4GradientFlow.StaticInfo.StabilityBound, 6);
        Assert.Null(Sgd.StaticInfo.ImplicitAStable);
    }

    [Fact]
    public void Implicit_parts_are_classified()
    {
        // Backward Euler: R = 1 / (1 - z), L-stable. Trapezoidal: R = (1 + z/2) / (1 - z/2), A-stable, |R(inf)| = 1.
        Assert.True(Adam.StaticInfo.ImplicitAStable);
        Assert.True(Adam.StaticInfo.ImplicitLStable);
        Assert.True(ImexTrapezoidalAdam.StaticInfo.ImplicitAStable);
        Assert.False(ImexTrapezoidalAdam.StaticInfo.ImplicitLStable);
    }
}
