/// Finds stop strings in generated text as it grows, on the decoded UTF-8 bytes, so a stop string split across
/// tokens (" Ans" + "wer:") is still found. Only the bytes a new match could use are searched on each append.
///
/// `GrowingOutput` holds one; a decoder that keeps its own outputs can use it directly.
public struct StopStringMatcher: Sendable {
    public let stopStrings: [[UInt8]]
    /// The bytes appended so far.
    public private(set) var bytes: [UInt8] = []
    private let longest: Int

    /// A matcher for `stopStrings` (UTF-8 bytes; an empty one never matches).
    public init(stopStrings: [[UInt8]]) {
        self.stopStrings = stopStrings
        self.longest = stopStrings.map(\.count).max() ?? 0
    }

    /// Appends a token's bytes; true when the text now contains a stop string that it did not contain before.
    public mutating func append(_ newBytes: [UInt8]) -> Bool {
        guard longest > 0, !newBytes.isEmpty else { return false }
        let oldCount = bytes.count
        bytes += newBytes
        // A new match must end inside newBytes, so it starts after oldCount - longest.
        let windowStart = max(0, oldCount - longest + 1)
        for s in stopStrings where bytes.count - windowStart >= s.count {
            var start = max(windowStart, oldCount - s.count + 1)
            while start + s.count <= bytes.count {
                if bytes[start..<(start + s.count)].elementsEqual(s) { return true }
                start += 1
            }
        }
        return false
    }
}
