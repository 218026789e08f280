import Foundation
import Testing
import SequiturCore

@Suite struct LogProbMathTests {
    @Test func logSoftmaxIsNormalisedAndStable() {
        let row: [Float] = [1000, 999, -3, 0.5]
        let lp = LogProbMath.logSoftmax(row)
        let total = lp.reduce(0.0) { $0 + exp(Double($1)) }
        // Logits near 1000 carry float32 rounding of ~6e-5 (their ulp), so the total is 1 to about that.
        #expect(abs(total - 1) < 2e-4)
        #expect(lp[0] > lp[1] && lp[1] > lp[3] && lp[3] > lp[2])
        #expect(abs(Double(lp[0] - lp[1]) - 1) < 1e-4)
    }

    @Test func allNegativeInfinityStaysNegativeInfinityWithoutNaN() {
        let lp = LogProbMath.logSoftmax([-.infinity, -.infinity])
        #expect(lp.allSatisfy { $0 == -.infinity })
    }

    @Test func maskedEntriesDoNotPoisonTheRest() {
        let lp = LogProbMath.logSoftmax([-.infinity, 0, 0])
        #expect(lp[0] == -.infinity)
        #expect(abs(lp[1] - Float(log(0.5))) < 1e-6)
    }

    @Test func aRowWithNaNOrPositiveInfinityIsNoDistribution() {
        for row: [Float] in [[0, .nan, 1], [.infinity, 0, 1], [.nan], [-.infinity, .infinity]] {
            let normalised = LogProbMath.logSoftmax(row)
            #expect(normalised.allSatisfy { $0.isNaN }, "\(row)")
        }
    }
}
