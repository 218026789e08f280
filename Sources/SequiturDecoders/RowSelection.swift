import SequiturCore

/// Choosing tokens from a whole log-prob row, in the same order a backend's top-k uses: higher log-prob first,
/// ties to the lower id, `-inf` (forbidden) entries never chosen. A decoder that reads processed full rows uses
/// these so that its choices agree with the backend's top-k on unprocessed rows.
public enum RowSelection {
    /// The best token of `row` (lowest id among equal maxima), or nil when every entry is `-inf`.
    public static func argmax(_ row: [Float]) -> TokenID? {
        var best = -1
        var bestValue = -Float.infinity
        for i in row.indices where row[i] > bestValue {
            best = i
            bestValue = row[i]
        }
        return best < 0 ? nil : TokenID(best)
    }

    /// The `k` best finite entries of `row`, best first. O(n log k).
    public static func topK(_ row: [Float], _ k: Int) -> [TokenLogProb] { topK(row, k, after: nil) }

    /// The `k` best finite entries of `row` that come after `last` in this order (lower log-prob, or equal and a
    /// higher id), best first: the next page of `sorted(row)` after the entry `last`. O(n log k).
    public static func topK(_ row: [Float], _ k: Int, after last: TokenLogProb?) -> [TokenLogProb] {
        guard k > 0 else { return [] }
        // Kept sorted best-first; small k makes insertion cheaper than a heap.
        var kept: [TokenLogProb] = []
        kept.reserveCapacity(k + 1)
        for i in row.indices where row[i] > -.infinity {
            let v = row[i]
            if let last, v > last.logProb || (v == last.logProb && i <= Int(last.token)) { continue }
            if kept.count == k, let worst = kept.last, !(v > worst.logProb) { continue }
            var at = kept.count
            while at > 0 && kept[at - 1].logProb < v { at -= 1 }
            kept.insert(TokenLogProb(token: TokenID(i), logProb: v), at: at)
            if kept.count > k { kept.removeLast() }
        }
        return kept
    }

    /// Every finite entry of `row`, best first.
    public static func sorted(_ row: [Float]) -> [TokenLogProb] {
        row.indices.filter { row[$0] > -.infinity }
            .sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }
            .map { TokenLogProb(token: TokenID($0), logProb: row[$0]) }
    }
}
