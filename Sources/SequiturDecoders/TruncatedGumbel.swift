#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SequiturCore

/// The Gumbel arithmetic of Kool, van Hoof & Welling (2019), "Stochastic Beams and Where to Find Them", in
/// double precision: drawing `Gumbel(φ)`, and conditioning a node's children so that the largest of their
/// perturbed log-probs equals the parent's (Appendix B, the numerically stable form).
enum TruncatedGumbel {
    /// `φ + Gumbel(0)`. The uniform lies in the open interval (0, 1) so the draw is always finite; a `-inf`
    /// location (a forbidden token) stays `-inf`, and the draw is made anyway so that the generator's stream
    /// does not depend on which tokens are forbidden.
    static func draw(location φ: Double, rng: inout SeededRandomNumberGenerator) -> Double {
        let unit = (Double(rng.next() >> 11) + 0.5) * 0x1.0p-53
        return φ - log(-log(unit))
    }

    /// The perturbed log-prob of a child whose unconditioned draw is `g`, given that the largest draw among its
    /// siblings is `maximum` and its parent's perturbed log-prob is `parent`: `-log(e^-parent - e^-maximum + e^-g)`,
    /// the draw of `Gumbel(φ)` conditioned on the siblings' maximum being `parent`. The child that drew `maximum`
    /// gets exactly `parent`; the others stay below it.
    static func truncate(_ g: Double, maximum: Double, parent: Double) -> Double {
        guard g > -.infinity else { return -.infinity }
        let v = parent - g + log1mexp(g - maximum)
        return parent - max(0, v) - log1p(exp(-abs(v)))
    }

    /// `log(1 - e^a)` for `a ≤ 0`, accurate at both ends (Mächler's split at `-log 2`); `-inf` at 0.
    static func log1mexp(_ a: Double) -> Double {
        a > -0.693_147_180_559_945_3 ? log(-expm1(a)) : log1p(-exp(a))
    }
}
