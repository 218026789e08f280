/// SplitMix64: a small, fast generator whose stream depends only on its seed, so synthetic models, kernel
/// checks and random test inputs are the same on every platform and run (unlike `SystemRandomNumberGenerator`).
/// Not for sampling, which uses the longer-period `SeededRandomNumberGenerator` seeded from it.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SplitMix64 {
    /// Uniform in [0, 1) on a grid of 2⁻²⁴: the top 24 bits, which a float holds exactly.
    public mutating func nextUnit() -> Float { Float(next() >> 40) / Float(1 << 24) }

    /// Uniform in [-1, 1) on a grid of 2⁻²³, zero only once in 2²⁴ draws: random weights and inputs that are
    /// never all zeros.
    public mutating func nextSignedUnit() -> Float { nextUnit() * 2 - 1 }

    /// `count` draws of `nextSignedUnit() · scale`.
    public mutating func signedUnits(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in nextSignedUnit() * scale }
    }

    /// In `0..<bound` (bound > 0), by modulo: the bias is below 2⁻³² for the small bounds tests and
    /// benchmarks use, and the result is the same on every platform, unlike `Int.random(in:using:)`.
    public mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
