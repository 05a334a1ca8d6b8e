using System;
using System.Threading;

namespace OdeOpt.Runtime;

/// <summary>Something that runs one pass of a kernel over a range of elements.</summary>
internal interface IPassRunner
{
    void RunPass(int pass, nint start, nint end);
}

/// <summary>
/// Runs a pass over fixed blocks of <see cref="BlockSize"/> elements on up to ProcessorCount threads, with
/// persistent workers and no allocation per call. Every element is computed by the same code whatever the
/// number of threads (blocks start at multiples of every vector width; only the last block has a scalar tail),
/// so results are bit-identical for any thread count.
/// </summary>
internal static class PassScheduler
{
    /// <summary>Elements per block: a multiple of every vector width (128 KiB of floats per array).</summary>
    public const int BlockSize = 1 << 15;

    private static readonly object s_lock = new();
    private static ManualResetEventSlim[]? s_signals;
    private static readonly ManualResetEventSlim s_done = new(false);
    private static IPassRunner? s_runner;
    private static int s_pass;
    private static nint s_start;
    private static nint s_end;
    private static int s_nextBlock;
    private static int s_blockCount;
    private static int s_pending;
    private static Exception? s_error;

    public static int WorkerCount => Math.Max(0, Environment.ProcessorCount - 1);

    /// <summary>Runs the pass over [start, end) in blocks of <see cref="BlockSize"/> counted from <paramref name="start"/>.</summary>
    public static void Run(IPassRunner runner, int pass, nint start, nint end, int threads)
    {
        nint length = end - start;
        int blocks = (int)((length + BlockSize - 1) / BlockSize);
        threads = Math.Min(Math.Min(threads, blocks), WorkerCount + 1);
        if (threads <= 1 || !Monitor.TryEnter(s_lock))
        {
            runner.RunPass(pass, start, end);
            return;
        }
        try
        {
            EnsureWorkers();
            s_runner = runner;
            s_pass = pass;
            s_start = start;
            s_end = end;
            s_blockCount = blocks;
            s_error = null;
            Volatile.Write(ref s_nextBlock, 0);
            Volatile.Write(ref s_pending, threads - 1);
            s_done.Reset();
            for (int w = 0; w < threads - 1; w++) s_signals![w].Set();
            Work();
            if (Volatile.Read(ref s_pending) != 0) s_done.Wait();
            if (s_error is { } error) throw new InvalidOperationException("A kernel pass failed on a worker thread.", error);
        }
        finally
        {
            s_runner = null;
            Monitor.Exit(s_lock);
        }
    }

    private static void Work()
    {
        var runner = s_runner!;
        int pass = s_pass;
        nint first = s_start, last = s_end;
        int block;
        while ((block = Interlocked.Increment(ref s_nextBlock) - 1) < s_blockCount)
        {
            nint start = first + (nint)block * BlockSize;
            nint end = Math.Min(start + BlockSize, last);
            runner.RunPass(pass, start, end);
        }
    }

    private static void EnsureWorkers()
    {
        if (s_signals is not null) return;
        var events = new ManualResetEventSlim[WorkerCount];
        for (int w = 0; w < events.Length; w++)
        {
            events[w] = new ManualResetEventSlim(false);
            var signal = events[w];
            var thread = new Thread(() => WorkerLoop(signal)) { IsBackground = true, Name = "OdeOpt kernel worker " + w };
            thread.Start();
        }
        s_signals = events;
    }

    private static void WorkerLoop(ManualResetEventSlim signal)
    {
        while (true)
        {
            signal.Wait();
            signal.Reset();
            try
            {
                Work();
            }
            catch (Exception e)
            {
                s_error = e;
            }
            finally
            {
                if (Interlocked.Decrement(ref s_pending) == 0) s_done.Set();
            }
        }
    }
}
