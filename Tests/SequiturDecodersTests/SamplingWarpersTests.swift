import Foundation
import SequiturCore
import SequiturDecoders
import Testing

/// Each warper on one row, against values worked out by hand from its definition.
struct SamplingWarpersTests {
    /// Probabilities 0.5, 0.25, 0.15, 0.07, 0.03 as logits (log-probs are logits).
    let row = [0.5, 0.25, 0.15, 0.07, 0.03].enumerated().map { TokenLogProb(token: TokenID($0.offset), logProb: Float(log($0.element))) }

    func kept(_ warpers: SamplingWarpers) -> [TokenID] { warpers.kept(row).map(\.token) }

    @Test func epsilonDropsTokensBelowTheCutoffButNeverTheBest() throws {
        #expect(kept(try SamplingWarpers(epsilon: 0.1)) == [0, 1, 2])
        #expect(kept(try SamplingWarpers(epsilon: 0.06)) == [0, 1, 2, 3])
        #expect(kept(try SamplingWarpers(epsilon: 0.9)) == [0])
    }

    /// Entropy of the row: −Σ p ln p = 1.2691 nats, so e^−H = 0.2811; eta 0.1 gives min(0.1, √0.1 · 0.2811 =
    /// 0.0889) = 0.0889: tokens 0–2 stay. eta 0.01 gives min(0.01, 0.0281) = 0.01: all five stay.
    @Test func etaScalesItsCutoffWithTheEntropy() throws {
        #expect(kept(try SamplingWarpers(eta: 0.1)) == [0, 1, 2])
        #expect(kept(try SamplingWarpers(eta: 0.01)) == [0, 1, 2, 3, 4])
    }

    /// Logits ln p: −0.693, −1.386, −1.897, −2.659, −3.507; mean −2.028, population standard deviation 0.979.
    /// One σ below the best is −1.672: tokens 0 and 1; 2.5 σ is −3.141: tokens 0–3.
    @Test func topNSigmaKeepsTokensWithinNDeviationsOfTheBest() throws {
        #expect(kept(try SamplingWarpers(topNSigma: 1)) == [0, 1])
        #expect(kept(try SamplingWarpers(topNSigma: 2.5)) == [0, 1, 2, 3])
        // The same set at any temperature: it is a statement about logit gaps in units of their spread.
        #expect(kept(try SamplingWarpers(temperature: 0.3, topNSigma: 1)) == [0, 1])
    }

    @Test func warpersComposeInTransformersOrder() throws {
        // top-p 0.8 keeps 0, 1, 2 (0.5 + 0.25 < 0.8 ≤ 0.9); then epsilon 0.2 on the renormalised 0.556, 0.278,
        // 0.167 drops token 2.
        #expect(kept(try SamplingWarpers(topP: 0.8, epsilon: 0.2)) == [0, 1])
    }

    @Test func outOfRangeSettingsAreRefused() {
        #expect(throws: DecodingError.invalidParameter(name: "eta", message: "must be in [0, 1), got 1.0")) { try SamplingWarpers(eta: 1) }
        #expect(throws: DecodingError.invalidParameter(name: "epsilon", message: "must be in [0, 1), got -0.1")) { try SamplingWarpers(epsilon: -0.1) }
        #expect(throws: DecodingError.invalidParameter(name: "topNSigma", message: "must be ≥ 0 (0: off), got -1.0")) { try SamplingWarpers(topNSigma: -1) }
    }
}
