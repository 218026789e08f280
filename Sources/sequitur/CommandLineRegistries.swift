import ArgumentParser
import Sequitur
import SequiturOpenCL

/// The plugins this command line is built with. The library's standard registries hold what `import Sequitur`
/// links; the command line links the OpenCL backend too, and registers it here, the same way a third party
/// registers its own.
enum CommandLineRegistries {
    static let backends: BackendRegistry = {
        var r = BackendRegistry.standard
        r.register(OpenCLBackend.plugin)
        return r
    }()

    static let architectures = ArchitectureRegistry.standard
}

/// `--backend NAME`: any backend in `CommandLineRegistries.backends`; `--help` lists them.
struct BackendName: ExpressibleByArgument {
    let name: String

    init?(argument: String) {
        guard CommandLineRegistries.backends.names.contains(argument) else { return nil }
        name = argument
    }

    static var allValueStrings: [String] { CommandLineRegistries.backends.names }
    static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }
}
