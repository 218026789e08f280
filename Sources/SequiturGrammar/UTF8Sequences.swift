/// A set of scalars as the UTF-8 byte sequences that encode them: each a list of byte ranges, one per byte, so
/// that a byte-level automaton matches exactly the encodings of the set's scalars (and can stop inside one, as a
/// token that ends mid-character must). The split follows the usual construction (Russ Cox's RE2, Rust's
/// `regex-syntax`): cut a code-point range at encoding-length boundaries, then wherever the ranges of the later
/// bytes would not be full, so every piece is a product of byte ranges.
enum UTF8Sequences {
    typealias ByteRanges = [ClosedRange<UInt8>]

    static func of(_ set: ScalarSet) -> [ByteRanges] {
        set.ranges.flatMap(of(range:))
    }

    private static func of(range: ClosedRange<UInt32>) -> [ByteRanges] {
        var result: [ByteRanges] = []
        var pending: [ClosedRange<UInt32>] = [range]
        while let r = pending.popLast() {
            // Different encoding lengths: split at the boundary (processed low part first: pushed last).
            if let boundary = [UInt32(0x7F), 0x7FF, 0xFFFF].first(where: { r.lowerBound <= $0 && r.upperBound > $0 }) {
                pending.append((boundary + 1)...r.upperBound)
                pending.append(r.lowerBound...boundary)
                continue
            }
            let length = encodedLength(r.lowerBound)
            if let split = splitForFullContinuations(r, length: length) {
                pending.append(split.1)
                pending.append(split.0)
                continue
            }
            let low = encode(r.lowerBound), high = encode(r.upperBound)
            result.append(zip(low, high).map { $0...$1 })
        }
        return result
    }

    /// A cut of `r` such that, in each part, each continuation byte either stays fixed or spans all of its
    /// values between the endpoints' — what makes the part a product of per-byte ranges.
    private static func splitForFullContinuations(_ r: ClosedRange<UInt32>, length: Int) -> (ClosedRange<UInt32>, ClosedRange<UInt32>)? {
        for i in 1..<max(length, 1) {
            let mask: UInt32 = (1 << (6 * UInt32(i))) - 1
            guard r.lowerBound & ~mask != r.upperBound & ~mask else { continue }
            if r.lowerBound & mask != 0 {
                return (r.lowerBound...(r.lowerBound | mask), ((r.lowerBound | mask) + 1)...r.upperBound)
            }
            if r.upperBound & mask != mask {
                return (r.lowerBound...((r.upperBound & ~mask) - 1), (r.upperBound & ~mask)...r.upperBound)
            }
        }
        return nil
    }

    private static func encodedLength(_ v: UInt32) -> Int {
        v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4
    }

    /// The UTF-8 bytes of `v` (any code point below 0x110000, surrogates included: range ends may be any value).
    private static func encode(_ v: UInt32) -> [UInt8] {
        switch encodedLength(v) {
        case 1: return [UInt8(v)]
        case 2: return [UInt8(0xC0 | (v >> 6)), UInt8(0x80 | (v & 0x3F))]
        case 3: return [UInt8(0xE0 | (v >> 12)), UInt8(0x80 | ((v >> 6) & 0x3F)), UInt8(0x80 | (v & 0x3F))]
        default:
            return [UInt8(0xF0 | (v >> 18)), UInt8(0x80 | ((v >> 12) & 0x3F)), UInt8(0x80 | ((v >> 6) & 0x3F)),
                    UInt8(0x80 | (v & 0x3F))]
        }
    }
}
