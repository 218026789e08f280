import SequiturCore
import SequiturTesting

/// Every output a decoder can produce on a `RandomLanguageModel`, scored by the chain rule straight from the
/// model's rows: sequences that end in the end token within `maxNewTokens`, or have exactly `maxNewTokens`
/// tokens (all of them exactly that long when end tokens are off).
func allOutputs(of model: RandomLanguageModel, prompt: [TokenID], maxNewTokens: Int,
                stopOnEndToken: Bool = true) -> [(tokens: [TokenID], logProb: Double)] {
    var out: [(tokens: [TokenID], logProb: Double)] = []
    func grow(_ tokens: [TokenID]) {
        for t in 0..<TokenID(model.vocabulary.count) {
            let next = tokens + [t]
            if (stopOnEndToken && t == model.endToken) || next.count == maxNewTokens {
                out.append((next, model.logProb(of: next, after: prompt)))
            } else {
                grow(next)
            }
        }
    }
    grow([])
    // Best first; equal scores (rare with random rows) in a fixed order.
    return out.sorted { $0.logProb != $1.logProb ? $0.logProb > $1.logProb : $0.tokens.lexicographicallyPrecedes($1.tokens) }
}
