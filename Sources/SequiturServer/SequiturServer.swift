import Foundation
import Hummingbird
import Logging
import NIOCore
import Sequitur

/// Settings of `sequitur serve`.
public struct ServerOptions: Sendable {
    public var host: String
    public var port: Int
    /// When set, every route but `/health` needs `Authorization: Bearer <apiKey>`.
    public var apiKey: String?
    public var maxBodyBytes: Int
    /// Requests decoded at once (each on its own thread, sharing forward passes).
    public var maxConcurrentRequests: Int
    /// Requests waiting beyond those; one more gets 429.
    public var maxQueuedRequests: Int
    /// Seconds idle before cached prompt prefixes are dropped and the KV cache shrinks back.
    public var idleRelease: TimeInterval

    public init(host: String = "127.0.0.1", port: Int = 8080, apiKey: String? = nil, maxBodyBytes: Int = 4 << 20,
                maxConcurrentRequests: Int = 16, maxQueuedRequests: Int = 64, idleRelease: TimeInterval = 5) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.maxBodyBytes = maxBodyBytes
        self.maxConcurrentRequests = maxConcurrentRequests
        self.maxQueuedRequests = maxQueuedRequests
        self.idleRelease = idleRelease
    }
}

/// The OpenAI-compatible server: the engine, its worker threads, its metrics, and the routes over them.
///
/// ```swift
/// let server = SequiturServer(runtime: runtime, servedModelName: "smollm2", options: ServerOptions(port: 8080))
/// let app = Application(router: server.router(), configuration: .init(address: .hostname("127.0.0.1", port: 8080)))
/// try await app.runService()
/// ```
public final class SequiturServer: Sendable {
    public let engine: ServerEngine
    public let workers: RequestWorkers
    public let metrics: ServerMetrics
    public let options: ServerOptions
    public let logger: Logger

    public init(runtime: ModelRuntime, servedModelName: String, options: ServerOptions = ServerOptions(),
                decoders: DecoderRegistry = .standard, processors: ProcessorRegistry = .standard,
                logger: Logger = Logger(label: "sequitur.serve")) {
        engine = ServerEngine(runtime: runtime, servedModelName: servedModelName, decoders: decoders, processors: processors,
                              idleRelease: options.idleRelease)
        workers = RequestWorkers(threads: options.maxConcurrentRequests, queueCapacity: options.maxQueuedRequests)
        metrics = ServerMetrics()
        self.options = options
        self.logger = logger
        let metrics = metrics
        engine.model.onBatch { callers, tokens in metrics.recordBatch(callers: callers, tokens: tokens) }
    }

    /// Refuses new requests (503) from now on; those accepted go on.
    public func beginShutdown() { workers.beginShutdown() }

    /// Waits for accepted requests to finish, then stops the worker and batching threads.
    public func finishShutdown() async {
        await workers.drain()
        engine.shutdown()
    }

    /// Every route, behind the middleware that authenticates, logs, counts and turns errors into OpenAI's shape.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: APIMiddleware(server: self))
        router.get("/health") { _, _ in try JSONResponse.make(["status": "ok"]) }
        router.get("/v1/models") { [self] _, _ in try JSONResponse.make(modelList()) }
        router.post("/v1/completions") { [self] request, _ in try await completions(try await body(request)) }
        router.post("/v1/chat/completions") { [self] request, _ in try await chatCompletions(try await body(request)) }
        router.post("/v1/score") { [self] request, _ in try await score(try await body(request)) }
        router.post("/tokenize") { [self] request, _ in try tokenize(try await body(request)) }
        router.post("/detokenize") { [self] request, _ in try detokenize(try await body(request)) }
        router.get("/tokenizer_info") { [self] _, _ in try JSONResponse.make(tokenizerInfo()) }
        router.get("/metrics") { [self] _, _ in
            let depth = workers.depth
            let usage = engine.kvCacheUsage
            let text = metrics.render(queued: depth.queued, running: depth.running,
                                      kvBlocksInUse: usage?.blocksInUse, kvBlockCapacity: usage?.blockCapacity)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        return router
    }

    /// The request body, at most `maxBodyBytes`, parsed as one JSON object.
    func body(_ request: Request) async throws -> RequestFields {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: options.maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.bodyTooLarge(limit: options.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError.bodyTooLarge(limit: options.maxBodyBytes)
        }
        return try RequestFields.body(Data(buffer.readableBytesView))
    }

    /// Refuses a `model` field naming another model (omitting it is fine).
    func checkModel(_ fields: inout RequestFields) throws {
        if let name = try fields.string("model"), name != engine.servedModelName {
            throw APIError.modelNotFound(name, served: engine.servedModelName)
        }
    }

    func modelList() -> [String: Any] {
        ["object": "list", "data": [[
            "id": engine.servedModelName, "object": "model", "created": 0, "owned_by": "sequitur",
            "max_model_len": engine.contextLength,
        ] as [String: Any]]]
    }
}

/// Authenticates (constant-time key comparison), logs one line per request, counts requests by route and
/// status, and answers every error — ours, Hummingbird's (unknown route, body too large) or unexpected — in
/// OpenAI's shape.
struct APIMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let server: SequiturServer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let path = request.uri.path
        let response: Response
        if let key = server.options.apiKey, path != "/health",
           !Self.authorised(request.headers[.authorization], key: key) {
            response = JSONResponse.error(.unauthorized)
        } else {
            do {
                response = try await next(request, context)
            } catch let error as APIError {
                response = JSONResponse.error(error)
            } catch let error as HTTPError {
                switch error.status {
                case .notFound: response = JSONResponse.error(.notFound(request.method.rawValue, path))
                case .contentTooLarge: response = JSONResponse.error(.bodyTooLarge(limit: server.options.maxBodyBytes))
                default:
                    response = JSONResponse.error(APIError(status: error.status.code, message: error.body ?? "\(error.status)",
                                                           type: "invalid_request_error"))
                }
            } catch is CancellationError {
                response = JSONResponse.error(APIError(status: 499, message: "the request was cancelled", type: "invalid_request_error",
                                                       code: "cancelled"))
            } catch {
                server.logger.error("\(request.method) \(path): \(error)")
                response = JSONResponse.error(.server("\(error)"))
            }
        }
        let route = Self.knownRoutes.contains(path) ? path : "other"
        server.metrics.recordRequest(route: route, status: response.status.code)
        let elapsed = ContinuousClock.now - started
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        server.logger.info("\(request.method) \(path) \(response.status.code) \(String(format: "%.1f", ms)) ms")
        return response
    }

    static let knownRoutes: Set<String> = [
        "/health", "/v1/models", "/v1/completions", "/v1/chat/completions", "/v1/score", "/tokenize", "/detokenize",
        "/tokenizer_info", "/metrics",
    ]

    /// Whether `header` is `Bearer <key>`, compared in time independent of where the two differ.
    static func authorised(_ header: String?, key: String) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        let given = Array(header.dropFirst("Bearer ".count).utf8)
        let expected = Array(key.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for i in 0..<expected.count {
            difference |= expected[i] ^ (i < given.count ? given[i] : 0)
        }
        return difference == 0
    }
}
