import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Sequitur
import SequiturServer
import ServiceLifecycle

/// `sequitur serve`: the OpenAI-compatible server (completions with exact echoed log-probs, chat with
/// streaming, vLLM's tokenizer routes, `/v1/score`, `/metrics`), with concurrent requests batched together.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the model over an OpenAI-compatible HTTP API, batching concurrent requests.",
        discussion: """
            Routes: POST /v1/completions, POST /v1/chat/completions, POST /v1/score, POST /tokenize, \
            POST /detokenize, GET /tokenizer_info, GET /v1/models, GET /health, GET /metrics. Binds to loopback \
            unless --host says otherwise. SIGTERM or SIGINT: stop accepting, finish what is in flight, exit 0.
            """
    )

    @OptionGroup var runtime: RuntimeOptions

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "host"))
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("Port to listen on (0: any free port, printed when ready).", valueName: "port"))
    var port = 8080

    @Option(name: .customLong("api-key"), help: ArgumentHelp("Require 'Authorization: Bearer KEY' on every route but /health (default: $SEQUITUR_API_KEY if set).", valueName: "key"))
    var apiKey: String?

    @Option(name: .customLong("served-model-name"), help: ArgumentHelp("Model id in /v1/models and responses (default: the file name without .gguf).", valueName: "name"))
    var servedModelName: String?

    @Option(name: .customLong("max-concurrent"), help: ArgumentHelp("Requests decoded at once, sharing forward passes.", valueName: "n"))
    var maxConcurrent = 16

    @Option(name: .customLong("max-queue"), help: ArgumentHelp("Requests waiting beyond those; one more gets 429.", valueName: "n"))
    var maxQueue = 64

    @Option(name: .customLong("max-body-bytes"), help: ArgumentHelp("Largest request body accepted (413 beyond).", valueName: "bytes"))
    var maxBodyBytes = 4 << 20

    @Option(name: .customLong("idle-release-seconds"), help: ArgumentHelp("Seconds idle before cached prompt prefixes are dropped and the KV cache shrinks back.", valueName: "s"))
    var idleReleaseSeconds = 5.0

    func validate() throws {
        guard idleReleaseSeconds >= 0 else { throw ValidationError("--idle-release-seconds must be at least 0, got \(idleReleaseSeconds)") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        guard maxConcurrent >= 1 else { throw ValidationError("--max-concurrent must be at least 1, got \(maxConcurrent)") }
        guard maxQueue >= 0 else { throw ValidationError("--max-queue must be at least 0, got \(maxQueue)") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024, got \(maxBodyBytes)") }
    }

    func run() throws {
        let rt = try runtime.runtime()
        let name = servedModelName ?? rt.fileURL.deletingPathExtension().lastPathComponent
        let key = apiKey ?? ProcessInfo.processInfo.environment["SEQUITUR_API_KEY"]
        let options = ServerOptions(host: host, port: port, apiKey: key?.isEmpty == false ? key : nil, maxBodyBytes: maxBodyBytes,
                                    maxConcurrentRequests: maxConcurrent, maxQueuedRequests: maxQueue,
                                    idleRelease: idleReleaseSeconds)
        var logger = Logger(label: "sequitur.serve")
        logger.logLevel = .info
        let server = SequiturServer(runtime: rt, servedModelName: name, options: options, logger: logger)
        let done = DispatchSemaphore(value: 0)
        let outcome = ServeOutcome()
        Task {
            do {
                try await Self.serve(server, logger: logger)
            } catch {
                outcome.error = error
            }
            done.signal()
        }
        done.wait()
        if let error = outcome.error { throw error }
    }

    static func serve(_ server: SequiturServer, logger: Logger) async throws {
        let options = server.options
        let name = server.engine.servedModelName
        let app = Application(
            router: server.router(),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "sequitur"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? options.port
                FileHandle.standardError.write(Data("sequitur serve: listening on http://\(options.host):\(port) (model \(name))\n".utf8))
            },
            logger: logger
        )
        // Services stop in reverse order: the gate first (new requests get 503), then the HTTP server, which
        // waits for the requests in flight.
        let group = ServiceGroup(configuration: .init(
            services: [app, ShutdownGate(server: server)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        await server.finishShutdown()
        FileHandle.standardError.write(Data("sequitur serve: stopped\n".utf8))
    }
}

/// Turns the first SIGTERM/SIGINT into "refuse new work" before the HTTP server starts its graceful stop.
private struct ShutdownGate: Service {
    let server: SequiturServer
    func run() async throws {
        try? await gracefulShutdown()
        server.beginShutdown()
    }
}

private final class ServeOutcome: @unchecked Sendable {
    var error: (any Error)?
}
