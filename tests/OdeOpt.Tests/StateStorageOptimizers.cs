using OdeOpt.Optimizers;

namespace OdeOpt.Tests;

// torch's Adam (the Adam ODE under IMEX Euler) declared twice: with m and v stored as bfloat16, and as float32.

/// <summary>Adam with bfloat16 first and second moments: 20 bytes per parameter per step instead of 28.</summary>
[Optimizer("test-adam-bf16-states", Order = 1, Ode = typeof(AdamOde))]
[ImexScheme(ImexSchemes.Euler)]
[StateStorage("m", StateStorage.BFloat16)]
[StateStorage("v", StateStorage.BFloat16)]
public partial class AdamBFloat16States;

/// <summary>The same declaration with float32 states.</summary>
[Optimizer("test-adam-float-states", Order = 1, Ode = typeof(AdamOde))]
[ImexScheme(ImexSchemes.Euler)]
public partial class AdamFloatStates;

/// <summary>Adam with a binary16 first moment (11 significant bits, |m| at most max |g|) and a bfloat16 second moment
/// (whose g^2 values need bfloat16's range): 20 bytes per parameter per step.</summary>
[Optimizer("test-adam-half-m-bf16-v", Order = 1, Ode = typeof(AdamOde))]
[ImexScheme(ImexSchemes.Euler)]
[StateStorage("m", StateStorage.Half)]
[StateStorage("v", StateStorage.BFloat16)]
public partial class AdamHalfFirstMoment;
