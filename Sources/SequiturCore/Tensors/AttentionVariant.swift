/// What a model family changes about causal attention, per layer: a sliding window over the most recent
/// positions (Gemma 2's and Gemma 3's local layers) and a soft cap on the scores (Gemma 2).
///
/// Both are part of the op rather than of the model's code because they act inside the softmax: the window
/// decides which cached positions a query reads, the cap bends each score before the maximum is taken.
public struct AttentionVariant: Sendable, Hashable, CustomStringConvertible {
    /// Each query at position `p` reads positions `p − window + 1 ... p` (clamped at 0): the key at `k` is
    /// visible iff `p − k < window`, as transformers' sliding-window mask and llama.cpp's standard SWA have it.
    /// Nil reads every position up to `p`.
    public var window: Int?
    /// Scores become `cap · tanh(score / cap)` (after the scale, before the softmax); nil leaves them as they are.
    public var scoreSoftCap: Float?

    public init(window: Int? = nil, scoreSoftCap: Float? = nil) {
        self.window = window
        self.scoreSoftCap = scoreSoftCap
    }

    /// Plain causal attention: every earlier position, scores as computed.
    public static let causal = AttentionVariant()

    public var isCausal: Bool { window == nil && scoreSoftCap == nil }

    /// The first position a query at `position` reads.
    public func firstPosition(for position: Int) -> Int {
        guard let window else { return 0 }
        return max(0, position - window + 1)
    }

    /// Why the variant cannot be computed, or nil: a window must be positive, a cap positive and finite.
    public var problem: String? {
        if let window, window < 1 { return "sliding window \(window) must be at least 1" }
        if let cap = scoreSoftCap, !(cap.isFinite && cap > 0) { return "score soft cap \(cap) must be positive and finite" }
        return nil
    }

    public var description: String {
        var parts: [String] = []
        if let window { parts.append("window \(window)") }
        if let cap = scoreSoftCap { parts.append("score soft cap \(cap)") }
        return parts.isEmpty ? "causal" : parts.joined(separator: ", ")
    }
}
