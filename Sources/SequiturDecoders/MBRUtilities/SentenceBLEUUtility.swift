#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sentence BLEU (Papineni et al. 2002) up to 4-grams on whitespace-separated words, with add-one smoothing
/// on orders 2–4: sacrebleu's `sentence_bleu(h, [r], smooth_method="add-k", smooth_value=1, tokenize="none")`,
/// as a fraction in [0, 1].
///
/// With `m_n` the clipped matches and `t_n` the hypothesis n-grams of order n:
/// `p_1 = m_1 / t_1` (unsmoothed, so no shared word gives 0) and `p_n = (m_n + 1) / (t_n + 1)` for n = 2...4
/// (a hypothesis shorter than n words has `p_n = 1/1`, as in sacrebleu). With hypothesis length `c` and
/// reference length `ρ`, the brevity penalty is `BP = exp(1 − ρ/c)` when `c < ρ`, else 1, and
/// `BLEU = BP · (p_1 p_2 p_3 p_4)^(1/4)`. An empty hypothesis scores 0, except that two empty outputs score 1
/// (sacrebleu gives 0) so identical outputs always agree fully.
public struct SentenceBLEUUtility: MBRUtility {
    public let name = "bleu"
    public let summary = "sentence BLEU up to 4-grams on whitespace words, add-one smoothing on orders 2-4"

    public init() {}

    public func utility(_ hypothesis: MBRSequence, _ reference: MBRSequence) -> Double {
        let h = Self.words(hypothesis.text), r = Self.words(reference.text)
        if h.isEmpty { return r.isEmpty ? 1 : 0 }
        var logSum = 0.0
        for n in 1...4 {
            let total = max(h.count - n + 1, 0)
            var matches = 0
            if total > 0 && r.count >= n {
                let rc = Self.ngrams(r, n)
                for (gram, c) in Self.ngrams(h, n) { matches += min(c, rc[gram] ?? 0) }
            }
            if n == 1 {
                guard matches > 0 else { return 0 }
                logSum += log(Double(matches) / Double(total))
            } else {
                logSum += log(Double(matches + 1) / Double(total + 1))
            }
        }
        let brevity = h.count < r.count ? exp(1 - Double(r.count) / Double(h.count)) : 1
        return brevity * exp(logSum / 4)
    }

    /// Python's `str.split()`: runs of whitespace separate words, none are empty.
    static func words(_ text: String) -> [Substring] {
        text.split(whereSeparator: { $0.isWhitespace })
    }

    static func ngrams(_ s: [Substring], _ n: Int) -> [ArraySlice<Substring>: Int] {
        var counts: [ArraySlice<Substring>: Int] = [:]
        for i in 0...(s.count - n) { counts[s[i..<(i + n)], default: 0] += 1 }
        return counts
    }
}
