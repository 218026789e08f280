import SequiturCore

/// One transformer block's weights, on the backend.
struct LlamaLayerWeights {
    let attentionNorm: DeviceTensor
    let query: DeviceTensor
    let key: DeviceTensor
    let value: DeviceTensor
    /// Q, K and V biases (`TransformerFamily.attentionBias`), else nil.
    let queryBias: DeviceTensor?
    let keyBias: DeviceTensor?
    let valueBias: DeviceTensor?
    /// Per-head norms of Q and K (`TransformerFamily.queryKeyNorm`), else nil.
    let queryNorm: DeviceTensor?
    let keyNorm: DeviceTensor?
    let attentionOutput: DeviceTensor
    let feedForwardNorm: DeviceTensor
    let gate: DeviceTensor
    let up: DeviceTensor
    let down: DeviceTensor
}

/// All weights of a llama-style model, checked against the hyperparameters and uploaded to the backend once.
///
/// Tensor names and shapes follow llama.cpp's GGUF convention (`blk.N.attn_q.weight` ...); shapes are
/// `rows × columns` with `columns` the input dimension. The output head is `output.weight`, or the token
/// embedding when the file ties them (SmolLM2 and small Qwen models do).
struct LlamaWeights {
    let tokenEmbedding: DeviceTensor
    let layers: [LlamaLayerWeights]
    let outputNorm: DeviceTensor
    let outputHead: DeviceTensor
    /// The rotation of queries and keys, with `rope_freqs.weight`'s divisors when the file has them.
    let rotary: RotaryEmbedding

    /// `lookup` returns the named tensor, or nil when the file has none by that name.
    init(hyperparameters hp: LlamaHyperparameters, backend: any Backend,
         lookup: (String) throws -> WeightTensor?) throws {
        func checked(_ name: String, rows: Int, columns: Int) throws -> WeightTensor {
            guard let w = try lookup(name) else { throw LlamaModelError.missingTensor(name: name) }
            try Self.check(w, name: name, rows: rows, columns: columns)
            try Self.checkFinite(w)
            return w
        }
        func load(_ name: String, rows: Int, columns: Int) throws -> DeviceTensor {
            try backend.upload(checked(name, rows: rows, columns: columns))
        }
        // Biases are added to float32 activations, so they are made float32 activations themselves whatever
        // their file type.
        func loadVector(_ name: String, columns: Int) throws -> DeviceTensor {
            let w = try checked(name, rows: 1, columns: columns)
            let values = try Dequantization.dequantize(w.type, bytes: w.bytes, count: columns)
            return try backend.makeActivations(rows: 1, columns: columns, values: values)
        }
        let d = hp.embeddingLength, q = hp.queryDimension, hd = hp.headDimension, family = hp.family
        typealias N = LlamaTensorName
        tokenEmbedding = try load(N.tokenEmbedding, rows: hp.vocabularySize, columns: d)
        // Appended one at a time rather than mapped over 0..<layerCount: `map` reserves every element first, so a
        // corrupt block count (10⁹) would ask for hundreds of GB before the first missing tensor could be named.
        var layers: [LlamaLayerWeights] = []
        for l in 0..<hp.layerCount {
            let bias = family.attentionBias
            let norm = family.queryKeyNorm
            layers.append(LlamaLayerWeights(
                attentionNorm: try load(N.block(l, .attentionNorm), rows: 1, columns: d),
                query: try load(N.block(l, .query), rows: q, columns: d),
                key: try load(N.block(l, .key), rows: hp.kvDimension, columns: d),
                value: try load(N.block(l, .value), rows: hp.kvDimension, columns: d),
                queryBias: bias ? try loadVector(N.bias(l, .query), columns: q) : nil,
                keyBias: bias ? try loadVector(N.bias(l, .key), columns: hp.kvDimension) : nil,
                valueBias: bias ? try loadVector(N.bias(l, .value), columns: hp.kvDimension) : nil,
                queryNorm: norm ? try load(N.block(l, .queryNorm), rows: 1, columns: hd) : nil,
                keyNorm: norm ? try load(N.block(l, .keyNorm), rows: 1, columns: hd) : nil,
                attentionOutput: try load(N.block(l, .attentionOutput), rows: d, columns: q),
                feedForwardNorm: try load(N.block(l, .feedForwardNorm), rows: 1, columns: d),
                gate: try load(N.block(l, .gate), rows: hp.feedForwardLength, columns: d),
                up: try load(N.block(l, .up), rows: hp.feedForwardLength, columns: d),
                down: try load(N.block(l, .down), rows: d, columns: hp.feedForwardLength)))
        }
        self.layers = layers
        outputNorm = try load(N.outputNorm, rows: 1, columns: d)
        if let head = try lookup(N.outputHead) {
            try Self.check(head, name: N.outputHead, rows: hp.vocabularySize, columns: d)
            try Self.checkFinite(head)
            outputHead = try backend.upload(head)
        } else {
            outputHead = tokenEmbedding   // tied embeddings
        }
        var factors: [Float]?
        if family.ropeFrequencyTensor, let w = try lookup(N.ropeFrequencies) {
            try Self.check(w, name: N.ropeFrequencies, rows: 1, columns: hp.ropeDimension / 2)
            factors = try Dequantization.dequantize(w.type, bytes: w.bytes, count: w.columns)
        }
        rotary = hp.rotary(frequencyFactors: factors)
        if let problem = rotary.problem(headDimension: hd) {
            throw LlamaModelError.invalidTensor(name: N.ropeFrequencies, reason: problem)
        }
    }

    /// A NaN or infinity in a weight would reach every log-prob that reads it; refusing the file at load
    /// names the tensor, where a wrong score later could name nothing.
    private static func checkFinite(_ w: WeightTensor) throws {
        if let bad = w.firstNonFiniteValue() { throw LanguageModelError.nonFiniteWeight(bad) }
    }

    private static func check(_ w: WeightTensor, name: String, rows: Int, columns: Int) throws {
        guard w.rows == rows, w.columns == columns else {
            throw LlamaModelError.tensorShape(name: name, expected: "\(rows) × \(columns)",
                                              actual: "\(w.rows) × \(w.columns)")
        }
    }
}
