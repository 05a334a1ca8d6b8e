namespace OdeOpt.Generators;

/// <summary>Names of the incremental pipeline's steps, used by the incrementality tests.</summary>
internal static class TrackingNames
{
    public const string Declarations = nameof(Declarations);
    public const string Plans = nameof(Plans);
    public const string Sources = nameof(Sources);
    public const string Diagnostics = nameof(Diagnostics);
    public const string Names = nameof(Names);
    public const string GpuPlans = nameof(GpuPlans);
    public const string GpuTarget = nameof(GpuTarget);
    public const string ReferencedGpuPlans = nameof(ReferencedGpuPlans);
    public const string Odes = nameof(Odes);
}
