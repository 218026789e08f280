/// The merge map (`left << 32 | right` → `rank << 32 | merged id`) as a flat open-addressing hash table:
/// merging is dominated by these lookups, and a multiplicative hash with linear probing over two plain
/// arrays is several times faster than `Dictionary`'s SipHash. The keys are the vocabulary's merges, fixed at
/// load time, so text cannot lengthen the probe runs; the table is at most half full.
struct MergePairTable: Sendable {
    /// `UInt64.max` marks an empty slot: it would be the pair (-1, -1), which no token id can form.
    private static let empty = UInt64.max
    private let keys: [UInt64]
    private let values: [UInt64]
    private let shift: UInt64

    init(_ merges: [UInt64: UInt64]) {
        var bits = 4
        while 1 << bits < 2 * merges.count { bits += 1 }
        var keys = [UInt64](repeating: Self.empty, count: 1 << bits)
        var values = [UInt64](repeating: 0, count: 1 << bits)
        shift = UInt64(64 - bits)
        let mask = keys.count - 1
        for (key, value) in merges {
            var slot = Self.slot(key, shift: shift)
            while keys[slot] != Self.empty { slot = (slot + 1) & mask }
            keys[slot] = key
            values[slot] = value
        }
        self.keys = keys
        self.values = values
    }

    /// Fibonacci hashing: the top bits of the key times 2^64/φ.
    @inline(__always)
    private static func slot(_ key: UInt64, shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    @inline(__always)
    subscript(key: UInt64) -> UInt64? {
        keys.withUnsafeBufferPointer { keys in
            let mask = keys.count - 1
            var slot = Self.slot(key, shift: shift)
            while true {
                let found = keys[slot]
                if found == Self.empty { return nil }
                if found == key { return values[slot] }
                slot = (slot + 1) & mask
            }
        }
    }
}
