// Which buffers a pass family reads and writes in 16 bits: the plan's [StateStorage] arrays (bfloat16, binary16) and,
// in the family of the bfloat16 parameter step ([ParameterStorage]), the parameters and the gradient. Both emitters
// spell their loads and stores from it (CpuEmitter.Passes, IlgpuEmitter).
using OdeOpt.Generators.Model;

namespace OdeOpt.Generators.Emit;

/// <param name="BFloat16">State arrays (bit k) stored as bfloat16.</param>
/// <param name="Half">State arrays (bit k) stored as IEEE binary16.</param>
/// <param name="Buffers16">The pass family over bfloat16 parameter and gradient buffers (theta rounded stochastically).</param>
internal readonly record struct ArrayStorage(int BFloat16, int Half, bool Buffers16 = false)
{
    /// <summary>The parameters or the gradient, in the bfloat16 parameter step's family.</summary>
    public bool IsBuffer16(int slot) => Buffers16 && slot is Slots.Parameters or Slots.Gradient;

    /// <summary>Stored in 16 bits (a state array or, in that family, a caller's buffer).</summary>
    public bool Is16(int slot) => IsBuffer16(slot) || slot >= 0 && slot < 31 && ((BFloat16 | Half) >> slot & 1) != 0;

    /// <summary>The pass of the bfloat16 parameter step: the plan's own pass under its own name (both forms).</summary>
    public static KernelPlan Buffers16Pass(KernelPlan k) => k with { Name = k.Name + "BFloat16Buffers" };

    /// <summary>A state array stored as binary16 (everything else 16-bit is bfloat16).</summary>
    public bool IsHalf(int slot) => slot >= 0 && slot < 31 && (Half >> slot & 1) != 0;
}
