using OdeOpt.Optimizers;

namespace OdeOpt.Benchmarks;

/// <summary>torch's Adam (the Adam ODE under IMEX Euler) with m and v stored as bfloat16: 20 bytes per parameter
/// (issue 18, part 2). The peers section times it beside the float32 Adam.</summary>
[Optimizer("bench-adam-bf16-moments", Order = 1, Ode = typeof(AdamOde))]
[ImexScheme(ImexSchemes.Euler)]
[StateStorage("m", StateStorage.BFloat16)]
[StateStorage("v", StateStorage.BFloat16)]
public partial class AdamBf16Moments;
