import Foundation
import SequiturCore
import SequiturCPU
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import SequiturDiagnostics

/// A vocabulary of `count` anonymous tokens, for models whose tokenizer a test does not need.
final class AnonymousVocabulary: Vocabulary {
    let count: Int
    let endTokens: Set<TokenID> = [2]
    let beginToken: TokenID? = 1
    init(count: Int) { self.count = count }
    func bytes(of token: TokenID) -> [UInt8] { Array("<\(token)>".utf8) }
}

/// Tiny random llama models (`SyntheticLlamaShape.tiny`) on the CPU backend, and random token sequences.
enum TinyLlama {
    static func file(seed: UInt64) throws -> GGUFFile {
        try GGUFFile(bytes: SyntheticModels.llamaGGUF(.tiny, seed: seed))
    }

    static func model(_ file: GGUFFile, kvBlockSize: Int = 16, maxTokensPerForward: Int = 512,
                      maxHeadRows: Int = 64, backend: any Backend = CPUBackend(threads: 2)) throws -> LlamaModel {
        let hp = try LlamaHyperparameters(file: file)
        return try LlamaModel(hyperparameters: hp, backend: backend, vocabulary: AnonymousVocabulary(count: hp.vocabularySize),
                              kvBlockSize: kvBlockSize, maxTokensPerForward: maxTokensPerForward,
                              maxHeadRows: maxHeadRows) { file.tensor(named: $0) == nil ? nil : try file.weight(named: $0) }
    }

    /// `count` token ids in `0..<vocabularySize`, from a fixed seed.
    static func tokens(_ count: Int, seed: UInt64, vocabularySize: Int = SyntheticLlamaShape.tiny.vocabularySize) -> [TokenID] {
        var g = SplitMix64(seed: seed &+ 0x1234_5678)
        return (0..<count).map { _ in TokenID(Int.random(in: 0..<vocabularySize, using: &g)) }
    }
}

/// Largest |model − reference| over the full log-prob rows of `answers` (positions `offset...`) against the
/// reference rows of the whole sequence.
func maxDifference(_ answers: [PositionLogProbs?], reference: [[Double]], offset: Int) -> Double {
    var worst = 0.0
    for (i, answer) in answers.enumerated() {
        guard let row = answer?.fullRow else { continue }
        precondition(row.count == reference[offset + i].count, "a full row was asked for")
        for (a, b) in zip(row, reference[offset + i]) { worst = max(worst, abs(Double(a) - b)) }
    }
    return worst
}

/// Queries asking for the full row at every position.
func fullQueries(_ n: Int) -> [PositionQuery?] { Array(repeating: .full, count: n) }
