import SequiturCore

/// One transformer block's weights, on the backend.
struct LlamaLayerWeights {
    let attentionNorm: DeviceTensor
    let query: DeviceTensor
    let key: DeviceTensor
    let value: DeviceTensor
    let attentionOutput: DeviceTensor
    let feedForwardNorm: DeviceTensor
    let gate: DeviceTensor
    let up: DeviceTensor
    let down: DeviceTensor
}

/// All weights of a llama model, checked against the hyperparameters and uploaded to the backend once.
///
/// Tensor names and shapes follow llama.cpp's GGUF convention (`blk.N.attn_q.weight` ...); shapes are
/// `rows × columns` with `columns` the input dimension. The output head is `output.weight`, or the token
/// embedding when the file ties them (SmolLM2 does).
struct LlamaWeights {
    let tokenEmbedding: DeviceTensor
    let layers: [LlamaLayerWeights]
    let outputNorm: DeviceTensor
    let outputHead: DeviceTensor

    /// `lookup` returns the named tensor, or nil when the file has none by that name.
    init(hyperparameters hp: LlamaHyperparameters, backend: any Backend,
         lookup: (String) throws -> WeightTensor?) throws {
        func load(_ name: String, rows: Int, columns: Int) throws -> DeviceTensor {
            guard let w = try lookup(name) else { throw LlamaModelError.missingTensor(name: name) }
            try Self.check(w, name: name, rows: rows, columns: columns)
            try Self.checkFinite(w)
            return try backend.upload(w)
        }
        let d = hp.embeddingLength
        typealias N = LlamaTensorName
        tokenEmbedding = try load(N.tokenEmbedding, rows: hp.vocabularySize, columns: d)
        // Appended one at a time rather than mapped over 0..<layerCount: `map` reserves every element first, so a
        // corrupt block count (10⁹) would ask for hundreds of GB before the first missing tensor could be named.
        var layers: [LlamaLayerWeights] = []
        for l in 0..<hp.layerCount {
            layers.append(LlamaLayerWeights(
                attentionNorm: try load(N.block(l, .attentionNorm), rows: 1, columns: d),
                query: try load(N.block(l, .query), rows: d, columns: d),
                key: try load(N.block(l, .key), rows: hp.kvDimension, columns: d),
                value: try load(N.block(l, .value), rows: hp.kvDimension, columns: d),
                attentionOutput: try load(N.block(l, .attentionOutput), rows: d, columns: d),
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
