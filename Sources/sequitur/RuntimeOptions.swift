import ArgumentParser
import Foundation
import Sequitur

/// Options every model-running command shares. A `--config` file is read first; flags given on the command
/// line override its fields.
struct RuntimeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Configuration file (JSON or YAML); flags override its fields.", valueName: "file"))
    var config: String?

    @OptionGroup var model: ModelOption

    @Option(name: .long, help: ArgumentHelp("Compute backend: cpu or opencl.", valueName: "name"))
    var backend: String?

    @Option(name: .long, help: ArgumentHelp("OpenCL device index, as `sequitur devices` lists them.", valueName: "n"))
    var device: Int?

    @Option(name: .long, help: ArgumentHelp("CPU threads (default: all cores).", valueName: "n"))
    var threads: Int?

    /// The configuration after applying the file and then the flags.
    func configuration() throws -> SequiturConfiguration {
        var c = try config.map(ConfigurationLoader.load(file:)) ?? SequiturConfiguration()
        if let path = model.path { c.model = path }
        if let backend {
            guard let choice = BackendChoice(rawValue: backend) else {
                throw CommandError("--backend: unknown backend '\(backend)'; valid: \(BackendChoice.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            c.backend = choice
        }
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
        return try ModelRuntime(configuration: c)
    }
}
