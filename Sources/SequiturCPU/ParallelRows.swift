import Dispatch

/// Splits `count` items into at most `chunks` contiguous ranges of nearly equal size (each a multiple of
/// `granularity` except the last) and runs `body(chunkIndex, range)` for each, concurrently when there is
/// more than one.
///
/// Contiguous ranges keep each thread's output rows apart, so threads do not share cache lines except at
/// range edges. `body` is not `@Sendable`: callers pass raw pointers and promise that chunks write disjoint
/// memory, which is what every op here does.
func parallelRanges(count: Int, chunks: Int, granularity: Int = 1, _ body: (Int, Range<Int>) -> Void) {
    guard count > 0 else { return }
    let units = (count + granularity - 1) / granularity
    let chunkCount = max(1, min(chunks, units))
    if chunkCount == 1 {
        body(0, 0..<count)
        return
    }
    withoutActuallyEscaping(body) { escapable in
        let work = UncheckedSendableBox(escapable)
        DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
            let lower = min(count, units * chunk / chunkCount * granularity)
            let upper = min(count, units * (chunk + 1) / chunkCount * granularity)
            work.value(chunk, lower..<upper)
        }
    }
}

/// Carries a value into a `@Sendable` closure. @unchecked Sendable: used only by `parallelRanges`, whose
/// callers write disjoint memory from each chunk.
private struct UncheckedSendableBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
