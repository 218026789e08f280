import ArgumentParser
import Foundation
import Sequitur

/// Options every model-running command shares. A `--config` file is read first; flags given on the command
/// line override its fields.
struct RuntimeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Configuration file (JSON or YAML); flags override its fields.", valueName: "file"))
    var config: String?

    @OptionGroup var model: ModelOption

    @Option(name: .long, help: ArgumentHelp("Compute backend (default: the configuration's, else cpu).", valueName: "name"))
    var backend: BackendName?

    @Option(name: .long, help: ArgumentHelp("OpenCL device index, as `sequitur devices` lists them.", valueName: "n"))
    var device: Int?

    @Option(name: .long, help: ArgumentHelp("CPU threads (default: all cores).", valueName: "n"))
    var threads: Int?

    /// The configuration after applying the file and then the flags.
    func configuration() throws -> SequiturConfiguration {
        let backendNames = CommandLineRegistries.backends.names
        var c = try config.map { try ConfigurationLoader.load(file: $0, backendNames: backendNames) } ?? SequiturConfiguration()
        if let path = model.path { c.model = path }
        if let backend { c.backend = backend.name }
        if let device { c.device = device }
        if let threads {
            guard threads >= 1 else { throw CommandError("--threads must be at least 1, got \(threads)") }
            c.threads = threads
        }
        return c
    }

    func runtime(adjust: (inout SequiturConfiguration) throws -> Void = { _ in }) throws -> ModelRuntime {
        var c = try configuration()
        try adjust(&c)
        do {
            return try ModelRuntime(configuration: c, backends: CommandLineRegistries.backends,
                                    architectures: CommandLineRegistries.architectures)
        } catch where Self.isTheModelFilesFault(error) {
            // These checks run after the file is parsed, on its metadata and tensors: name the file, as the
            // parser's own errors do.
            let path = (try? ModelLocator.resolve(c.model).path) ?? c.model ?? "the model file"
            throw CommandError("\(path): \(error)")
        }
    }

    /// Whether `error` is about the model file's contents (its architecture, tokenizer, hyper-parameters,
    /// tensors), not about the backend or the machine.
    static func isTheModelFilesFault(_ error: any Error) -> Bool {
        switch error {
        case is ArchitectureError, is LlamaModelError, is TokenizerError, is QuantizationError: return true
        case LanguageModelError.nonFiniteWeight: return true
        case BackendError.unsupportedWeightType, BackendError.shapeMismatch: return true
        default: return false
        }
    }
}
