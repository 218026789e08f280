import Foundation
import SequiturCore

/// YaRN ("yarn" in `<architecture>.rope.scaling.type`): each pair's frequency blends the interpolated one
/// (divided by `factor`) with the original by a linear ramp over the pairs between two correction dimensions,
/// and cos and sin are multiplied by an attention factor. transformers' `_compute_yarn_parameters` and
/// llama.cpp's `ggml_rope_yarn_corr_dims` agree on every step (floor and ceil of the correction range, its
/// clamp to the pairs, the 0.001 widening of an empty ramp).
public struct YarnScaling: Sendable, Equatable {
    public var factor: Double
    /// The context the model was trained at (`rope.scaling.original_context_length`).
    public var originalContext: Int
    /// Rotations bounding the ramp (`rope.scaling.yarn_beta_fast`, `_slow`; 32 and 1 by default).
    public var betaFast: Double
    public var betaSlow: Double
    /// Multiplies cos and sin (`rope.scaling.yarn_attn_factor`; by default `0.1 · ln(factor) + 1`).
    public var attentionFactor: Double

    public init(factor: Double, originalContext: Int, betaFast: Double = 32, betaSlow: Double = 1,
                attentionFactor: Double? = nil) {
        self.factor = factor
        self.originalContext = originalContext
        self.betaFast = betaFast
        self.betaSlow = betaSlow
        self.attentionFactor = attentionFactor ?? (factor <= 1 ? 1 : 0.1 * Foundation.log(factor) + 1)
    }

    /// Per-pair frequency divisors (`RotaryEmbedding.frequencyFactors`) for `dimension` rotated dimensions at
    /// `base`: pair `i` turns at `base^(-2i/d) · ((1 − e_i) / factor + e_i)`, with `e_i = 1 − ramp(i)`.
    public func frequencyDivisors(dimension: Int, base: Float) -> [Float] {
        let d = Double(dimension), b = Double(base)
        func correctionDimension(_ rotations: Double) -> Double {
            d * Foundation.log(Double(originalContext) / (rotations * 2 * Double.pi)) / (2 * Foundation.log(b))
        }
        let low = max(floor(correctionDimension(betaFast)), 0)
        var high = min(ceil(correctionDimension(betaSlow)), d - 1)
        if low == high { high += 0.001 }
        return (0..<(dimension / 2)).map { i in
            let ramp = min(max((Double(i) - low) / (high - low), 0), 1)
            let extrapolation = 1 - ramp
            return Float(1 / ((1 - extrapolation) / factor + extrapolation))
        }
    }
}

/// LongRoPE ("longrope", Phi-3 128k and Phi-3.5): per-pair frequency divisors from the file
/// (`rope_factors_short.weight` up to the original context, `rope_factors_long.weight` past it) and an
/// attention factor on cos and sin (`rope.scaling.attn_factor`). transformers switches a whole sequence to the
/// long factors once it is longer than the original context and llama.cpp chooses by the context size it is
/// given, so the two disagree past it: Sequitur uses the short factors and caps the context at the original
/// one, where both agree.
public struct LongRopeScaling: Sendable, Equatable {
    public var originalContext: Int
    public var attentionFactor: Double

    public init(originalContext: Int, attentionFactor: Double) {
        self.originalContext = originalContext
        self.attentionFactor = attentionFactor
    }

    /// transformers' default attention factor, `√(1 + ln(s) / ln(original))` with `s = context / original`.
    public static func defaultAttentionFactor(context: Int, originalContext: Int) -> Double {
        let s = Double(context) / Double(originalContext)
        return s <= 1 ? 1 : (1 + Foundation.log(s) / Foundation.log(Double(originalContext))).squareRoot()
    }
}
