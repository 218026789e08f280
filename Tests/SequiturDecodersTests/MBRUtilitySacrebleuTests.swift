import Foundation
import SequiturCore
import SequiturDecoders
import Testing

/// chrF and sentence BLEU against sacrebleu itself on 90 sentence pairs (`Tests/Fixtures/mbr/utilities.json`,
/// written by `scripts/reference/mbr_utility_fixtures.py`): hand-picked edge cases and seeded random edits.
struct MBRUtilitySacrebleuTests {
    struct Case: Decodable {
        let hypothesis: String
        let reference: String
        let chrf: Double
        let bleu: Double
    }

    struct File: Decodable { let cases: [Case] }

    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mbr/utilities.json")

    @Test func chrFAndBLEUMatchSacrebleu() throws {
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: Self.url))
        #expect(file.cases.count == 90)
        let chrf = ChrFUtility(), bleu = SentenceBLEUUtility()
        for c in file.cases {
            let h = MBRSequence(tokens: [], text: c.hypothesis), r = MBRSequence(tokens: [], text: c.reference)
            #expect(abs(chrf.utility(h, r) - c.chrf) < 1e-9, "chrF(\(c.hypothesis.debugDescription), \(c.reference.debugDescription)): \(chrf.utility(h, r)), sacrebleu \(c.chrf)")
            #expect(abs(bleu.utility(h, r) - c.bleu) < 1e-9, "BLEU(\(c.hypothesis.debugDescription), \(c.reference.debugDescription)): \(bleu.utility(h, r)), sacrebleu \(c.bleu)")
        }
    }
}
