import SequiturCore

/// cos and sin of every pair's angle (`RotaryEmbedding.table`) for every position below `positions`, kept so a
/// forward pass computes each angle once, not once per layer and per tensor.
final class RotaryTable {
    let rotary: RotaryEmbedding
    private(set) var positions = 0
    /// `[position][pair]`, cos and sin interleaved.
    private(set) var values: [Float] = []

    init(rotary: RotaryEmbedding) { self.rotary = rotary }

    var pairs: Int { rotary.pairs }

    /// Makes sure positions `0..<count` are in the table (growing it geometrically).
    func reserve(positions count: Int) {
        guard count > positions else { return }
        let newCount = max(count, positions * 2, 256)
        values += rotary.table(positions: positions..<newCount)
        positions = newCount
    }
}
