import Foundation

/// How a model turns each head's leading dimensions by position (RoPE), in every variant the supported families
/// use: which elements form a pair, the base, per-pair frequency divisors (Llama 3's `rope_freqs.weight`,
/// Phi-3's LongRoPE factors) and linear position scaling.
///
/// Pair `i` (of `dimension / 2`) turns by angle `position · positionScale · base^(-2i/dimension) / factor[i]`.
/// The angles are computed here, in double, and rounded once to float cos and sin, so every backend uses the
/// same table and no result depends on a device's float trigonometry at large angles.
public struct RotaryEmbedding: Hashable, Sendable {
    /// Which two elements of a head pair `i` turns.
    public enum Pairing: String, Hashable, Sendable {
        /// `(2i, 2i + 1)`: GGML's "normal" mode, what GGUF llama weights (Q and K rows permuted by the converter)
        /// expect.
        case adjacent
        /// `(i, i + dimension/2)`: GGML's NEOX mode and transformers' `rotate_half`, what Qwen, Gemma and Phi-3
        /// weights expect.
        case halves
    }

    /// The leading dimensions of each head that turn (even, at most the head dimension).
    public var dimension: Int
    public var base: Float
    public var pairing: Pairing
    /// Divides pair `i`'s frequency (`dimension / 2` positive finite values), or nil for none.
    public var frequencyFactors: [Float]?
    /// Multiplies every position: `1 / factor` for linear rope scaling, 1 otherwise.
    public var positionScale: Double
    /// Multiplies cos and sin (LongRoPE's and YaRN's attention factor), 1 otherwise.
    public var magnitude: Double

    public init(dimension: Int, base: Float, pairing: Pairing = .adjacent, frequencyFactors: [Float]? = nil,
                positionScale: Double = 1, magnitude: Double = 1) {
        self.dimension = dimension
        self.base = base
        self.pairing = pairing
        self.frequencyFactors = frequencyFactors
        self.positionScale = positionScale
        self.magnitude = magnitude
    }

    public var pairs: Int { dimension / 2 }

    /// Element offsets, within a head, of pair `i`'s two members.
    @inline(__always) public func members(of i: Int) -> (Int, Int) {
        pairing == .adjacent ? (2 * i, 2 * i + 1) : (i, i + pairs)
    }

    /// The angle step of each pair: radians per position.
    public var frequencies: [Double] {
        (0..<pairs).map { i in
            let f = pow(Double(base), -2 * Double(i) / Double(dimension)) * positionScale
            return frequencyFactors.map { f / Double($0[i]) } ?? f
        }
    }

    /// `(cos, sin)` of every pair at every position in `positions`, `[position][pair][2]`.
    public func table(positions: Range<Int>) -> [Float] {
        let frequencies = self.frequencies
        var values: [Float] = []
        values.reserveCapacity(positions.count * pairs * 2)
        for p in positions {
            for f in frequencies {
                let angle = Double(p) * f
                values.append(Float(cos(angle) * magnitude))
                values.append(Float(sin(angle) * magnitude))
            }
        }
        return values
    }

    /// Why these parameters cannot describe a rotation of heads of `headDimension`, or nil when they can.
    public func problem(headDimension: Int) -> String? {
        if dimension <= 0 || dimension % 2 != 0 || dimension > headDimension {
            return "rope dimension \(dimension) must be even and at most the head dimension \(headDimension)"
        }
        if !base.isFinite || base <= 0 { return "rope base \(base) must be positive and finite" }
        if !positionScale.isFinite || positionScale <= 0 { return "rope position scale \(positionScale) must be positive and finite" }
        if !magnitude.isFinite || magnitude <= 0 { return "rope magnitude \(magnitude) must be positive and finite" }
        if let factors = frequencyFactors {
            if factors.count != pairs { return "\(factors.count) rope frequency factors for \(pairs) pairs" }
            if let bad = factors.firstIndex(where: { !$0.isFinite || $0 <= 0 }) {
                return "rope frequency factor \(bad) is \(factors[bad]); each must be positive and finite"
            }
        }
        return nil
    }
}
