import Foundation
import SequiturCore
import SequiturDecoders
import SequiturTesting
import Testing

/// Counts the steps where a processor's own accepted tokens were not the branch it was asked about: the
/// check that every decoder forks processors where branches split and tells each only its own tokens.
final class BranchAudit: @unchecked Sendable {
    private let lock = NSLock()
    private var checks = 0
    private var mismatches = 0
    func record(_ matched: Bool) {
        lock.lock(); defer { lock.unlock() }
        checks += 1
        if !matched { mismatches += 1 }
    }
    var counts: (checks: Int, mismatches: Int) { lock.lock(); defer { lock.unlock() }; return (checks, mismatches) }
}

/// A stateful processor that remembers its branch's tokens and checks them against each row's history.
struct BranchFollower: LogitProcessor {
    let audit: BranchAudit
    var promptCount = 0
    var accepted: [TokenID] = []
    mutating func start(_ context: ProcessorStart) { promptCount = context.prompt.count; accepted = [] }
    mutating func accept(_ token: TokenID) { accepted.append(token) }
    func process(_ logProbs: inout [Float], history: [TokenID]) {
        audit.record(Array(history.dropFirst(promptCount)) == accepted)
    }
}

@Suite struct ProcessorDecodingTests {
    let prompt: [TokenID] = [1, 2]
    let stop = StopConditions(maxNewTokens: 4)

    static var decoders: [any Decoder] {
        [GreedyDecoder(), try! BeamSearchDecoder(numBeams: 3, numReturnSequences: 3),
         try! ExhaustiveDecoder(numReturnSequences: 3), try! SamplingDecoder(temperature: 0.8, seed: 5)]
    }

    @Test(arguments: 0..<4)
    func everyDecoderTellsEachBranchOnlyItsOwnTokens(decoder index: Int) throws {
        let model = RandomLanguageModel(seed: 91, vocabularySize: 6)
        let audit = BranchAudit()
        let decoder = Self.decoders[index]
        _ = try decoder.decode(DecodingRequest(prompt: prompt, stop: stop, processors: [BranchFollower(audit: audit)]), model: model)
        let counts = audit.counts
        #expect(counts.checks > 0)
        #expect(counts.mismatches == 0, "\(decoder.name): \(counts.mismatches) of \(counts.checks) rows")
    }

