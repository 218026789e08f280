import Foundation
import SequiturArchitectures
import SequiturCore
import SequiturGGUF
import SequiturTokenizer

/// One architecture family's committed reference (`scripts/reference/family_fixtures.py`): GGUF files written
/// by llama.cpp's converter and quantiser from a seeded random-weight transformers model, with transformers'
/// float32 log-probs of fixed token sequences and its greedy continuation, for each file.
public struct FamilyReference: Decodable, Sendable {
    public struct Sequence: Decodable, Sendable {
        public let tokenIds: [TokenID]
        /// `logprobs[i]` = log Pr(tokenIds[i + 1] | tokenIds[0...i]).
        public let logprobs: [Double]
        enum CodingKeys: String, CodingKey { case tokenIds = "token_ids", logprobs }
    }

    public struct Case: Decodable, Sendable {
        /// The file's weight type, as llama.cpp names it (F32, Q8_0, Q4_K_M, ...).
        public let type: String
        public let file: String
        public let sequences: [Sequence]
        public let greedyPrompt: [TokenID]
        public let greedyTokens: [TokenID]
        enum CodingKeys: String, CodingKey {
            case type, file, sequences, greedyPrompt = "greedy_prompt", greedyTokens = "greedy_tokens"
        }
    }

    public let family: String
    /// transformers' `model_type`.
    public let architecture: String
    public let cases: [Case]

    /// Every `*.json` reference in `directory`, by file name.
    public static func all(in directory: URL) throws -> [FamilyReference] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
            .map { try JSONDecoder().decode(FamilyReference.self, from: Data(contentsOf: directory.appendingPathComponent($0))) }
    }
}

/// How far one file's model, on one backend, is from its reference.
public struct FamilyReferenceComparison: Sendable, CustomStringConvertible {
    public let family: String
    public let type: String
    public let backend: String
    /// Largest |Δ log-prob| over every position of every sequence.
    public let maxLogProbError: Double
    /// Where it was: sequence and position.
    public let worstAt: (sequence: Int, position: Int)
    public let greedyTokens: [TokenID]
    public let expectedGreedyTokens: [TokenID]

    public var greedyMatches: Bool { greedyTokens == expectedGreedyTokens }

    public var description: String {
        "\(family) \(type) on \(backend): max |Δ log-prob| \(maxLogProbError) (sequence \(worstAt.sequence), position \(worstAt.position)), greedy \(greedyMatches ? "equal" : "differs: \(greedyTokens) vs \(expectedGreedyTokens)")"
    }

    /// Loads `reference`'s file from `directory` through the standard architecture registry on `backend`,
    /// scores every sequence in one batched call, and decodes the greedy continuation one token at a time.
    public static func measure(_ reference: FamilyReference.Case, family: String, directory: URL,
                               backend: any Backend) throws -> FamilyReferenceComparison {
        let file = try GGUFFile(contentsOf: directory.appendingPathComponent(reference.file))
        let tokenizer = try BPETokenizer(gguf: file)
        let model = try ArchitectureRegistry.standard.makeModel(file: file, backend: backend, vocabulary: tokenizer)
        let requests = reference.sequences.map { s in
            ExtensionRequest(state: model.makeState(), tokens: s.tokenIds,
                             queries: s.tokenIds.indices.map { i in i + 1 < s.tokenIds.count ? .target(s.tokenIds[i + 1]) : nil })
        }
        let results = try model.extend(requests)
        var worst = 0.0, worstAt = (sequence: -1, position: -1)
        for (k, (sequence, result)) in zip(reference.sequences, results).enumerated() {
            for (i, want) in sequence.logprobs.enumerated() {
                guard let got = result.answers[i]?.targetLogProbs.first else {
                    throw FamilyReferenceError.missingAnswer(file: reference.file, sequence: k, position: i)
                }
                let error = abs(Double(got) - want)
                // A NaN error must not hide behind `>`: it is the worst of all.
                if !(error <= worst) { (worst, worstAt) = (error.isNaN ? .infinity : error, (k, i)) }
            }
        }
        let state = model.makeState()
        var greedy: [TokenID] = []
        var next = try model.extend([ExtensionRequest(state: state, tokens: reference.greedyPrompt,
                                                      queries: reference.greedyPrompt.indices.map { $0 + 1 == reference.greedyPrompt.count ? .argmax : nil })])[0]
        while greedy.count < reference.greedyTokens.count {
            guard let token = next.answers.last??.argmax else {
                throw FamilyReferenceError.missingAnswer(file: reference.file, sequence: -1, position: greedy.count)
            }
            greedy.append(token)
            if greedy.count == reference.greedyTokens.count { break }
            next = try model.extend([ExtensionRequest(state: state, tokens: [token], queries: [.argmax])])[0]
        }
        return FamilyReferenceComparison(family: family, type: reference.type, backend: backend.name,
                                         maxLogProbError: worst, worstAt: worstAt, greedyTokens: greedy,
                                         expectedGreedyTokens: reference.greedyTokens)
    }
}

public enum FamilyReferenceError: Error, CustomStringConvertible {
    case missingAnswer(file: String, sequence: Int, position: Int)

    public var description: String {
        switch self {
        case let .missingAnswer(file, sequence, position):
            return "\(file): the model gave no answer for sequence \(sequence) at position \(position)"
        }
    }
}
