using Xunit;

namespace OdeOpt.Generators.Tests;

/// <summary>The generated code of the built-in optimizers, approved as snapshots.</summary>
public class SnapshotTests
{
    [Fact]
    public void Adam()
    {
        var run = GeneratorHarness.Run(Declarations.Adam);
        run.AssertClean();
        var file = run.Single();
        Assert.Equal("OdeOpt.Generators.Tests.Snapshots.Adam.OdeOpt.g.cs", file.HintName);
        Snapshot.Verify("Adam", file.Text);
    }

    [Fact]
    public void ImexTrapezoidalAdam()
    {
        var run = GeneratorHarness.Run(Declarations.ImexTrapezoidalAdam);
        run.AssertClean();
        var file = run.Single();
        Assert.Equal("OdeOpt.Generators.Tests.Snapshots.ImexTrapezoidalAdam.OdeOpt.g.cs", file.HintName);
        Snapshot.Verify("ImexTrapezoidalAdam", file.Text);
    }

    [Fact]
    public void Lars()
    {
        var run = GeneratorHarness.Run(Declarations.Lars);
        run.AssertClean();
        var file = run.Single();
        Assert.Equal("OdeOpt.Generators.Tests.Snapshots.Lars.OdeOpt.g.cs", file.HintName);
        Snapshot.Verify("Lars", file.Text);
    }
}