    @Test(arguments: 0..<6)
    func minNewTokensHoldsOnEveryBeam(seed: Int) throws {
        // An end token that is likely: without the processor beams finish early. A shared (unforked) counter
        // would count every beam's tokens and let beams end too soon.
        let model = RandomLanguageModel(seed: UInt64(seed) + 40, vocabularySize: 4, spread: 1)
        let beam = try BeamSearchDecoder(numBeams: 4, numReturnSequences: 4)
        let request = DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: 7),
                                      processors: [try MinNewTokensProcessor(minNewTokens: 5)])
        let result = try beam.decode(request, model: model)
        for h in result.hypotheses {
            #expect(h.tokens.prefix(5).allSatisfy { $0 != model.endToken }, "\(h.tokens)")
        }
        // Only bans: beam search still asks for top-k rows, never full ones.
        #expect(model.extensionLog.joined().allSatisfy { $0.queries.allSatisfy { $0?.fullRow != true } })
    }

    /// Whether `tokens` after the prompt is allowed by bad words [[0, 1]], no-repeat-2-gram and min-new-tokens 2.
    func allowed(_ tokens: [TokenID], endToken: TokenID) throws -> Bool {
        let bad = try BadWordsProcessor(sequences: [[0, 1]])
        let ngram = try NoRepeatNGramProcessor(size: 2)
        for i in tokens.indices {
            let history = prompt + tokens[..<i]
            if bad.bannedTokens(history: history).contains(tokens[i]) { return false }
            if ngram.bannedTokens(history: history).contains(tokens[i]) { return false }
            if i < 2 && tokens[i] == endToken { return false }
        }
        return true
    }

    var banning: [any LogitProcessor] {
        [try! BadWordsProcessor(sequences: [[0, 1]]), try! NoRepeatNGramProcessor(size: 2), try! MinNewTokensProcessor(minNewTokens: 2)]
    }

    @Test(arguments: 0..<5)
    func exactSearchAndAWideBeamFindTheBestAllowedOutputs(seed: Int) throws {
        let model = RandomLanguageModel(seed: UInt64(seed) + 300, vocabularySize: 4)
        let truth = try allOutputs(of: model, prompt: prompt, maxNewTokens: 4).filter { try allowed($0.tokens, endToken: model.endToken) }
        let request = DecodingRequest(prompt: prompt, stop: stop, processors: banning)
        let exact = try ExhaustiveDecoder(numReturnSequences: 3).decode(request, model: model)
        let beam = try BeamSearchDecoder(numBeams: truth.count, lengthPenalty: 0, earlyStopping: .never, numReturnSequences: 3)
            .decode(request, model: model)
        for result in [exact, beam] {
            #expect(result.hypotheses.map(\.tokens) == truth.prefix(3).map(\.tokens))
            // Bans change no allowed token's log-prob: the scores are the model's own.
            for (h, t) in zip(result.hypotheses, truth) { #expect(abs(h.score - t.logProb) < 1e-5) }
        }
    }

    @Test(arguments: 0..<5)
    func greedyOneBeamAndColdSamplingAgreeUnderEveryProcessor(seed: Int) throws {
        let model = RandomLanguageModel(seed: UInt64(seed) + 700, vocabularySize: 7)
        let processors: [any LogitProcessor] = banning + [
            try RepetitionPenaltyProcessor(penalty: 1.7), try PresenceFrequencyPenaltyProcessor(presence: 0.3, frequency: 0.4),
            try LogitBiasProcessor(bias: [3: 0.8]), SuppressTokensProcessor(tokens: [5]),
        ]
        let request = DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: 6), processors: processors)
        let greedy = try GreedyDecoder().decode(request, model: model).best!
        let oneBeam = try BeamSearchDecoder(numBeams: 1).decode(request, model: model).best!
        let cold = try SamplingDecoder(temperature: 0, seed: 1).decode(request, model: model).best!
        #expect(oneBeam.tokens == greedy.tokens)
        #expect(cold.tokens == greedy.tokens)
        #expect(cold.tokenLogProbs == greedy.tokenLogProbs)
        // The hand-run reference: process each row by the definitions, take the argmax, record the model's own.
        var tokens: [TokenID] = []
        while tokens.count < 6 {
            var row = model.logProbs(after: prompt + tokens)
            let model_ = row
            let history = prompt + tokens
            for t in Set(history) { row[Int(t)] *= 1.7 }
            for t in Set(tokens) { row[Int(t)] -= 0.3 + 0.4 * Float(tokens.filter { $0 == t }.count) }
            row[3] += 0.8
            row[5] = -.infinity
            for t in 0..<TokenID(7) where try !allowed(tokens + [t], endToken: model.endToken) { row[Int(t)] = -.infinity }
            let next = TokenID(row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }!)
            tokens.append(next)
            #expect(greedy.tokenLogProbs[tokens.count - 1] == model_[Int(next)])
            if next == model.endToken { break }
        }
        #expect(greedy.tokens == tokens)
    }

    @Test func beamsOldNoRepeatParameterIsTheProcessor() throws {
        let model = RandomLanguageModel(seed: 12, vocabularySize: 5)
        let request = DecodingRequest(prompt: [1, 2, 1], stop: StopConditions(maxNewTokens: 6, stopOnEndToken: false))
        let viaParameter = try BeamSearchDecoder(numBeams: 3, numReturnSequences: 3, noRepeatNgramSize: 2).decode(request, model: model)
        var withProcessor = request
        withProcessor.processors = [try NoRepeatNGramProcessor(size: 2)]
        let viaProcessor = try BeamSearchDecoder(numBeams: 3, numReturnSequences: 3).decode(withProcessor, model: model)
        #expect(viaParameter.hypotheses == viaProcessor.hypotheses)
    }

    @Test func tokensOutsideTheVocabularyAreRefusedBeforeAnyModelWork() throws {
        let model = RandomLanguageModel(seed: 3, vocabularySize: 5)
        let request = DecodingRequest(prompt: prompt, stop: stop, processors: [try LogitBiasProcessor(bias: [9: 1])])
        #expect(throws: DecodingError.self) { try GreedyDecoder().decode(request, model: model) }
        #expect(model.extensionLog.isEmpty)
    }
}

@Suite struct ExhaustiveProcessorTests {
    /// Exact search's certificate holds only while scores fall as a sequence grows: a processor that lifts a
    /// log-prob above zero is refused, not answered with a false proof.
    @Test func aScoreRaisedAboveZeroIsRefused() throws {
        let model = RandomLanguageModel(seed: 8, vocabularySize: 5)
        let request = DecodingRequest(prompt: [1, 2], stop: StopConditions(maxNewTokens: 3),
                                      processors: [try LogitBiasProcessor(bias: [0: 50])])
        #expect(throws: DecodingError.self) { try ExhaustiveDecoder().decode(request, model: model) }
        var penalised = request
        penalised.processors = [try RepetitionPenaltyProcessor(penalty: 1.5)]
        #expect(try ExhaustiveDecoder().decode(penalised, model: model).certificate?.isProvenOptimal == true)
    }
}
