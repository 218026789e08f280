import Foundation
import Sequitur

/// Prefilled prompt states that later requests fork: requests whose prompts share a beginning (the choices of
/// one multiple-choice question, chat turns over the same system prompt, a few-shot preamble) reuse its KV
/// blocks instead of recomputing them. A fork shares blocks copy-on-write, so the cached state is never
/// changed by the requests that use it.
///
/// Reuse does not change any number: the model computes each position from its own inputs in a fixed order,
/// whether in one pass or in pieces. The cache holds at most `capacity` states (least recently used goes
/// first) and is emptied when the server has been idle a while (`ServerEngine.idleRelease`), so an idle server
/// holds no KV blocks.
final class PromptPrefixCache: @unchecked Sendable {
    let capacity: Int
    /// The shortest prefix worth caching or reusing: below one KV block the saving is nil.
    let minimumLength: Int

    private let lock = NSLock()
    private var entries: [(tokens: [TokenID], state: SequenceState)] = []

    init(capacity: Int = 64, minimumLength: Int = 16) {
        self.capacity = capacity
        self.minimumLength = minimumLength
    }

    /// A fork of the cached state sharing the longest prefix with `tokens`, holding exactly that prefix, or nil.
    /// A cached state longer than the common prefix is cut with `fork(keepingFirst:)` when its model can.
    func longestPrefix(of tokens: [TokenID]) -> SequenceState? {
        lock.withLock {
            var best: (index: Int, length: Int)?
            for (i, entry) in entries.enumerated() {
                let common = Self.commonPrefixLength(entry.tokens, tokens)
                let usable = common == entry.tokens.count || entry.state is PrefixForkableState ? common : 0
                if usable >= minimumLength, usable > (best?.length ?? 0) { best = (i, usable) }
            }
            guard let (index, length) = best else { return nil }
            let entry = entries.remove(at: index)
            entries.append(entry)
            if length == entry.tokens.count { return entry.state.fork() }
            return (entry.state as! PrefixForkableState).fork(keepingFirst: length)
        }
    }

    /// Keeps a fork of `state` for later requests (nothing when it is short, or already cached).
    func insert(_ state: SequenceState) {
        let tokens = state.tokens
        guard tokens.count >= minimumLength else { return }
        let copy = state.fork()
        lock.withLock {
            // Already covered by a cached state that this one is a prefix of.
            if entries.contains(where: { $0.tokens.count >= tokens.count && $0.state is PrefixForkableState
                                         && Self.commonPrefixLength($0.tokens, tokens) == tokens.count }) { return }
            // A cached state that is a prefix of this one adds nothing once this one is in.
            entries.removeAll { entry in
                entry.tokens.count <= tokens.count && Self.commonPrefixLength(entry.tokens, tokens) == entry.tokens.count
            }
            entries.append((tokens, copy))
            if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        }
    }

    /// Drops every state (their KV blocks go back to the pool). The states are released after the lock is let
    /// go: releasing returns blocks to the pool, which takes its own lock.
    func removeAll() {
        let dropped = lock.withLock { () -> [(tokens: [TokenID], state: SequenceState)] in
            defer { entries = [] }
            return entries
        }
        withExtendedLifetime(dropped) {}
    }

    static func commonPrefixLength(_ a: [TokenID], _ b: [TokenID]) -> Int {
        var n = 0
        let limit = min(a.count, b.count)
        while n < limit && a[n] == b[n] { n += 1 }
        return n
    }
}
