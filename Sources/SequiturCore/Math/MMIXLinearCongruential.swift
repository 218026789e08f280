/// The 64-bit linear congruential generator with Knuth's MMIX constants, read through its high bits. Weaker
/// than `SplitMix64`, and kept for one reason: `sequitur bench` and `scripts/bench/anchors.py` must draw the
/// same token ids, and the Python side implements exactly this recurrence.
public struct MMIXLinearCongruential: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The next 31 high bits of the state.
    public mutating func nextHighBits() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 33
    }

    /// In `0..<bound` (bound > 0, small next to 2³¹), by modulo of the high bits.
    public mutating func next(below bound: Int) -> Int { Int(nextHighBits() % UInt64(bound)) }
}
