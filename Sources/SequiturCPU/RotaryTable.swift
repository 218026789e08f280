import Foundation

/// cos and sin of `position · base^(-2i/ropeDimension)` for every position below `positions` and pair `i`,
/// computed in double and rounded once to float, kept so a forward pass computes each angle once, not once per
/// layer and per tensor.
final class RotaryTable {
    let base: Float
    let ropeDimension: Int
    private(set) var positions = 0
    /// `[position][pair]`, cos and sin interleaved.
    private(set) var values: [Float] = []

    init(base: Float, ropeDimension: Int) {
        self.base = base
        self.ropeDimension = ropeDimension
    }

    var pairs: Int { ropeDimension / 2 }

    /// Makes sure positions `0..<count` are in the table (growing it geometrically).
    func reserve(positions count: Int) {
        guard count > positions else { return }
        let newCount = max(count, positions * 2, 256)
        let inverseFrequencies = (0..<pairs).map { pow(Double(base), -2 * Double($0) / Double(ropeDimension)) }
        values.reserveCapacity(newCount * pairs * 2)
        for p in positions..<newCount {
            for f in inverseFrequencies {
                let angle = Double(p) * f
                values.append(Float(cos(angle)))
                values.append(Float(sin(angle)))
            }
        }
        positions = newCount
    }
}
