import Foundation
import SequiturCore

/// A `LanguageModel` that many threads use at once: each thread's `extend` call waits while a scheduler thread
/// merges the calls pending at that moment into one `extend` on the wrapped model, then hands each caller its
/// own results. This is continuous batching for any decoder or scorer, unchanged: a server runs each request's
/// decoder on its own thread against this model, so the prefill of a request that just arrived and the decode
/// steps of requests already running go through the same forward passes, and requests join and leave between
/// passes.
///
/// Because every op of the wrapped model is batch-invariant, a caller's results are bitwise the same as when it
/// runs alone (the server's tests check it). If a merged call fails, each caller's part is rerun alone, so one
/// caller's bad input (a context overflow, say) is that caller's error only; the wrapped model checks every
/// input before it changes any state, which makes the rerun safe.
///
/// Callers that take part in a long job (a decode) bracket it with `beginParticipant()`/`endParticipant()`: the
/// scheduler then waits, up to `gatherWindow`, until every participant has a call pending, which is what fills
/// the batch. Calls from non-participants run as soon as the scheduler is free.
///
/// The wrapped model's `makeState`, `fork` and state release must be safe to call while `extend` runs on
/// another thread (`LlamaModel`'s are: its KV block pool counts under a lock).
public final class BatchingLanguageModel: LanguageModel, @unchecked Sendable {
    public let base: any LanguageModel
    /// The most new tokens merged into one call (a single larger call still runs, alone).
    public let maxBatchTokens: Int
    /// How long the scheduler waits for participants that are between calls.
    public let gatherWindow: TimeInterval

    public var vocabulary: any Vocabulary { base.vocabulary }
    public var contextLength: Int { base.contextLength }
    public var processedTokenCount: Int { passLock.withLock { base.processedTokenCount } }

    /// Counts of what the scheduler has done, for metrics and tests.
    public struct Statistics: Sendable, Equatable {
        /// Merged calls made on the wrapped model.
        public var batches = 0
        /// Caller calls answered.
        public var calls = 0
        /// New tokens processed.
        public var tokens = 0
        /// Callers in the largest merged call.
        public var largestBatch = 0
    }

    private let condition = NSCondition()
    /// Held while a merged call runs on the wrapped model, and by `exclusively`.
    private let passLock = NSLock()
    private var pending: [Ticket] = []
    private var participants = 0
    private var activity = 0
    private var statistics = Statistics()
    private var stopped = false
    private var idleHandler: (@Sendable () -> Void)?
    private var batchHandler: (@Sendable (_ callers: Int, _ tokens: Int) -> Void)?
    private var thread: Thread?

    /// One caller's call: its requests and, once the scheduler has run them, its results.
    private final class Ticket {
        let requests: [ExtensionRequest]
        let tokenCount: Int
        var result: Result<[ExtensionResult], any Error>?
        init(_ requests: [ExtensionRequest]) {
            self.requests = requests
            tokenCount = requests.reduce(0) { $0 + $1.tokens.count }
        }
    }

    public init(base: any LanguageModel, maxBatchTokens: Int = 2048, gatherWindow: TimeInterval = 0.002) {
        precondition(maxBatchTokens > 0, "a batch must hold at least one token")
        self.base = base
        self.maxBatchTokens = maxBatchTokens
        self.gatherWindow = gatherWindow
        // The thread holds the model until `shutdown()`: a scheduler must not vanish under waiting callers.
        let thread = Thread { self.schedule() }
        thread.name = "sequitur-batching"
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    /// Stops the scheduler thread once pending calls are answered (later calls throw `CancellationError`), and
    /// lets the model go.
    public func shutdown() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    public func makeState() -> SequenceState { base.makeState() }

    /// Runs `body` with no forward pass in flight (the scheduler holds off until it returns): for work on the
    /// wrapped model that must not overlap `extend`, such as giving the KV cache's memory back.
    public func exclusively<T>(_ body: () throws -> T) rethrows -> T {
        passLock.lock()
        defer { passLock.unlock() }
        return try body()
    }

    /// `handler` runs on the scheduler thread, with no call in flight, whenever the last participant ends.
    public func onIdle(_ handler: @escaping @Sendable () -> Void) {
        condition.withLock { idleHandler = handler }
    }

    /// `handler(callers, tokens)` runs on the scheduler thread after each merged call.
    public func onBatch(_ handler: @escaping @Sendable (_ callers: Int, _ tokens: Int) -> Void) {
        condition.withLock { batchHandler = handler }
    }

    public func beginParticipant() {
        condition.withLock {
            participants += 1
            activity += 1
        }
    }

    /// Counts `beginParticipant` calls: unchanged between two reads means no work started in between.
    public var activityCount: Int { condition.withLock { activity } }

    public func endParticipant() {
        condition.withLock {
            precondition(participants > 0, "endParticipant without beginParticipant")
            participants -= 1
            condition.broadcast()
        }
    }

    /// Callers currently taking part, and calls waiting for the next pass.
    public var load: (participants: Int, pendingCalls: Int) {
        condition.withLock { (participants, pending.count) }
    }

    public var currentStatistics: Statistics { condition.withLock { statistics } }

    public func extend(_ requests: [ExtensionRequest]) throws -> [ExtensionResult] {
        if requests.isEmpty { return [] }
        let ticket = Ticket(requests)
        condition.lock()
        if stopped {
            condition.unlock()
            throw CancellationError()
        }
        pending.append(ticket)
        condition.broadcast()
        while ticket.result == nil { condition.wait() }
        condition.unlock()
        return try ticket.result!.get()
    }

    private func schedule() {
        condition.lock()
        var wasBusy = false
        while true {
            while pending.isEmpty && !stopped {
                if wasBusy && participants == 0 {
                    wasBusy = false
                    if let handler = idleHandler {
                        condition.unlock()
                        handler()
                        condition.lock()
                    }
                    continue
                }
                condition.wait()
            }
            if pending.isEmpty && stopped { break }
            // Wait briefly for participants that are choosing their next token: the pass they join now is a
            // pass they do not wait a whole step for.
            let deadline = Date(timeIntervalSinceNow: gatherWindow)
            while pending.count < participants && !stopped && condition.wait(until: deadline) {}
            var batch: [Ticket] = []
            var tokens = 0
            while let next = pending.first, batch.isEmpty || tokens + next.tokenCount <= maxBatchTokens {
                batch.append(pending.removeFirst())
                tokens += next.tokenCount
            }
            condition.unlock()
            passLock.withLock { run(batch) }
            condition.lock()
            statistics.batches += 1
            statistics.calls += batch.count
            statistics.tokens += tokens
            statistics.largestBatch = max(statistics.largestBatch, batch.count)
            wasBusy = true
            condition.broadcast()
            batchHandler?(batch.count, tokens)
        }
        condition.unlock()
    }

    private func run(_ batch: [Ticket]) {
        if batch.count == 1 {
            batch[0].result = Result { try base.extend(batch[0].requests) }
            return
        }
        do {
            let results = try base.extend(batch.flatMap(\.requests))
            var start = 0
            for ticket in batch {
                ticket.result = .success(Array(results[start..<(start + ticket.requests.count)]))
                start += ticket.requests.count
            }
        } catch {
            for ticket in batch { ticket.result = Result { try base.extend(ticket.requests) } }
        }
    }
}
