/// A failure found while a command runs (bad input, a missing file): printed as `Error: …` without the usage
/// text, which ArgumentParser adds to a `ValidationError` and which would only bury the message.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
