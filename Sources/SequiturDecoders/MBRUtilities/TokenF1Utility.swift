import SequiturCore

/// F1 of the multiset overlap of token ids: with `m = Σ_t min(count_h(t), count_r(t))`, precision `m/|h|`,
/// recall `m/|r|` and F1 `2m / (|h| + |r|)`. Symmetric, independent of order; 1 for two empty outputs, 0 when
/// only one is empty. End tokens are already left out of `MBRSequence.tokens`.
public struct TokenF1Utility: MBRUtility {
    public let name = "token-f1"
    public let summary = "F1 of the multiset overlap of token ids"

    public init() {}

    public func utility(_ hypothesis: MBRSequence, _ reference: MBRSequence) -> Double {
        let h = hypothesis.tokens, r = reference.tokens
        if h.isEmpty && r.isEmpty { return 1 }
        var counts: [TokenID: Int] = [:]
        for t in r { counts[t, default: 0] += 1 }
        var overlap = 0
        for t in h {
            if let c = counts[t], c > 0 {
                overlap += 1
                counts[t] = c - 1
            }
        }
        return 2 * Double(overlap) / Double(h.count + r.count)
    }
}
