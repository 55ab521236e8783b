using Checkpoints.Files;
using Checkpoints.Format;
using Checkpoints.Loading.Planning;
using Checkpoints.Loading.Reading;
using Checkpoints.Selection;


namespace Checkpoints.Loading.Session;

/// <summary>
/// What opening found: the files, their validated headers checked against each other, the identity of each file as it
/// was read, the plan, and what of each tensor and shard the selection needs. The read pool that read the headers goes on to serve the load.
/// </summary>
internal sealed record OpenedCheckpoint(CheckpointLayout Layout, CheckpointCatalog Catalog, IReadOnlyList<FileIdentity> Identities, ReadPool ReadPool, LoadPlan Plan, ResolvedSelection Selection);
