import Foundation
import SequiturCore

extension ModelRuntime {
    /// The recipe of a JSONL job run on this runtime: the model file's identity, the command, the backend (the
    /// CPU and an OpenCL device round differently) and `settings`, the command's other result-changing
    /// options. The model's path is left out (the same file is mounted at different paths on different
    /// nodes), and so are threads, device index and batch size, which do not change a result.
    public func jobRecipe(command: String, settings: [String: ConfigValue] = [:]) throws -> JobRecipe {
        var configuration = settings
        configuration["command"] = .string(command)
        configuration["backend"] = .string(self.configuration.backend)
        return JobRecipe(model: try ModelIdentity(file: file, url: fileURL), configuration: configuration)
    }
}

extension ConfigValue {
    /// Any `Encodable` setting (a `StopConditions`, a `DecoderConfiguration`) as a configuration value, the form
    /// a `JobRecipe` records and compares.
    public init(encoding value: some Encodable) throws {
        self = try JSONDecoder().decode(ConfigValue.self, from: try JSONEncoder().encode(value))
    }
}
