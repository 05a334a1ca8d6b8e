// One call at a time per optimizer: the guard every stepping, iterate, reset and checkpoint entry of the CPU and GPU
// cores takes first. A second call while one is in progress (another thread, or the gradient function calling back
// into its own optimizer) throws instead of corrupting the pass position or losing a step.
using System;
using System.Threading;

namespace OdeOpt.Runtime;

internal ref struct Exclusive
{
    private ref int _flag;

    private Exclusive(ref int flag) => _flag = ref flag;

    /// <summary>Takes the optimizer's flag; throws <see cref="InvalidOperationException"/> when a call holds it.</summary>
    public static Exclusive Enter(ref int flag, string optimizer, string call)
    {
        if (Interlocked.CompareExchange(ref flag, 1, 0) != 0)
            throw new InvalidOperationException($"{call} on '{optimizer}' while another call on it is in progress (a second thread, or the gradient function calling back into its own optimizer). An optimizer takes one call at a time; nothing was changed.");
        return new Exclusive(ref flag);
    }

    /// <summary>Releases the flag.</summary>
    public void Dispose() => Volatile.Write(ref _flag, 0);
}
