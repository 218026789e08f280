import Foundation
import Hummingbird
import HummingbirdTesting
import Sequitur
import SequiturServer

/// The default model, loaded once for the route tests (which run one at a time: they share it).
enum ServerTestModel {
    static var shouldRun: Bool {
        FileManager.default.fileExists(atPath: ModelLocator.defaultModelURL.path)
            || ProcessInfo.processInfo.environment["CI"] != nil
    }

    nonisolated(unsafe) private static var loaded: ModelRuntime?
    private static let lock = NSLock()

    static func runtime() throws -> ModelRuntime {
        try lock.withLock {
            if let loaded { return loaded }
            let rt = try ModelRuntime(configuration: SequiturConfiguration(backend: "cpu", threads: 2))
            loaded = rt
            return rt
        }
    }

    /// A server over the shared model; `body` gets it and a router test client, and the server is shut down after.
    static func withServer<T: Sendable>(_ options: ServerOptions = ServerOptions(), decoders: DecoderRegistry = .standard,
                                        _ body: @Sendable (SequiturServer, any TestClientProtocol) async throws -> T) async throws -> T {
        let server = SequiturServer(runtime: try runtime(), servedModelName: "test-model", options: options, decoders: decoders)
        let app = Application(router: server.router())
        do {
            let value = try await app.test(.router) { client in try await body(server, client) }
            await server.finishShutdown()
            return value
        } catch {
            await server.finishShutdown()
            throw error
        }
    }
}

/// A response: its status, headers and JSON body.
struct JSONReply: @unchecked Sendable {
    var status: Int
    var headers: HTTPFields
    var text: String
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
    var errorParam: String? { error["param"] as? String }
    var errorCode: String? { error["code"] as? String }
    var choices: [[String: Any]] { json["choices"] as? [[String: Any]] ?? [] }
}

extension TestClientProtocol {
    func post(_ path: String, _ body: String, headers: HTTPFields = [.contentType: "application/json"]) async throws -> JSONReply {
        try await execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
            JSONReply(status: response.status.code, headers: response.headers, text: String(buffer: response.body))
        }
    }

    func post(_ path: String, json: [String: Any], headers: HTTPFields = [.contentType: "application/json"]) async throws -> JSONReply {
        let data = try JSONSerialization.data(withJSONObject: json)
        return try await post(path, String(decoding: data, as: UTF8.self), headers: headers)
    }

    func get(_ path: String, headers: HTTPFields = [:]) async throws -> JSONReply {
        try await execute(uri: path, method: .get, headers: headers) { response in
            JSONReply(status: response.status.code, headers: response.headers, text: String(buffer: response.body))
        }
    }
}

/// Log-probs from a JSON list, as the floats the model computed. (The server writes each float's exact value;
/// Foundation's parser on Linux can miss a double by an ulp, which rounding to float undoes.)
func floats(_ value: Any?) -> [Float?] {
    (value as? [Any] ?? []).map { ($0 as? NSNumber).map { Float($0.doubleValue) } }
}
