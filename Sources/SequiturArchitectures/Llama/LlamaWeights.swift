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
    /// Gemma's norms after attention and after the feed-forward (`TransformerFamily.postNorms`), else nil.
    let postAttentionNorm: DeviceTensor?
    let postFeedForwardNorm: DeviceTensor?
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
    /// The local layers' rotation (Gemma), else nil.
    let localRotary: RotaryEmbedding?

    /// `lookup` returns the named tensor, or nil when the file has none by that name.
    init(hyperparameters hp: LlamaHyperparameters, backend: any Backend,
         lookup: (String) throws -> WeightTensor?) throws {
        // One shape table for the header check and this loader (`LlamaTensorName.expected`).
        var shapes: [String: LlamaTensorName.Expected] = [:]
        for e in LlamaTensorName.expected(hp) { shapes[e.name] = e }
        func checked(_ name: String) throws -> WeightTensor? {
            let shape = shapes[name]!
            guard let w = try lookup(name) else {
                if shape.isOptional { return nil }
                throw LlamaModelError.missingTensor(name: name)
            }
            try Self.check(w, name: name, rows: shape.rows, columns: shape.columns)
            try Self.checkFinite(w)
            return w
        }
        func load(_ name: String) throws -> DeviceTensor { try backend.upload(checked(name)!) }
        // A fused weight's parts are row ranges of it: each row is contiguous whatever the type, so a part is
        // a slice of the same bytes.
        func loadRows(_ name: String, parts: [Int]) throws -> [DeviceTensor] {
            let w = try checked(name)!
            var first = 0
            return try parts.map { rows in
                defer { first += rows }
                let slice = UnsafeRawBufferPointer(rebasing: w.bytes[(first * w.rowBytes)..<((first + rows) * w.rowBytes)])
                return try backend.upload(WeightTensor(name: "\(name)[rows \(first)..<\(first + rows)]", type: w.type,
                                                       rows: rows, columns: w.columns, bytes: slice, owner: w.owner))
            }
        }
        // A vector's values as float32 whatever its file type, or nil when an optional one is absent.
        func vectorValues(_ name: String) throws -> [Float]? {
            try checked(name).map { try Dequantization.dequantize($0.type, bytes: $0.bytes, count: $0.columns) }
        }
        // Biases are added to float32 activations, so they are made float32 activations themselves.
        func loadVector(_ name: String) throws -> DeviceTensor {
            let values = try vectorValues(name)!
            return try backend.makeActivations(rows: 1, columns: values.count, values: values)
        }
        let family = hp.family
        typealias N = LlamaTensorName
        tokenEmbedding = try load(N.tokenEmbedding)
        // Appended one at a time rather than mapped over 0..<layerCount: `map` reserves every element first, so a
        // corrupt block count would ask for the memory of every layer before the first missing tensor is named.
        var layers: [LlamaLayerWeights] = []
        for l in 0..<hp.layerCount {
            let bias = family.attentionBias
            let norm = family.queryKeyNorm
            let qkv = family.fusedProjections
                ? try loadRows(N.block(l, .fusedQKV), parts: [hp.queryDimension, hp.kvDimension, hp.kvDimension])
                : [try load(N.block(l, .query)), try load(N.block(l, .key)), try load(N.block(l, .value))]
            let gateUp = family.fusedProjections
                ? try loadRows(N.block(l, .up), parts: [hp.feedForwardLength, hp.feedForwardLength])
                : [try load(N.block(l, .gate)), try load(N.block(l, .up))]
            layers.append(LlamaLayerWeights(
                attentionNorm: try load(N.block(l, .attentionNorm)),
                query: qkv[0],
                key: qkv[1],
                value: qkv[2],
                queryBias: bias ? try loadVector(N.bias(l, .query)) : nil,
                keyBias: bias ? try loadVector(N.bias(l, .key)) : nil,
                valueBias: bias ? try loadVector(N.bias(l, .value)) : nil,
                queryNorm: norm ? try load(N.block(l, .queryNorm)) : nil,
                keyNorm: norm ? try load(N.block(l, .keyNorm)) : nil,
                attentionOutput: try load(N.block(l, .attentionOutput)),
                feedForwardNorm: try load(N.block(l, .feedForwardNorm)),
                gate: gateUp[0],
                up: gateUp[1],
                down: try load(N.block(l, .down)),
                postAttentionNorm: family.postNorms ? try load(N.block(l, .postAttentionNorm)) : nil,
                postFeedForwardNorm: family.postNorms ? try load(N.block(l, .postFeedForwardNorm)) : nil))
        }
        self.layers = layers
        outputNorm = try load(N.outputNorm)
        // The output head is tied to the token embedding when the file has none.
        outputHead = try checked(N.outputHead).map { try backend.upload($0) } ?? tokenEmbedding
        var factors: [Float]?, factorTensor = N.ropeFrequencies
        if family.ropeFrequencyTensor { factors = try vectorValues(N.ropeFrequencies) }
        if hp.longRope != nil {
            // The long factors apply only past the original context, where the model is capped
            // (`exactContextLength`); they are checked all the same, as a bad value means a bad file.
            guard let long = try vectorValues(N.ropeFactorsLong) else { throw LlamaModelError.missingTensor(name: N.ropeFactorsLong) }
            guard let short = try vectorValues(N.ropeFactorsShort) else { throw LlamaModelError.missingTensor(name: N.ropeFactorsShort) }
            if let problem = hp.rotary(frequencyFactors: long).problem(headDimension: hp.headDimension) {
                throw LlamaModelError.invalidTensor(name: N.ropeFactorsLong, reason: problem)
            }
            factors = short
            factorTensor = N.ropeFactorsShort
        }
        let hd = hp.headDimension
        rotary = hp.rotary(frequencyFactors: factors)
        if let problem = rotary.problem(headDimension: hd) {
            throw LlamaModelError.invalidTensor(name: factorTensor, reason: problem)
        }
        localRotary = hp.localRotary
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
