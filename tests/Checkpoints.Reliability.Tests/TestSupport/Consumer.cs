using System.Diagnostics;

namespace Checkpoints.Reliability.Tests.TestSupport;

/// <summary>What a consumer got before it stopped.</summary>
/// <param name="TensorsVerified">Tensors handed out with exactly the reference bytes.</param>
/// <param name="Mismatches">Tensors handed out with other bytes: a load must never do this, fault or not.</param>
/// <param name="Failure">What ended the loop early; null when every tensor was read.</param>
/// <param name="FailedTensor">The tensor being read when it failed.</param>
/// <param name="EndedAt">When the loop ended, as a <see cref="Stopwatch.GetTimestamp"/>.</param>
internal sealed record Consumption(int TensorsVerified, IReadOnlyList<string> Mismatches, Exception? Failure, Tensor? FailedTensor, long EndedAt)
{
    /// <summary>How the load ended, for the test's output: the exact words a user would have read.</summary>
    public string Outcome => Failure is null
        ? $"every tensor was read ({TensorsVerified} verified, {Mismatches.Count} wrong)"
        : $"after {TensorsVerified} verified tensors, reading {FailedTensor?.Name} threw {Failure.GetType().Name}: {Failure.Message}";
}

/// <summary>
/// A model loader's loop: every selected tensor in order (its slice, when the load selects one), each compared with the
/// reference as soon as it is handed out.
/// </summary>
internal static class Consumer
{
    /// <param name="checkpoint">The load under test.</param>
    /// <param name="expected">The reference bytes (see <see cref="ReferenceTensors"/>).</param>
    /// <param name="beforeTensor">Called before each tensor is read: where a test injects its fault.</param>
    public static Consumption ReadAll(Checkpoint checkpoint, IReadOnlyDictionary<string, byte[]> expected, Action<Tensor>? beforeTensor = null)
    {
        var verified = 0;
        var mismatches = new List<string>();
        foreach (var tensor in checkpoint.Tensors.Where(static tensor => tensor.IsSelected))
        {
            beforeTensor?.Invoke(tensor);
            try
            {
                if (ReferenceTensors.Selected(tensor).SequenceEqual(expected[tensor.Name]))
                {
                    verified++;
                }
                else
                {
                    mismatches.Add(tensor.Name);
                }
            }
            catch (Exception exception)
            {
                // Whatever the load throws is the outcome under test: each test asserts its type and words.
                return new Consumption(verified, mismatches, exception, tensor, Stopwatch.GetTimestamp());
            }
        }

        return new Consumption(verified, mismatches, null, null, Stopwatch.GetTimestamp());
    }

    /// <summary>
    /// <see cref="ReadAll"/> on its own thread, so the test keeps control (and a deadline) while a read is stuck in the
    /// kernel.
    /// </summary>
    public static Task<Consumption> ReadAllInBackground(Checkpoint checkpoint, IReadOnlyDictionary<string, byte[]> expected, Action<Tensor>? beforeTensor = null) =>
        Task.Factory.StartNew(() => ReadAll(checkpoint, expected, beforeTensor), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
