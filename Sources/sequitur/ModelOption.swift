import ArgumentParser
import Foundation
import Sequitur

/// `--model PATH`, declared once: commands that only read a GGUF file embed it directly, and `RuntimeOptions`
/// embeds it for every command that runs the model.
struct ModelOption: ParsableArguments {
    @Option(name: .customLong("model"), help: ArgumentHelp("GGUF model file (default: the cached default model, fetched by ./scripts/bootstrap).", valueName: "path"))
    var path: String?

    /// Resolves and opens the file (memory-mapped), with errors that say how to fix them.
    func open() throws -> GGUFFile {
        let url = try ModelLocator.resolve(path)
        return try GGUFFile(contentsOf: url)
    }
}
