/// chrF (Popović 2015) with sacrebleu's defaults (`CHRF()`: character order 6, word order 0, β = 2,
/// whitespace removed, no eps smoothing), as a fraction in [0, 1] instead of sacrebleu's 0–100.
///
/// Characters are Unicode scalars (Python's `str` characters, which sacrebleu counts), with every whitespace
/// scalar removed first. For each n in 1...6 the n-grams of both sides are counted and matched with clipping
/// (`Σ min(count_h, count_r)`); precision is matches / hypothesis n-grams and recall matches / reference
/// n-grams. Only the orders where both sides have n-grams count (sacrebleu's "effective order"): precision
/// and recall are averaged over them, and the score is `(1 + β²)·P·R / (β²·P + R)`, 0 when P + R = 0 or no
/// order is effective. One deliberate difference: two outputs that are both empty (after whitespace removal)
/// score 1, not sacrebleu's 0, so that identical outputs always agree fully.
public struct ChrFUtility: MBRUtility {
    public let name = "chrf"
    public let summary = "character 6-gram F-score with β = 2 (sacrebleu's default chrF), on text"
    public let order: Int
    public let beta: Double

    public init(order: Int = 6, beta: Double = 2) {
        precondition(order >= 1 && beta > 0, "chrF needs an order ≥ 1 and β > 0")
        self.order = order
        self.beta = beta
    }

    public func utility(_ hypothesis: MBRSequence, _ reference: MBRSequence) -> Double {
        let h = Self.characters(hypothesis.text), r = Self.characters(reference.text)
        if h.isEmpty && r.isEmpty { return 1 }
        var precision = 0.0, recall = 0.0, effective = 0
        for n in 1...order where h.count >= n && r.count >= n {
            let hc = Self.ngrams(h, n), rc = Self.ngrams(r, n)
            var matches = 0
            for (gram, c) in hc { matches += min(c, rc[gram] ?? 0) }
            precision += Double(matches) / Double(h.count - n + 1)
            recall += Double(matches) / Double(r.count - n + 1)
            effective += 1
        }
        guard effective > 0 else { return 0 }
        precision /= Double(effective)
        recall /= Double(effective)
        guard precision + recall > 0 else { return 0 }
        let b2 = beta * beta
        return (1 + b2) * precision * recall / (b2 * precision + recall)
    }

    static func characters(_ text: String) -> [Unicode.Scalar] {
        text.unicodeScalars.filter { !$0.properties.isWhitespace }
    }

    static func ngrams(_ s: [Unicode.Scalar], _ n: Int) -> [ArraySlice<Unicode.Scalar>: Int] {
        var counts: [ArraySlice<Unicode.Scalar>: Int] = [:]
        for i in 0...(s.count - n) { counts[s[i..<(i + n)], default: 0] += 1 }
        return counts
    }
}
