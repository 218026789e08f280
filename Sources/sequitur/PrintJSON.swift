import Foundation

/// Prints one JSON value to standard output (sorted keys, so output is stable and diffable).
func printJSON<T: Encodable>(_ value: T, pretty: Bool = true) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    let data: Data
    do { data = try encoder.encode(value) } catch let EncodingError.invalidValue(bad, context) {
        // JSON has no NaN or infinity: say which field held one, not Swift's EncodingError text.
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        throw CommandError("cannot print \(bad) at \(path.isEmpty ? "the top level" : String(path.drop { $0 == "." })) as JSON, which has no NaN or infinity (a log-prob of -inf is a token the model rules out)")
    }
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}
