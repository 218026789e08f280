import SequiturCore

/// The merge table of a byte-level BPE vocabulary and the algorithm that applies it inside one pre-token.
///
/// Merges are applied by rank: the adjacent pair with the lowest rank merges first, the leftmost on a tie,
/// until no adjacent pair has a merge. That is the reference's order (HF `tokenizers` pops a heap of
/// (rank, position) and skips stale entries); we do the same, so a pre-token of n bytes costs
/// O(n log n) rather than the O(n²) of rescanning after every merge — which matters for 10,000-byte words.
struct BPEMerges: Sendable {
    /// `left << 32 | right` (token ids) → `rank << 32 | merged token id`.
    private let table: MergePairTable
    /// The token spelling each byte, or -1 when the vocabulary lacks it (the reference then drops the byte).
    let byteTokens: [TokenID]

    init(table: [UInt64: UInt64], byteTokens: [TokenID]) {
        self.table = MergePairTable(table)
        self.byteTokens = byteTokens
    }

    @inline(__always)
    static func key(_ left: TokenID, _ right: TokenID) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Appends the tokens of the pre-token `bytes` to `output`.
    func encode(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [TokenID], workspace: inout Workspace) {
        workspace.reset()
        for byte in bytes {
            let id = byteTokens[Int(byte)]
            if id >= 0 { workspace.ids.append(id) }
        }
        let n = workspace.ids.count
        if n < 2 {
            output += workspace.ids
            return
        }
        for k in 0..<n {
            workspace.previous.append(Int32(k - 1))
            workspace.next.append(Int32(k + 1))
        }
        for k in 0..<(n - 1) {
            if let merge = table[Self.key(workspace.ids[k], workspace.ids[k + 1])] {
                workspace.heap.push(merge & 0xFFFF_FFFF_0000_0000 | UInt64(k))
            }
        }
        while let top = workspace.heap.popMin() {
            let position = Int(top & 0xFFFF_FFFF)
            let left = workspace.ids[position]
            let rightPosition = Int(workspace.next[position])
            // Stale entries: the symbol was merged into its left neighbour, or its right neighbour changed.
            guard left >= 0, rightPosition < n,
                  let merge = table[Self.key(left, workspace.ids[rightPosition])],
                  merge >> 32 == top >> 32
            else { continue }
            workspace.ids[position] = TokenID(truncatingIfNeeded: merge & 0xFFFF_FFFF)
            workspace.ids[rightPosition] = -1
            let after = Int(workspace.next[rightPosition])
            workspace.next[position] = Int32(after)
            if after < n { workspace.previous[after] = Int32(position) }
            let before = Int(workspace.previous[position])
            if before >= 0, let m = table[Self.key(workspace.ids[before], workspace.ids[position])] {
                workspace.heap.push(m & 0xFFFF_FFFF_0000_0000 | UInt64(before))
            }
            if after < n, let m = table[Self.key(workspace.ids[position], workspace.ids[after])] {
                workspace.heap.push(m & 0xFFFF_FFFF_0000_0000 | UInt64(position))
            }
        }
        var k = 0
        while k < n {
            output.append(workspace.ids[k])
            k = Int(workspace.next[k])
        }
    }

    /// Buffers reused across pre-tokens of one encode call.
    struct Workspace {
        var ids: [TokenID] = []
        var previous: [Int32] = []
        var next: [Int32] = []
        var heap = MinHeap()

        mutating func reset() {
            ids.removeAll(keepingCapacity: true)
            previous.removeAll(keepingCapacity: true)
            next.removeAll(keepingCapacity: true)
            heap.removeAll()
        }
    }
}

/// A binary min-heap of packed `rank << 32 | position` keys, so that the lowest rank and then the leftmost
/// position comes out first.
struct MinHeap {
    private var items: [UInt64] = []

    mutating func removeAll() { items.removeAll(keepingCapacity: true) }

    mutating func push(_ item: UInt64) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popMin() -> UInt64? {
        guard let last = items.popLast() else { return nil }
        guard !items.isEmpty else { return last }
        let top = items[0]
        items[0] = last
        var parent = 0
        let count = items.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { break }
            let right = left + 1
            let smaller = right < count && items[right] < items[left] ? right : left
            guard items[smaller] < items[parent] else { break }
            items.swapAt(smaller, parent)
            parent = smaller
        }
        return top
    }
}
