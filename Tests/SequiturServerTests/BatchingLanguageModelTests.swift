import Foundation
import Sequitur
import SequiturServer
import SequiturTesting
import Testing

/// The continuous-batching scheduler: concurrent callers get exactly their solo answers, their calls are merged
/// into shared passes, and one caller's bad input is that caller's error only.
@Suite struct BatchingLanguageModelTests {
    /// Random prompts of awkward lengths, each with every position queried.
    static func requests(_ model: any LanguageModel, count: Int, seed: UInt64) -> [[TokenID]] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { i in
            (0..<(3 + i * 7 % 23)).map { _ in TokenID(rng.next() % 47) + 2 }
        }
    }

    /// A caller's whole job: prefill, then `steps` greedy steps, each a separate `extend`.
    static func decode(_ model: any LanguageModel, prompt: [TokenID], steps: Int) throws -> [PositionLogProbs] {
        let state = model.makeState()
        var answers: [PositionLogProbs] = []
        var next = try model.extend([ExtensionRequest(state: state, tokens: prompt, lastQuery: PositionQuery(topK: 3))])[0].last!
        answers.append(next)
        for _ in 0..<steps {
            next = try model.extend([ExtensionRequest(state: state, tokens: [next.argmax], lastQuery: PositionQuery(topK: 3))])[0].last!
            answers.append(next)
        }
        return answers
    }

    @Test func concurrentCallersGetTheirSoloAnswersInMergedPasses() throws {
        let reference = PrefixHashLanguageModel(vocabularySize: 50, seed: 3)
        let prompts = Self.requests(reference, count: 12, seed: 9)
        let solo = try prompts.map { try Self.decode(reference, prompt: $0, steps: 6) }

        let batching = BatchingLanguageModel(base: PrefixHashLanguageModel(vocabularySize: 50, seed: 3), gatherWindow: 0.05)
        defer { batching.shutdown() }
        let results = ResultSlots<[PositionLogProbs]>(count: prompts.count)
        // Every caller is a participant before any starts, so the scheduler waits for all of them each step.
        for _ in prompts { batching.beginParticipant() }
        runOnThreads(prompts.count) { i in
            defer { batching.endParticipant() }
            results.set(i, Result { try Self.decode(batching, prompt: prompts[i], steps: 6) })
        }
        for i in prompts.indices {
            #expect(try results.get(i) == solo[i], "caller \(i) differs from its solo run")
        }
        let s = batching.currentStatistics
        #expect(s.calls == prompts.count * 7)
        #expect(s.largestBatch > 1, "concurrent calls were never merged")
        #expect(s.batches < s.calls)
    }

    @Test func oneCallersBadInputFailsOnlyThatCaller() throws {
        let base = PrefixHashLanguageModel(vocabularySize: 20, contextLength: 10, seed: 1)
        let batching = BatchingLanguageModel(base: base, gatherWindow: 0.2)
        defer { batching.shutdown() }
        let good = ResultSlots<[ExtensionResult]>(count: 3)
        for _ in 0..<3 { batching.beginParticipant() }
        runOnThreads(3) { i in
            defer { batching.endParticipant() }
            // Caller 1 overflows the context of 10 tokens; callers 0 and 2 are fine.
            let tokens = [TokenID](repeating: 5, count: i == 1 ? 12 : 4)
            good.set(i, Result { try batching.extend([ExtensionRequest(state: batching.makeState(), tokens: tokens)]) })
        }
        #expect(throws: LanguageModelError.contextOverflow(length: 12, contextLength: 10)) { try good.get(1) }
        let expected = try base.extend([ExtensionRequest(state: base.makeState(), tokens: [5, 5, 5, 5])])
        #expect(try good.get(0)[0].answers == expected[0].answers)
        #expect(try good.get(2)[0].answers == expected[0].answers)
        #expect(batching.currentStatistics.largestBatch == 3, "the three calls were merged, then rerun alone")
    }

    @Test func idleHandlerRunsWhenTheLastParticipantLeaves() throws {
        let batching = BatchingLanguageModel(base: PrefixHashLanguageModel(seed: 2))
        defer { batching.shutdown() }
        let idle = DispatchSemaphore(value: 0)
        batching.onIdle { idle.signal() }
        batching.beginParticipant()
        _ = try batching.extend([ExtensionRequest(state: batching.makeState(), tokens: [3, 4])])
        #expect(idle.wait(timeout: .now() + 0.3) == .timedOut, "idle while a participant is still active")
        batching.endParticipant()
        #expect(idle.wait(timeout: .now() + 5) == .success)
    }

    @Test func callsAfterShutdownFail() throws {
        let batching = BatchingLanguageModel(base: PrefixHashLanguageModel(seed: 2))
        batching.shutdown()
        #expect(throws: CancellationError.self) {
            try batching.extend([ExtensionRequest(state: batching.makeState(), tokens: [3])])
        }
    }
}

/// Runs `body(0..<count)` on `count` threads of their own (not Dispatch's pool, which runs only as many at once
/// as there are cores) and waits for all of them.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        Thread {
            body(i)
            group.leave()
        }.start()
    }
    group.wait()
}

/// Results written by concurrent workers, read after they join.
final class ResultSlots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, any Error>?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<T, any Error>) { lock.withLock { slots[i] = r } }
    func get(_ i: Int) throws -> T { try lock.withLock { slots[i] }!.get() }
}
