import SequiturCore

extension LlamaModel {
    /// The error for a chunk whose answers hold non-finite values, naming the first sub-layer where they
    /// appear. The chunk's forward pass is run again with the residual stream read back after every sub-layer:
    /// the pass is deterministic and rewrites the same cache slots with the same values, so the rerun sees
    /// exactly what the failed pass computed. Only this failure path pays for the reads.
    func locateNonFiniteValues(_ chunk: ArraySlice<PendingToken>, states: [LlamaSequenceState],
                               queriedRow: Int) throws -> LanguageModelError {
        var found: (stage: String, row: Int)?
        _ = try runLayers(chunk, states: states) { stage, x in
            guard found == nil else { return }
            let values = try self.backend.read(x)
            if let index = values.firstIndex(where: { !$0.isFinite }) {
                found = (stage, index / x.columns)
            }
        }
        // Finite all the way through the layers: the final norm or the output head overflowed.
        let (stage, row) = found ?? ("the output head", queriedRow)
        let token = chunk[chunk.startIndex + row]
        return .nonFiniteActivations(stage: stage, request: token.request, position: token.position)
    }
}

extension PositionLogProbs {
    /// Whether every value returned is finite. A llama model's logits are finite whenever its computation is,
    /// so NaN or an infinity anywhere (`logSoftmax` turns NaN and `+inf` logits into NaN) means it overflowed.
    var isFinite: Bool {
        argmaxLogProb.isFinite && targetLogProbs.allSatisfy(\.isFinite) && topK.allSatisfy(\.logProb.isFinite)
            && fullRow.allSatisfy(\.isFinite)
    }
}
