namespace Checkpoints.Selection;

/// <summary>
/// Which weights a tensor-parallel rank takes a part of, and along which dimension; everything else (norms, the biases
/// of row-parallel layers, routers) is replicated, loaded whole by every rank. Patterns as in <see cref="TensorSelection.Names"/>.
/// </summary>
public sealed record TensorParallelLayout
{
    /// <summary>
    /// Llama-family names (Llama, Mistral, Qwen, Mixtral, and GPT-NeoX / Phi style), as vLLM shards them: the attention's
    /// query, key and value and the MLP's gate and up projections are column-parallel (each rank takes its part of the
    /// output rows, biases included); the attention's output and the MLP's down projection are row-parallel (each rank takes its
    /// part of the input columns of the weight); the embeddings and the output head are split by vocabulary rows.
    /// </summary>
    public static TensorParallelLayout Llama { get; } = new();

    /// <summary>Tensors cut along their first dimension (output rows): column-parallel layers, vocabulary-parallel embeddings and heads.</summary>
    public IReadOnlyList<string> FirstDimension { get; init; } =
    [
        "*.q_proj.*", "*.k_proj.*", "*.v_proj.*", "*.qkv_proj.*", "*.query_key_value.*",
        "*.gate_proj.*", "*.up_proj.*", "*.gate_up_proj.*", "*.w1.*", "*.w3.*", "*.dense_h_to_4h.*", "*.fc1.*",
        "*embed_tokens.weight", "lm_head.weight", "*.embed_in.weight", "embed_out.weight",
    ];

    /// <summary>Tensors cut along their last dimension (input columns): the weights of row-parallel layers.</summary>
    public IReadOnlyList<string> LastDimension { get; init; } =
    [
        "*.o_proj.weight", "*.down_proj.weight", "*.w2.weight", "*.dense_4h_to_h.weight", "*.fc2.weight", "*.attention.dense.weight",
    ];
}
