import Foundation
import Prometheus

/// The server's Prometheus metrics (`GET /metrics`): requests by route and status, the queue, the size of each
/// merged forward pass, tokens per second, and KV blocks in use.
public final class ServerMetrics: @unchecked Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let queueDepth: Gauge
    private let inFlight: Gauge
    private let kvBlocksInUse: Gauge
    private let kvBlockCapacity: Gauge
    private let tokensPerSecond: Gauge
    private let batchSize: ValueHistogram
    private let batchTokens: ValueHistogram
    private let processedTokens: Counter
    private let generatedTokens: Counter

    private let lock = NSLock()
    /// (time, tokens) of recent forward passes, for the tokens-per-second gauge over the last `window`.
    private var recent: [(Date, Int)] = []
    private let window: TimeInterval = 10

    public init() {
        queueDepth = registry.makeGauge(name: "sequitur_queue_depth", help: "requests waiting for a worker thread")
        inFlight = registry.makeGauge(name: "sequitur_requests_in_flight", help: "requests running on a worker thread")
        kvBlocksInUse = registry.makeGauge(name: "sequitur_kv_blocks_in_use", help: "KV cache blocks held by sequence states")
        kvBlockCapacity = registry.makeGauge(name: "sequitur_kv_block_capacity", help: "KV cache blocks allocated")
        tokensPerSecond = registry.makeGauge(name: "sequitur_tokens_per_second",
                                             help: "tokens through the model per second, over the last 10 seconds")
        batchSize = registry.makeValueHistogram(name: "sequitur_batch_size", buckets: [1, 2, 4, 8, 16, 32, 64],
                                                help: "requests merged into one forward pass")
        batchTokens = registry.makeValueHistogram(name: "sequitur_batch_tokens", buckets: [1, 4, 16, 64, 256, 1024, 4096],
                                                  help: "new tokens in one forward pass")
        processedTokens = registry.makeCounter(name: "sequitur_processed_tokens_total", help: "tokens through the model")
        generatedTokens = registry.makeCounter(name: "sequitur_generated_tokens_total", help: "tokens generated for responses")
    }

    public func recordRequest(route: String, status: Int) {
        registry.makeCounter(name: "sequitur_requests_total", labels: [("route", route), ("status", String(status))],
                             help: "requests answered, by route and status").increment()
    }

    public func recordBatch(callers: Int, tokens: Int) {
        batchSize.record(Double(callers))
        batchTokens.record(Double(tokens))
        processedTokens.increment(by: Int64(tokens))
        lock.withLock { recent.append((Date(), tokens)) }
    }

    public func recordGenerated(_ tokens: Int) {
        generatedTokens.increment(by: Int64(tokens))
    }

    /// The text exposition, with the gauges read now.
    public func render(queued: Int, running: Int, kvBlocksInUse inUse: Int?, kvBlockCapacity capacity: Int?) -> String {
        queueDepth.set(Double(queued))
        inFlight.set(Double(running))
        if let inUse { kvBlocksInUse.set(Double(inUse)) }
        if let capacity { kvBlockCapacity.set(Double(capacity)) }
        let rate = lock.withLock { () -> Double in
            let cutoff = Date(timeIntervalSinceNow: -window)
            recent.removeAll { $0.0 < cutoff }
            return Double(recent.reduce(0) { $0 + $1.1 }) / window
        }
        tokensPerSecond.set(rate)
        return registry.emitToString()
    }
}
