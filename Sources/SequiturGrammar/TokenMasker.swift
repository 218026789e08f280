import Foundation

/// Which tokens a grammar state allows next, computed from each token's bytes through a `TokenTrie` (never by
/// re-tokenising) and cached per state, so a state a decode returns to (inside a JSON string, between list
/// items) costs one dictionary lookup. Tokens without bytes (control tokens, end tokens) are never in a mask:
/// whether a sequence may end is `GrammarAutomaton.isAccepting`, the caller's to apply to its end tokens.
public final class TokenMasker: @unchecked Sendable {
    public let automaton: GrammarAutomaton
    public let trie: TokenTrie
    private let tokenBytes: [[UInt8]]
    private let lock = NSLock()
    private var masks: [GrammarAutomaton.State: TokenMask] = [:]

    /// `tokenBytes[t]` is token `t`'s bytes.
    public convenience init(automaton: GrammarAutomaton, tokenBytes: [[UInt8]]) {
        self.init(automaton: automaton, trie: TokenTrie(tokenBytes: tokenBytes))
    }

    /// A masker over a trie already built for the vocabulary (one trie serves every grammar).
    public init(automaton: GrammarAutomaton, trie: TokenTrie) {
        self.automaton = automaton
        self.trie = trie
        self.tokenBytes = trie.tokenBytes
    }

    /// The tokens whose bytes can follow in `state` (each a viable prefix of a sentence, possibly ending it).
    public func allowedTokens(_ state: GrammarAutomaton.State) -> TokenMask {
        if let cached = lock.withLock({ masks[state] }) { return cached }
        var mask = TokenMask(count: trie.vocabularySize)
        if state != GrammarAutomaton.dead {
            automaton.withLock { next in walk(from: state, next: next, into: &mask) }
        }
        lock.withLock { masks[state] = mask }
        return mask
    }

    /// The state after token `token`'s bytes (`dead` if the grammar does not allow them).
    public func advance(_ state: GrammarAutomaton.State, token: Int32) -> GrammarAutomaton.State {
        guard Int(token) >= 0 && Int(token) < tokenBytes.count else { return GrammarAutomaton.dead }
        return automaton.advance(state, over: tokenBytes[Int(token)])
    }

    /// Depth-first over the trie, following each edge only while the grammar still has a continuation.
    private func walk(from state: GrammarAutomaton.State, next: (GrammarAutomaton.State, UInt8) -> GrammarAutomaton.State,
                      into mask: inout TokenMask) {
        var pending: [(node: Int32, state: GrammarAutomaton.State)] = [(0, state)]
        trie.edgeStart.withUnsafeBufferPointer { edgeStart in
            trie.edgeByte.withUnsafeBufferPointer { edgeByte in
                trie.edgeChild.withUnsafeBufferPointer { edgeChild in
                    while let (node, s) = pending.popLast() {
                        for e in Int(edgeStart[Int(node)])..<Int(edgeStart[Int(node) + 1]) {
                            let after = next(s, edgeByte[e])
                            guard after != GrammarAutomaton.dead else { continue }
                            let child = Int(edgeChild[e])
                            for i in Int(trie.tokenStart[child])..<Int(trie.tokenStart[child + 1]) {
                                mask.insert(trie.tokens[i])
                            }
                            if edgeStart[child] < edgeStart[child + 1] { pending.append((Int32(child), after)) }
                        }
                    }
                }
            }
        }
    }
}

/// A set of token ids as a bit set.
public struct TokenMask: Sendable, Equatable {
    public private(set) var words: [UInt64]
    public let count: Int

    public init(count: Int) {
        self.count = count
        words = [UInt64](repeating: 0, count: (count + 63) / 64)
    }

    public mutating func insert(_ token: Int32) {
        words[Int(token) >> 6] |= 1 << UInt64(token & 63)
    }

    public func contains(_ token: Int32) -> Bool {
        token >= 0 && Int(token) < count && words[Int(token) >> 6] & (1 << UInt64(token & 63)) != 0
    }

    /// How many tokens are in the set.
    public var population: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// Sets every entry of `row` whose token is not in the set to `-inf`.
    public func forbidOthers(in row: inout [Float]) {
        row.withUnsafeMutableBufferPointer { r in
            for w in words.indices {
                let word = words[w]
                if word == .max { continue }
                let base = w << 6
                for bit in 0..<min(64, r.count - base) where word & (1 << UInt64(bit)) == 0 {
                    r[base + bit] = -.infinity
                }
            }
        }
    }
}
