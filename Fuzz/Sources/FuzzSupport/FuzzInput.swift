/// The bytes libFuzzer hands a target, read the way the targets need them: a first byte that picks what to
/// exercise, and the rest as raw bytes or as text.
public struct FuzzInput {
    public let bytes: [UInt8]

    /// Copies the input (libFuzzer may pass a null pointer for the empty input).
    public init(_ data: UnsafePointer<UInt8>?, _ count: Int) {
        bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    }

    /// The first byte (0 for the empty input): which mode a target runs.
    public var selector: UInt8 { bytes.first ?? 0 }

    /// Everything after the selector byte.
    public var payload: ArraySlice<UInt8> { bytes.dropFirst() }

    /// The payload as text. Invalid UTF-8 becomes U+FFFD, as when the command line reads a file, so every
    /// input reaches the code under test.
    public var payloadText: String { String(decoding: payload, as: UTF8.self) }
}

/// Stops the fuzzer with a message when a property the code promises does not hold. A trap, so libFuzzer
/// reports it as a crash and keeps the input.
public func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("property violated: \(message())", file: file, line: line) }
}

/// Whether `needle`'s UTF-8 occurs in `haystack`'s. Byte-wise on purpose: `String.contains` compares grapheme
/// clusters, and a fuzzed text that starts or ends with a combining mark joins a cluster with its neighbour.
public func containsUTF8(_ haystack: String, _ needle: String) -> Bool {
    let h = Array(haystack.utf8), n = Array(needle.utf8)
    guard !n.isEmpty else { return true }
    guard n.count <= h.count else { return false }
    for start in 0...(h.count - n.count) where h[start] == n[0] && h[start..<start + n.count].elementsEqual(n) {
        return true
    }
    return false
}
