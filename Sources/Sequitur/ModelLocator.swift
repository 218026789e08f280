import Foundation

/// Where models live: `$SEQUITUR_HOME`, else `~/.cache/sequitur`. `scripts/bootstrap` puts the default model
/// there.
public enum ModelLocator {
    /// The default model's file name in the cache.
    public static let defaultModelFileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    /// The model cache directory.
    public static var cacheDirectory: URL {
        if let home = ProcessInfo.processInfo.environment["SEQUITUR_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home, isDirectory: true)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/sequitur", isDirectory: true)
    }

    /// The default model's path in the cache (which may not exist yet).
    public static var defaultModelURL: URL { cacheDirectory.appendingPathComponent(defaultModelFileName) }

    /// Resolves `path` (nil for the default model; `~` expanded) to an existing file, or throws an error that
    /// says how to get it.
    public static func resolve(_ path: String?) throws -> URL {
        guard let path else {
            let url = defaultModelURL
            guard FileManager.default.fileExists(atPath: url.path) else { throw ModelLocatorError.defaultModelMissing(url.path) }
            return url
        }
        let expanded = (path as NSString).expandingTildeInPath
        guard FileManager.default.fileExists(atPath: expanded) else { throw ModelLocatorError.modelMissing(expanded) }
        return URL(fileURLWithPath: expanded)
    }
}

public enum ModelLocatorError: Error, CustomStringConvertible, Equatable {
    case defaultModelMissing(String)
    case modelMissing(String)

    public var description: String {
        switch self {
        case let .defaultModelMissing(path):
            return "the default model is not at \(path). Fetch it with: ./scripts/bootstrap (or pass --model PATH to a GGUF file)"
        case let .modelMissing(path):
            return "no model file at \(path)"
        }
    }
}
