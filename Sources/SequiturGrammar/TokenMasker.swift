import Foundation

/// Which tokens a grammar state allows next, computed from each token's bytes through a `TokenTrie` (never by
/// re-tokenising) and cached per state, so a state a decode returns to (inside a JSON string, between list
/// items) costs one dictionary lookup. Tokens without bytes (control tokens, end tokens) are never in a mask:
/// whether a sequence may end is `GrammarAutomaton.isAccepting`, the caller's to apply to its end tokens.
///
/// With `trimsTrailingWhitespace`, an output may not end in whitespace even where the grammar allows it (JSON
/// grammars allow whitespace after the last token, as llama.cpp's do; a model left to choose between the end
/// token and a newline often takes the newline, then tabs, up to the grammar's bound). A token that ends in
/// whitespace is then allowed only where some non-whitespace byte can still follow.
public final class TokenMasker: @unchecked Sendable {
    public let automaton: GrammarAutomaton
    public let trie: TokenTrie
    public let trimsTrailingWhitespace: Bool
    private let tokenBytes: [[UInt8]]
    private let lock = NSLock()
    private var masks: [GrammarAutomaton.State: TokenMask] = [:]
    /// Per state: whether a non-whitespace byte can follow, after any run of whitespace (lock held to use).
    private var continuesPastWhitespace: [GrammarAutomaton.State: Bool] = [:]

    /// `tokenBytes[t]` is token `t`'s bytes.
    public convenience init(automaton: GrammarAutomaton, tokenBytes: [[UInt8]], trimsTrailingWhitespace: Bool = false) {
        self.init(automaton: automaton, trie: TokenTrie(tokenBytes: tokenBytes), trimsTrailingWhitespace: trimsTrailingWhitespace)
    }

    /// A masker over a trie already built for the vocabulary (one trie serves every grammar).
    public init(automaton: GrammarAutomaton, trie: TokenTrie, trimsTrailingWhitespace: Bool = false) {
        self.automaton = automaton
        self.trie = trie
        self.tokenBytes = trie.tokenBytes
        self.trimsTrailingWhitespace = trimsTrailingWhitespace
    }

    /// Space, tab, line feed, carriage return: JSON's whitespace, and what "trailing whitespace" means here.
    public static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
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
                            let endsHere = !trimsTrailingWhitespace || !Self.isWhitespace(edgeByte[e])
                                || continuesPastWhitespace(after, next: next)
                            if endsHere {
                                for i in Int(trie.tokenStart[child])..<Int(trie.tokenStart[child + 1]) {
                                    mask.insert(trie.tokens[i])
                                }
                            }
                            if edgeStart[child] < edgeStart[child + 1] { pending.append((Int32(child), after)) }
                        }
                    }
                }
            }
        }
    }
}

extension TokenMasker {
    /// Whether, from `state`, some run of whitespace (possibly empty) leads to a state where a non-whitespace
    /// byte can follow: memoised per state, searched over whitespace transitions only.
    fileprivate func continuesPastWhitespace(_ state: GrammarAutomaton.State,
                                             next: (GrammarAutomaton.State, UInt8) -> GrammarAutomaton.State) -> Bool {
        if let known = continuesPastWhitespace[state] { return known }
        var seen: Set<GrammarAutomaton.State> = [state]
        var pending = [state]
        var found = false
        search: while let s = pending.popLast() {
            for byte in UInt8.min...UInt8.max {
                let after = next(s, byte)
                guard after != GrammarAutomaton.dead else { continue }
                if !Self.isWhitespace(byte) {
                    found = true
                    break search
                }
                if seen.insert(after).inserted { pending.append(after) }
            }
        }
        continuesPastWhitespace[state] = found
        return found
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
