import Foundation
import Testing

/// Where the GGUF tests find the real default model and the committed fixtures.
enum GGUFTestSupport {
    static let defaultModelName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    /// `$SEQUITUR_HOME/<name>` or `~/.cache/sequitur/<name>`.
    static var defaultModelURL: URL {
        let environment = ProcessInfo.processInfo.environment
        if let home = environment["SEQUITUR_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home).appendingPathComponent(defaultModelName)
        }
        return FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/sequitur").appendingPathComponent(defaultModelName)
    }

    static var defaultModelIsPresent: Bool { FileManager.default.fileExists(atPath: defaultModelURL.path) }

    /// Tests needing the model run when it is present, and also when `CI` is set so that they fail there
    /// (through `requireDefaultModel`) instead of silently skipping.
    static var shouldRunModelTests: Bool {
        defaultModelIsPresent || ProcessInfo.processInfo.environment["CI"] != nil
    }

    static func requireDefaultModel() throws -> URL {
        let url = defaultModelURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            Issue.record("default model missing at \(url.path); run scripts/bootstrap (CI must have it)")
            throw CancellationError()
        }
        return url
    }

    static var fixturesDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/gguf")
    }
}
