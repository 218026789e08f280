import ArgumentParser
import Foundation
import Sequitur

/// `--model PATH`, shared by every command that reads a GGUF file.
struct ModelOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("GGUF model file (default: the cached default model, fetched by ./scripts/bootstrap).", valueName: "path"))
    var model: String?

    /// Resolves and opens the file (memory-mapped), with errors that say how to fix them.
    func open() throws -> GGUFFile {
        let url = try ModelLocator.resolve(model)
        return try GGUFFile(contentsOf: url)
    }
}

/// Prints one JSON value to standard output (sorted keys, so output is stable and diffable).
func printJSON<T: Encodable>(_ value: T, pretty: Bool = true) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}
