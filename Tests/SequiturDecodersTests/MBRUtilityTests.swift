import Foundation
import SequiturCore
import SequiturDecoders
import Testing

/// The built-in MBR utilities against values worked out by hand.
@Suite struct MBRUtilityTests {
    private func text(_ s: String) -> MBRSequence { MBRSequence(tokens: [], text: s) }
    private func ids(_ t: [TokenID]) -> MBRSequence { MBRSequence(tokens: t, text: "") }

    @Test func exactMatchComparesTextNotTokenisation() {
        let u = ExactMatchUtility()
        #expect(u.utility(MBRSequence(tokens: [1, 2], text: "ab"), MBRSequence(tokens: [7], text: "ab")) == 1)
        #expect(u.utility(text("ab"), text("abc")) == 0)
        #expect(u.utility(text(""), text("")) == 1)
    }

    @Test func tokenF1IsTheMultisetOverlap() {
        let u = TokenF1Utility()
        // h = [1, 2, 2, 3], r = [2, 2, 2, 4]: overlap min(2, 3) = 2 of token 2; F1 = 2·2 / (4 + 4) = 0.5.
        #expect(u.utility(ids([1, 2, 2, 3]), ids([2, 2, 2, 4])) == 0.5)
        // Order does not matter; clipping: [5] vs [5, 5, 5] overlaps once, 2·1 / (1 + 3) = 0.5.
        #expect(u.utility(ids([1, 2]), ids([2, 1])) == 1)
        #expect(u.utility(ids([5]), ids([5, 5, 5])) == 0.5)
        #expect(u.utility(ids([5, 5, 5]), ids([5])) == 0.5)
        #expect(u.utility(ids([]), ids([])) == 1)
        #expect(u.utility(ids([1]), ids([])) == 0)
    }

    @Test func chrFAveragesPrecisionAndRecallOverEffectiveOrdersWithBetaTwo() {
        let u = ChrFUtility()
        // "ab" vs "abc": 1-grams 2 of 2 match (P 1, R 2/3); 2-grams "ab" of {ab, bc} (P 1, R 1/2); no 3-gram in
        // the hypothesis, so 2 effective orders: P = 1, R = 7/12; F = 5·P·R / (4P + R) = (35/12)/(55/12) = 7/11.
        #expect(abs(u.utility(text("ab"), text("abc")) - 7.0 / 11) < 1e-12)
        // Swapped, P = 7/12 and R = 1: F = (35/12)/(40/12) = 7/8 (β = 2 weighs recall: not symmetric).
        #expect(abs(u.utility(text("abc"), text("ab")) - 7.0 / 8) < 1e-12)
        // "abcdefgh" vs "abcdefgx": order n matches (8 − n) of (9 − n), P = R, so F = P =
        // (7/8 + 6/7 + 5/6 + 4/5 + 3/4 + 2/3) / 6 = 0.797023809…; a 7th order would add 1/2 and give 0.7546.
        let six = (7.0 / 8 + 6.0 / 7 + 5.0 / 6 + 4.0 / 5 + 3.0 / 4 + 2.0 / 3) / 6
        #expect(abs(u.utility(text("abcdefgh"), text("abcdefgx")) - six) < 1e-12)
        // Characters are Unicode scalars: "café" vs "cafe" match 3/4, 2/3, 1/2, 0/1: (23/12) / 4 = 23/48
        // (UTF-8 bytes would count é as two characters).
        #expect(abs(u.utility(text("caf\u{E9}"), text("cafe")) - 23.0 / 48) < 1e-12)
    }

    @Test func chrFRemovesWhitespaceAndScoresEmptyPairsAsEqual() {
        let u = ChrFUtility()
        #expect(u.utility(text(" a b\n"), text("ab")) == 1)
        #expect(u.utility(text(""), text(" ")) == 1)
        #expect(u.utility(text(""), text("a")) == 0)
        #expect(u.utility(text("xy"), text("ab")) == 0)
    }

    @Test func sentenceBLEUWithAddOneSmoothingOnHigherOrders() {
        let u = SentenceBLEUUtility()
        // "the cat sat" vs "the cat sat down": p1 = 3/3, p2 = (2+1)/(2+1), p3 = (1+1)/(1+1), p4 = (0+1)/(0+1);
        // c = 3 < ρ = 4, so BP = exp(1 − 4/3): BLEU = exp(−1/3) = 0.7165.
        #expect(abs(u.utility(text("the cat sat"), text("the cat sat down")) - exp(-1.0 / 3)) < 1e-12)
        // Swapped, no brevity penalty: p1 = 3/4, p2 = (2+1)/(3+1), p3 = (1+1)/(2+1), p4 = (0+1)/(1+1):
        // (3/4 · 3/4 · 2/3 · 1/2)^(1/4) = (3/16)^(1/4) = 0.6580.
        #expect(abs(u.utility(text("the cat sat down"), text("the cat sat")) - pow(3.0 / 16, 0.25)) < 1e-12)
        // "the cat sat on the mat" vs "the cat lay on the mat": p1 = 5/6, p2 = (3+1)/(5+1), p3 = (1+1)/(4+1),
        // p4 = (0+1)/(3+1), BP = 1: (5/6 · 4/6 · 2/5 · 1/4)^(1/4) = (1/18)^(1/4) = 0.4855.
        #expect(abs(u.utility(text("the cat sat on the mat"), text("the cat lay on the mat")) - pow(1.0 / 18, 0.25)) < 1e-12)
        // Clipping: "the the the" vs "the cat": p1 = 1/3, p2 = (0+1)/(2+1), p3 = (0+1)/(1+1), p4 = 1/1.
        #expect(abs(u.utility(text("the the the"), text("the cat")) - pow(1.0 / 18, 0.25)) < 1e-12)
    }

    @Test func sentenceBLEUSplitsOnAnyWhitespaceAndNeedsAUnigram() {
        let u = SentenceBLEUUtility()
        #expect(abs(u.utility(text("the  cat\tsat"), text("the cat sat")) - 1) < 1e-12)
        #expect(u.utility(text("x"), text("y")) == 0)
        #expect(u.utility(text(""), text("")) == 1)
        #expect(u.utility(text(""), text("a")) == 0)
        #expect(u.utility(text("a"), text("")) == 0)
    }

    @Test func registryListsTheFourAndTakesMore() throws {
        var r = MBRUtilityRegistry.standard
        #expect(r.names == ["bleu", "chrf", "exact", "token-f1"])
        #expect(try r.utility(named: "chrf").name == "chrf")
        #expect(throws: DecodingError.invalidParameter(
            name: "utility", message: "unknown utility 'rouge'; valid: bleu, chrf, exact, token-f1")) {
            try r.utility(named: "rouge")
        }
        r.register(LengthMatch())
        #expect(try r.utility(named: "length").utility(ids([1]), ids([2])) == 1)
        #expect(MBRUtilityRegistry.standard.names.count == 4)   // a copy: standard is unchanged
    }
}

/// A utility from outside the package.
struct LengthMatch: MBRUtility {
    let name = "length"
    let summary = "1 when the outputs have as many tokens"
    func utility(_ h: MBRSequence, _ r: MBRSequence) -> Double { h.tokens.count == r.tokens.count ? 1 : 0 }
}
