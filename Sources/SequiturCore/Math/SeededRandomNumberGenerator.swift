/// xoshiro256** seeded through SplitMix64: a small, fast generator whose stream depends only on the seed, so a
/// sampling run is reproducible on every platform and backend (unlike `SystemRandomNumberGenerator`). It is the
/// sampling member of Core's one family of seeded generators: `SplitMix64` makes inputs (synthetic weights,
/// kernel checks, tests) and seeds this one; `MMIXLinearCongruential` matches the benchmark anchors' ids.
public struct SeededRandomNumberGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        // SplitMix64 spreads any seed (0 included) over the 256-bit state, which must not be all zeros.
        var spread = SplitMix64(seed: seed)
        s = (spread.next(), spread.next(), spread.next(), spread.next())
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    /// A uniform double in [0, 1) from the top 53 bits.
    public mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
