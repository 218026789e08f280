import SequiturCore

/// Finds added tokens (control and user-defined) in raw text, as the reference's added-vocabulary split
/// does: at the leftmost position where any of them occurs, the longest one wins; the text between matches
/// goes through the pre-tokenizer and BPE.
struct SpecialTokenMatcher: Sendable {
    struct Pattern: Sendable {
        let bytes: [UInt8]
        let id: TokenID
        /// Control tokens match only when special parsing is on; user-defined ones always do.
        let isControl: Bool
    }

    /// Patterns by first byte, longest first.
    private let byFirstByte: [[Pattern]]
    /// Whether any pattern starts with the byte: most bytes of a text start none, and this test is cheap.
    private let startsSome: [Bool]
    let isEmpty: Bool

    init(_ patterns: [Pattern]) {
        var table = [[Pattern]](repeating: [], count: 256)
        for pattern in patterns where !pattern.bytes.isEmpty { table[Int(pattern.bytes[0])].append(pattern) }
        byFirstByte = table.map { $0.sorted { $0.bytes.count > $1.bytes.count } }
        startsSome = table.map { !$0.isEmpty }
        isEmpty = patterns.isEmpty
    }

    /// The leftmost-longest match in `text` at or after `start`.
    func firstMatch(in text: UnsafeBufferPointer<UInt8>, from start: Int, includeControl: Bool)
        -> (range: Range<Int>, id: TokenID)?
    {
        guard !isEmpty else { return nil }
        return startsSome.withUnsafeBufferPointer { startsSome in
            var i = start
            while i < text.count {
                if startsSome[Int(text[i])] {
                    for pattern in byFirstByte[Int(text[i])] where includeControl || !pattern.isControl {
                        if matches(pattern.bytes, in: text, at: i) { return (i..<(i + pattern.bytes.count), pattern.id) }
                    }
                }
                i += 1
            }
            return nil
        }
    }

    private func matches(_ pattern: [UInt8], in text: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        guard i + pattern.count <= text.count else { return false }
        for k in 1..<pattern.count where text[i + k] != pattern[k] { return false }
        return true
    }
}
