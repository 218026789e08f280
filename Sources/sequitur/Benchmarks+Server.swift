import Foundation
import Hummingbird
import Logging
import Sequitur
import SequiturServer
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sequitur bench --only server`: `sequitur serve` measured through real HTTP on loopback. The Hummingbird
/// application runs in this process on a free port, built as `ServeCommand.serve` builds it, and clients on
/// their own threads (blocking sockets, one keep-alive connection each, so they take nothing from the
/// cooperative pool the server's event loop and handlers run on) send the same requests one at a time and then
/// from 16 clients at once. Every concurrent response must be byte for byte the sequential one (the server is
/// batch-invariant): the section fails otherwise.
extension Benchmarks {
    static let serverClients = 16

    func server() throws -> [BenchCommand.Figure] {
        var logger = Logger(label: "sequitur.bench.server")
        logger.logLevel = .error
        // `idleRelease: 0`: cached prompt prefixes go as soon as the server is idle, between two requests sent one
        // at a time as between two runs, so no run reuses another's prefill and both modes pay for every prompt.
        let options = ServerOptions(host: "127.0.0.1", port: 0, maxConcurrentRequests: Self.serverClients, maxQueuedRequests: 64,
                                    idleRelease: 0)
        let server = SequiturServer(runtime: runtime, servedModelName: "bench", options: options, logger: logger)
        let loopback = try LoopbackServer.start(server, logger: logger)
        var figures: [BenchCommand.Figure] = []
        do {
            // Generation: 32 distinct prompts of 24–48 tokens, greedy (temperature 0), 32 new tokens each.
            let generation = (0 ..< 32).map { i in
                Self.json(["prompt": tokens(24 + 8 * (i % 4), seed: UInt64(500 + i)).map(Int.init), "max_tokens": 32, "temperature": 0])
            }
            figures += try serverWorkload(name: "generation", path: "/v1/completions", bodies: generation, port: loopback.port,
                                          engine: server.engine, describe: { replies in
                let generated = replies.reduce(0) { $0 + Self.completionTokens($1) }
                return (Double(generated), "tokens/s", "32 prompts of 24–48 tokens, greedy, max_tokens 32 (\(generated) tokens generated)")
            })
            // Scoring: lm-eval-style multiple choice, one /v1/score request per question: a 96-token context and
            // four continuations of 8–14 tokens, scored through the shared-prefix scorer.
            let scoring = (0 ..< 32).map { q -> String in
                let continuations = (0 ..< 4).map { c in tokens(8 + 2 * c + q % 3, seed: UInt64(9000 + 10 * q + c)).map(Int.init) }
                return Self.json(["context": tokens(96, seed: UInt64(700 + q)).map(Int.init), "continuations": continuations])
            }
            let scoredTokens = scoring.count * 96 + (0 ..< 32).reduce(0) { sum, q in sum + (0 ..< 4).reduce(0) { $0 + 8 + 2 * $1 + q % 3 } }
            figures += try serverWorkload(name: "scoring", path: "/v1/score", bodies: scoring, port: loopback.port,
                                          engine: server.engine, describe: { _ in
                (Double(scoredTokens), "tokens/s", "32 /v1/score requests: 96-token context, 4 continuations of 8–14 tokens (\(scoredTokens) tokens)")
            })
        } catch {
            loopback.stop()
            throw error
        }
        loopback.stop()
        return figures
    }

    /// Times `bodies` sent one at a time on one connection and from `serverClients` clients at once (each
    /// taking the next request as its last one is answered), `repeats` times each after a warm-up; checks
    /// every response against the warm-up's sequential one.
    private func serverWorkload(name: String, path: String, bodies: [String], port: Int, engine: ServerEngine,
                                describe: ([String]) -> (work: Double, unit: String, detail: String)) throws -> [BenchCommand.Figure] {
        let clients = Self.serverClients
        let model = engine.model
        // Each repeat runs the requests one at a time (one client), then with `clients` in flight: interleaved,
        // so load from elsewhere on a shared machine falls on both. Run 0 is the warm-up, and its sequential
        // replies are the reference.
        var reference: [String] = []
        var sequentialTimes: [Double] = [], concurrentTimes: [Double] = []
        var sequentialLatencies: [Double] = [], latencies: [Double] = []
        var sequentialPasses = (calls: 0, batches: 0, largestBatch: 0), concurrentPasses = (calls: 0, batches: 0, largestBatch: 0)
        for run in 0 ... repeats {
            for mode in [1, clients] {
                // Start from an idle server holding no cached prefix (idleRelease 0 drops them just after the
                // last run), so this run prefills every prompt itself.
                let deadline = Date(timeIntervalSinceNow: 5)
                while (engine.kvCacheUsage?.blocksInUse ?? 0) > 0 && Date() < deadline { usleep(1000) }
                let before = model.currentStatistics
                let result = try LoadRun.run(bodies, path: path, port: port, clients: mode)
                let after = model.currentStatistics
                if run == 0 && mode == 1 { reference = result.replies }
                try Self.checkIdentical(result.replies, reference, workload: name,
                                        what: mode == 1 ? "sequential run \(run)" : "concurrent run \(run) (\(clients) clients)")
                if run == 0 { continue }
                if mode == 1 {
                    sequentialTimes.append(result.seconds)
                    sequentialLatencies += result.latencies
                    sequentialPasses.calls += after.calls - before.calls
                    sequentialPasses.batches += after.batches - before.batches
                } else {
                    concurrentTimes.append(result.seconds)
                    latencies += result.latencies
                    concurrentPasses.calls += after.calls - before.calls
                    concurrentPasses.batches += after.batches - before.batches
                    concurrentPasses.largestBatch = after.largestBatch
                }
            }
        }

        let sequential = sequentialTimes.sorted()[sequentialTimes.count / 2]
        let concurrent = concurrentTimes.sorted()[concurrentTimes.count / 2]
        let (work, unit, detail) = describe(reference)
        let concurrentCalls = concurrentPasses.calls, concurrentBatches = concurrentPasses.batches
        let perPass = Double(concurrentCalls) / Double(max(concurrentBatches, 1))
        let sequentialPerPass = Double(sequentialPasses.calls) / Double(max(sequentialPasses.batches, 1))
        let n = Double(bodies.count)
        return [
            .init(name: "server \(name), sequential", value: work / sequential, unit: unit,
                  detail: "\(detail); one request at a time, \(String(format: "%.2f", n / sequential)) requests/s, median latency \(Self.ms(Self.percentile(sequentialLatencies, 0.5))) ms"),
            .init(name: "server \(name), \(clients) clients", value: work / concurrent, unit: unit,
                  detail: "the same requests, \(clients) in flight, \(String(format: "%.2f", n / concurrent)) requests/s; responses bitwise the sequential ones"),
            .init(name: "server \(name), concurrent/sequential", value: sequential / concurrent, unit: "×",
                  detail: "throughput with \(clients) clients / one at a time, same responses"),
            .init(name: "server \(name), p50 latency", value: Self.percentile(latencies, 0.5) * 1000, unit: "ms",
                  detail: "per request, \(clients) clients, \(latencies.count) requests over \(repeats) runs"),
            .init(name: "server \(name), p99 latency", value: Self.percentile(latencies, 0.99) * 1000, unit: "ms",
                  detail: "per request, \(clients) clients, \(latencies.count) requests over \(repeats) runs"),
            .init(name: "server \(name), requests per pass", value: perPass, unit: "requests",
                  detail: "mean requests' extend calls merged per forward pass (BatchingLanguageModel calls / batches) with \(clients) clients (\(concurrentCalls) calls in \(concurrentBatches) passes, largest \(concurrentPasses.largestBatch)); one at a time: \(String(format: "%.2f", sequentialPerPass))"),
        ]
    }

    /// Fails the section, naming the first request that differs, unless every reply is the reference's.
    private static func checkIdentical(_ replies: [String], _ reference: [String], workload: String, what: String) throws {
        for (i, (reply, expected)) in zip(replies, reference).enumerated() where canonical(reply) != canonical(expected) {
            throw CommandError("""
                server \(workload): \(what): the response to request \(i) differs from its sequential response (the server must be batch-invariant)
                  sequential: \(expected.prefix(400))
                  concurrent: \(reply.prefix(400))
                """)
        }
    }

    /// A response without what differs between any two responses: a completion's `id` and `created`. The server
    /// writes keys sorted on one line, so the rest compares as text.
    private static func canonical(_ body: String) -> String {
        body.replacing(/"created":[0-9]+,?/, with: "").replacing(/"id":"[^"]*",?/, with: "")
    }

    private static func completionTokens(_ body: String) -> Int {
        let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
        return ((object?["usage"] as? [String: Any])?["completion_tokens"] as? Int) ?? 0
    }

    private static func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Nearest-rank percentile.
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
    }

    private static func ms(_ seconds: Double) -> String { String(format: "%.0f", seconds * 1000) }
}

/// The Hummingbird application of `sequitur serve`, running in this process on a free loopback port.
final class LoopbackServer: @unchecked Sendable {
    private let lock = NSLock()
    private var boundPort: Int?
    private var failure: (any Error)?
    private var group: ServiceGroup?
    private let ready = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private(set) var port = 0

    static func start(_ server: SequiturServer, logger: Logger) throws -> LoopbackServer {
        let loopback = LoopbackServer()
        let app = Application(
            router: server.router(),
            configuration: .init(address: .hostname(server.options.host, port: server.options.port), serverName: "sequitur"),
            onServerRunning: { channel in
                loopback.lock.withLock { loopback.boundPort = channel.localAddress?.port }
                loopback.ready.signal()
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        loopback.group = group
        Task {
            do {
                try await group.run()
            } catch {
                loopback.lock.withLock { loopback.failure = error }
            }
            await server.finishShutdown()
            loopback.ready.signal()
            loopback.done.signal()
        }
        loopback.ready.wait()
        let (port, failure) = loopback.lock.withLock { (loopback.boundPort, loopback.failure) }
        guard let port else {
            loopback.done.wait()
            throw CommandError("the benchmark server did not start: \(failure.map { "\($0)" } ?? "no port")")
        }
        loopback.port = port
        return loopback
    }

    /// Stops the HTTP server (it finishes what is in flight), then the server's worker and batching threads.
    func stop() {
        guard let group else { return }
        Task { await group.triggerGracefulShutdown() }
        done.wait()
    }
}

/// One load run: `bodies` POSTed to `path` by `clients` threads, each on its own keep-alive connection taking
/// the next request when its last is answered.
enum LoadRun {
    struct Result {
        var replies: [String]
        var latencies: [Double]
        var seconds: Double
    }

    private final class Shared: @unchecked Sendable {
        let lock = NSLock()
        var next = 0
        var replies: [String?]
        var latencies: [Double]
        var error: (any Error)?
        init(_ count: Int) {
            replies = Array(repeating: nil, count: count)
            latencies = Array(repeating: 0, count: count)
        }
    }

    static func run(_ bodies: [String], path: String, port: Int, clients: Int) throws -> Result {
        let shared = Shared(bodies.count)
        let group = DispatchGroup()
        // Connect every client before the clock starts.
        var connections: [HTTPConnection] = []
        for _ in 0 ..< min(clients, bodies.count) { connections.append(try HTTPConnection(port: port)) }
        let start = DispatchTime.now().uptimeNanoseconds
        for (c, connection) in connections.enumerated() {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                while true {
                    let i: Int? = shared.lock.withLock {
                        guard shared.error == nil, shared.next < bodies.count else { return nil }
                        shared.next += 1
                        return shared.next - 1
                    }
                    guard let i else { return }
                    let sent = DispatchTime.now().uptimeNanoseconds
                    do {
                        let (status, body) = try connection.post(path, body: bodies[i])
                        let latency = Double(DispatchTime.now().uptimeNanoseconds - sent) / 1e9
                        guard status == 200 else { throw CommandError("\(path) request \(i) got HTTP \(status): \(body.prefix(300))") }
                        shared.lock.withLock {
                            shared.replies[i] = body
                            shared.latencies[i] = latency
                        }
                    } catch {
                        shared.lock.withLock { if shared.error == nil { shared.error = error } }
                        return
                    }
                }
            }
            thread.name = "sequitur-bench-client-\(c)"
            thread.start()
        }
        group.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        for connection in connections { connection.close() }
        if let error = shared.error { throw error }
        return Result(replies: shared.replies.map { $0! }, latencies: shared.latencies, seconds: seconds)
    }
}

/// A minimal blocking HTTP/1.1 client over one keep-alive TCP connection to 127.0.0.1: POST with a
/// `Content-Length` body; responses with `Content-Length` or chunked bodies.
final class HTTPConnection: @unchecked Sendable {
    private let port: Int
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        self.port = port
        try connectSocket()
    }

    deinit { close() }

    func close() {
        if fd >= 0 { _ = closeDescriptor(fd) }
        fd = -1
    }

    private func connectSocket() throws {
        #if canImport(Glibc)
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let s = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard s >= 0 else { throw CommandError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        _ = setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let r = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard r == 0 else {
            let message = String(cString: strerror(errno))
            _ = closeDescriptor(s)
            throw CommandError("connect to 127.0.0.1:\(port): \(message)")
        }
        fd = s
        buffer = []
    }

    func post(_ path: String, body: String) throws -> (status: Int, body: String) {
        if fd < 0 { try connectSocket() }
        let payload = Array(body.utf8)
        let head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\nContent-Length: \(payload.count)\r\n\r\n"
        try send(Array(head.utf8) + payload)
        // Status line and headers.
        let separator: [UInt8] = [13, 10, 13, 10]
        var headerEnd: Int?
        while true {
            if let end = Self.find(separator, in: buffer) { headerEnd = end; break }
            try receiveMore()
        }
        let headerText = String(decoding: buffer[..<headerEnd!], as: UTF8.self)
        buffer.removeFirst(headerEnd! + 4)
        let lines = headerText.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw CommandError("bad HTTP status line: \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var bytes: [UInt8] = []
        if let length = headers["content-length"].flatMap(Int.init) {
            while buffer.count < length { try receiveMore() }
            bytes = Array(buffer[..<length])
            buffer.removeFirst(length)
        } else if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            while true {
                var lineEnd: Int?
                while lineEnd == nil {
                    lineEnd = Self.find([13, 10], in: buffer)
                    if lineEnd == nil { try receiveMore() }
                }
                let sizeText = String(decoding: buffer[..<lineEnd!], as: UTF8.self).split(separator: ";")[0]
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                    throw CommandError("bad chunk size: \(sizeText)")
                }
                buffer.removeFirst(lineEnd! + 2)
                while buffer.count < size + 2 { try receiveMore() }
                bytes += buffer[..<size]
                buffer.removeFirst(size + 2)
                if size == 0 { break }  // no trailers from this server
            }
        } else {
            throw CommandError("HTTP response without Content-Length or chunked body")
        }
        if headers["connection"]?.lowercased() == "close" { close() }
        return (status, String(decoding: bytes, as: UTF8.self))
    }

    private func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { raw in
                #if canImport(Glibc)
                Glibc.send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
                #else
                Darwin.send(fd, raw.baseAddress, raw.count, 0)
                #endif
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw CommandError("send: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    private func receiveMore() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw CommandError("recv: \(String(cString: strerror(errno)))") }
            guard n > 0 else { throw CommandError("the server closed the connection mid-response") }
            buffer += chunk[..<n]
            return
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0 ... (haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i ..< i + needle.count]) == needle { return i }
        }
        return nil
    }
}

private func closeDescriptor(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    Glibc.close(fd)
    #else
    Darwin.close(fd)
    #endif
}
