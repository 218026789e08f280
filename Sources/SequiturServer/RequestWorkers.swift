import Foundation

/// Runs requests' blocking model work on a fixed set of threads, with a bounded queue in front of them.
///
/// Decoders are synchronous: each waits inside `BatchingLanguageModel.extend` for the pass it joins. They must
/// not run on Swift's cooperative pool (two threads on a two-core machine, shared with the HTTP server), so
/// every request gets one of these threads. A full queue refuses at once (429), a request whose client has
/// gone is skipped or told to stop, and `drain()` waits for everything accepted to finish.
public final class RequestWorkers: @unchecked Sendable {
    public let threadCount: Int
    public let queueCapacity: Int

    /// Set when the client has gone; long work polls it (a decoder's `shouldStop`).
    public final class CancellationFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var cancelled = false
        public init() {}
        public var isCancelled: Bool { lock.withLock { cancelled } }
        public func cancel() { lock.withLock { cancelled = true } }
    }

    /// `run` does the work and returns what resumes the caller, so that the worker counts itself idle before
    /// the caller (who may submit again at once) sees the result.
    private struct Job {
        let flag: CancellationFlag
        let run: () -> () -> Void
    }

    private let condition = NSCondition()
    private var queue: [Job] = []
    private var running = 0
    private var refusing = false
    private var stopped = false

    public init(threads: Int, queueCapacity: Int) {
        precondition(threads > 0 && queueCapacity >= 0, "workers need a thread and a non-negative queue")
        threadCount = threads
        self.queueCapacity = queueCapacity
        for i in 0..<threads {
            let thread = Thread { [self] in work() }
            thread.name = "sequitur-request-\(i)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Requests waiting for a thread, and requests running.
    public var depth: (queued: Int, running: Int) { condition.withLock { (queue.count, running) } }

    /// Runs `body` on a worker thread and returns its result. Throws `APIError.queueFull` when every thread is
    /// busy and the queue is full, `APIError.shuttingDown` after `beginShutdown()`. If the calling task is
    /// cancelled, `body`'s flag is set (and a job not yet started is skipped with `CancellationError`).
    public func run<T: Sendable>(flag: CancellationFlag = CancellationFlag(),
                                 _ body: @escaping @Sendable (CancellationFlag) throws -> T) async throws -> T {
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let job = Job(flag: flag) {
                    if flag.isCancelled { return { continuation.resume(throwing: CancellationError()) } }
                    let result = Result { try body(flag) }
                    return { continuation.resume(with: result) }
                }
                condition.lock()
                defer { condition.unlock() }
                if refusing {
                    continuation.resume(throwing: APIError.shuttingDown)
                    return
                }
                let idle = threadCount - running
                if queue.count >= idle + queueCapacity {
                    continuation.resume(throwing: APIError.queueFull(capacity: queueCapacity))
                    return
                }
                queue.append(job)
                condition.signal()
            }
        } onCancel: {
            flag.cancel()
        }
    }

    /// Refuses new work from now on; accepted work goes on.
    public func beginShutdown() {
        condition.withLock { refusing = true }
    }

    /// Waits until no accepted work is queued or running, then stops the threads.
    public func drain() async {
        while true {
            let busy = condition.withLock { !queue.isEmpty || running > 0 }
            if !busy { break }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    private func work() {
        condition.lock()
        while true {
            while queue.isEmpty && !stopped { condition.wait() }
            if queue.isEmpty { break }
            let job = queue.removeFirst()
            running += 1
            condition.unlock()
            let resume = job.run()
            condition.lock()
            running -= 1
            condition.unlock()
            resume()
            condition.lock()
        }
        condition.unlock()
    }
}
