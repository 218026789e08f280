import Foundation
import SequiturServer
import Testing

@Suite struct RequestWorkersTests {
    /// Waits (polling) until `condition` holds, for at most 10 seconds.
    static func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<1000 {
            if condition() { return true }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return condition()
    }

    @Test func aFullQueueRefusesAtOnce() async throws {
        let workers = RequestWorkers(threads: 1, queueCapacity: 1)
        let gate = DispatchSemaphore(value: 0)
        let running = Task { try await workers.run { _ in gate.wait(); return 1 } }
        #expect(await Self.eventually { workers.depth.running == 1 })
        let queued = Task { try await workers.run { _ in 2 } }
        #expect(await Self.eventually { workers.depth.queued == 1 })
        await #expect(throws: APIError.queueFull(capacity: 1)) { try await workers.run { _ in 3 } }
        gate.signal()
        #expect(try await running.value == 1)
        #expect(try await queued.value == 2)
        await workers.drain()
    }

    @Test func shutdownRefusesNewWorkAndDrainsAccepted() async throws {
        let workers = RequestWorkers(threads: 2, queueCapacity: 4)
        let gate = DispatchSemaphore(value: 0)
        let accepted = Task { try await workers.run { _ in gate.wait(); return "done" } }
        #expect(await Self.eventually { workers.depth.running == 1 })
        workers.beginShutdown()
        await #expect(throws: APIError.shuttingDown) { try await workers.run { _ in "late" } }
        gate.signal()
        #expect(try await accepted.value == "done", "work accepted before the shutdown finishes")
        await workers.drain()
        #expect(workers.depth.queued == 0 && workers.depth.running == 0)
    }

    @Test func cancellingTheCallerSetsTheFlag() async throws {
        let workers = RequestWorkers(threads: 1, queueCapacity: 1)
        let started = DispatchSemaphore(value: 0)
        let task = Task {
            try await workers.run { flag -> Bool in
                started.signal()
                while !flag.isCancelled { usleep(1000) }
                return true
            }
        }
        started.wait()
        task.cancel()
        #expect(try await task.value, "the job saw the cancellation and returned")
        await workers.drain()
    }
}
