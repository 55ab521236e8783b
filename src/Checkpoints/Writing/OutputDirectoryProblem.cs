namespace Checkpoints.Writing;

/// <summary>Why a directory cannot take the checkpoint <see cref="CheckpointWriter.WriteDirectory"/> was asked to write.</summary>
public enum OutputDirectoryProblem
{
    /// <summary>It holds a checkpoint, and replacing it was not asked for.</summary>
    HoldsCheckpoint,

    /// <summary>It holds files that are not a checkpoint's; they are never moved or replaced.</summary>
    HoldsOtherFiles,

    /// <summary>Its file system has less room than the checkpoint takes.</summary>
    NotEnoughSpace,
}
