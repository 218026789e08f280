/// A vocabulary's token byte strings as a trie, in flat arrays: walking it with a grammar state visits each
/// shared prefix once, and a prefix the grammar rejects cuts off every token under it. Tokens with no bytes
/// (control tokens) are not in it.
public struct TokenTrie: Sendable {
    /// Node `n`'s edges are `edgeStart[n]..<edgeStart[n + 1]` of `edgeByte` / `edgeChild`, sorted by byte.
    let edgeStart: [Int32]
    let edgeByte: [UInt8]
    let edgeChild: [Int32]
    /// The tokens whose bytes end at node `n`: `tokenStart[n]..<tokenStart[n + 1]` of `tokens`.
    let tokenStart: [Int32]
    let tokens: [Int32]
    /// The vocabulary size (token ids run from 0 to this).
    public let vocabularySize: Int
    /// Each token's bytes, as given.
    public let tokenBytes: [[UInt8]]

    /// `bytes[t]` is token `t`'s bytes.
    public init(tokenBytes bytes: [[UInt8]]) {
        vocabularySize = bytes.count
        tokenBytes = bytes
        // Build with per-node child lists (node 0 is the root), then flatten.
        var children: [[(UInt8, Int32)]] = [[]]
        var ending: [[Int32]] = [[]]
        for (t, b) in bytes.enumerated() where !b.isEmpty {
            var node = 0
            for byte in b {
                if let edge = children[node].first(where: { $0.0 == byte }) {
                    node = Int(edge.1)
                } else {
                    let child = Int32(children.count)
                    children[node].append((byte, child))
                    children.append([])
                    ending.append([])
                    node = Int(child)
                }
            }
            ending[node].append(Int32(t))
        }
        var edgeStart: [Int32] = [0], edgeByte: [UInt8] = [], edgeChild: [Int32] = []
        var tokenStart: [Int32] = [0], tokens: [Int32] = []
        for n in children.indices {
            for (b, c) in children[n].sorted(by: { $0.0 < $1.0 }) {
                edgeByte.append(b)
                edgeChild.append(c)
            }
            edgeStart.append(Int32(edgeByte.count))
            tokens += ending[n]
            tokenStart.append(Int32(tokens.count))
        }
        self.edgeStart = edgeStart
        self.edgeByte = edgeByte
        self.edgeChild = edgeChild
        self.tokenStart = tokenStart
        self.tokens = tokens
    }

    /// Nodes in the trie (the root included).
    public var nodeCount: Int { tokenStart.count - 1 }
}
