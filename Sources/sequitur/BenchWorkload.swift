import Sequitur

/// What one token costs the model, counted from its GGUF file: the bytes of weights a decoded token streams and
/// the arithmetic a scored token does. With the machine's copy bandwidth and FMA peak (`CPUMachineLimits`) they
/// say how close the decode and scoring figures are to what the machine can do.
struct BenchWorkload {
    /// Bytes of every tensor a decode step reads in full: all but the token embedding, which is gathered a row
    /// at a time, unless it doubles as the output head (no `output.weight`).
    let weightBytesPerToken: Int
    /// 2 × the elements of every matrix multiplied per token (a multiply-add is two operations).
    let matmulFlopsPerToken: Int
    let layers: Int
    let attentionHeads: Int
    let headDimension: Int

    init(file: GGUFFile) throws {
        let architecture = try file.string("general.architecture")
        let tiedHead = file.tensor(named: "output.weight") == nil
        var bytes = 0, flops = 0
        for t in file.tensors where t.name != "token_embd.weight" || tiedHead {
            bytes += t.byteCount
            if t.dimensions.count >= 2 { flops += 2 * t.elementCount }
        }
        weightBytesPerToken = bytes
        matmulFlopsPerToken = flops
        layers = try file.int("\(architecture).block_count")
        attentionHeads = try file.int("\(architecture).attention.head_count")
        headDimension = try file.int("\(architecture).embedding_length") / attentionHeads
    }

    /// Attention's arithmetic for a token that attends to `keys` positions: a dot product with each key and a
    /// weighted sum of each value, per head and layer.
    func attentionFlops(keys: Int) -> Int { 4 * headDimension * keys * attentionHeads * layers }

    /// The average operations per token of sequences of `length` scored from position 0 (position p attends to
    /// p + 1 keys).
    func scoringFlopsPerToken(length: Int) -> Double {
        Double(matmulFlopsPerToken) + Double(attentionFlops(keys: 1) * (length + 1)) / 2
    }
}
