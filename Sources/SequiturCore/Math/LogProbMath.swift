/// Numerically stable log-probability arithmetic shared by every backend's reference path and the decoders.
public enum LogProbMath {
    /// `log Σ exp(x_i)` with the maximum subtracted first; `-inf` for an empty or all-`-inf` input.
    public static func logSumExp<C: Collection>(_ values: C) -> Float where C.Element == Float {
        guard let m = values.max(), m > -.infinity else { return -.infinity }
        if m == .infinity { return .infinity }
        var sum: Double = 0
        for v in values { sum += Double(exp(v - m)) }
        return m + Float(log(sum))
    }

    /// `x_i − logSumExp(x)`, never computing `-inf − -inf`. A row holding NaN or `+inf` is no distribution
    /// (a model that overflowed), so every entry comes back NaN and callers that check finiteness see it; an
    /// all-`-inf` row (every token masked) gives all `-inf`.
    public static func logSoftmax(_ values: [Float]) -> [Float] {
        if values.contains(where: { $0.isNaN || $0 == .infinity }) { return values.map { _ in .nan } }
        let lse = logSumExp(values)
        guard lse.isFinite else { return values.map { _ in -.infinity } }
        return values.map { $0 - lse }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
