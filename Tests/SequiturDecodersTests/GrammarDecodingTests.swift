import SequiturCore
import SequiturDecoders
import SequiturGrammar
import SequiturTesting
import Testing

/// Decoders under a grammar on tiny random models, checked against enumeration: exhaustive search returns
/// exactly the best outputs the grammar admits, greedy takes the best allowed token at every step, beam search
/// returns admitted outputs, and a grammar that cannot be satisfied ends with a finish reason or an error that
/// says so.
struct GrammarDecodingTests {
    /// Grammars over the toy letters a…e (one letter per token; token 5 is `<eos>`).
    static let grammars = [
        #"root ::= ("ab" | "c")+ "d"?"#,
        #"root ::= "a" [bc]* "e" | "d"{2,3}"#,
        #"root ::= item ("," item)* item ::= [a-e]"#.replacingOccurrences(of: " item ::=", with: "\nitem ::="),
    ]

    private func text(_ tokens: [TokenID], _ model: RandomLanguageModel) -> String {
        model.vocabulary.text(of: tokens.filter { $0 != model.endToken })
    }

    @Test(arguments: [(UInt64(1), 0), (2, 0), (3, 1), (4, 1), (5, 1), (6, 0)])
    func exhaustiveEqualsEnumeration(seed: UInt64, grammarIndex: Int) throws {
        let model = RandomLanguageModel(seed: seed, vocabularySize: 6, spread: 2)
        let grammar = try GrammarAutomaton(gbnf: Self.grammars[grammarIndex])
        let prompt: [TokenID] = [0, 2]
        let maxNew = 5
        let admitted = allOutputs(of: model, prompt: prompt, maxNewTokens: maxNew)
            .filter { grammar.accepts(text($0.tokens, model)) }
        let request = DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: maxNew),
                                      processors: [GrammarProcessor(automaton: grammar)])
        let result = try ExhaustiveDecoder(numReturnSequences: 3, maxExpansions: 100_000).decode(request, model: model)
        guard case .provenOptimal = result.certificate else {
            Issue.record("not proven: \(String(describing: result.certificate))")
            return
        }
        #expect(result.hypotheses.count == min(3, admitted.count))
        for (h, want) in zip(result.hypotheses, admitted) {
            #expect(h.tokens == want.tokens, "seed \(seed): \(text(h.tokens, model)) vs \(text(want.tokens, model))")
            #expect(abs(h.logProb - want.logProb) < 1e-4)
            #expect(grammar.accepts(text(h.tokens, model)))
        }
    }

    @Test(arguments: [UInt64(11), 12, 13])
    func greedyTakesTheBestAllowedToken(seed: UInt64) throws {
        let model = RandomLanguageModel(seed: seed, vocabularySize: 6, spread: 2)
        let grammar = try GrammarAutomaton(gbnf: Self.grammars[1])
        let prompt: [TokenID] = [1]
        let result = try GreedyDecoder().decode(
            DecodingRequest(prompt: prompt, stop: StopConditions(maxNewTokens: 6), processors: [GrammarProcessor(automaton: grammar)]),
            model: model)
        let h = try #require(result.best)
        // Replay: at each step the chosen token is the most likely one whose text keeps the output viable
        // (or the end token, only once the text is a sentence).
        var state = grammar.initial
        for (i, token) in h.tokens.enumerated() {
            let row = model.logProbs(after: prompt + h.tokens.prefix(i))
            let allowed = (0..<TokenID(6)).filter { t in
                t == model.endToken ? grammar.isAccepting(state)
                    : grammar.advance(state, over: model.vocabulary.bytes(of: t)) != GrammarAutomaton.dead
            }
            let best = allowed.max { row[Int($0)] != row[Int($1)] ? row[Int($0)] < row[Int($1)] : $0 > $1 }
            #expect(token == best, "step \(i)")
            if token != model.endToken { state = grammar.advance(state, over: model.vocabulary.bytes(of: token)) }
        }
        #expect(h.finishReason == .endToken || h.finishReason == .length || h.finishReason == .incomplete)
        #expect(grammar.isAccepting(state) == (h.finishReason != .incomplete))
    }

    @Test(arguments: [UInt64(21), 22, 23])
    func beamReturnsAdmittedOutputs(seed: UInt64) throws {
        let model = RandomLanguageModel(seed: seed, vocabularySize: 6, spread: 2)
        let grammar = try GrammarAutomaton(gbnf: Self.grammars[0])
        let result = try BeamSearchDecoder(numBeams: 3, numReturnSequences: 3).decode(
            DecodingRequest(prompt: [3], stop: StopConditions(maxNewTokens: 6), processors: [GrammarProcessor(automaton: grammar)]),
            model: model)
        #expect(!result.hypotheses.isEmpty)
        for h in result.hypotheses where h.finishReason != .incomplete {
            #expect(grammar.accepts(text(h.tokens, model)), "\(text(h.tokens, model))")
        }
        // Admitted outputs come before unfinished ones.
        let reasons = result.hypotheses.map(\.finishReason)
        #expect(reasons == reasons.sorted { $0 != .incomplete && $1 == .incomplete })
    }

    /// "a" then "z": no token of the toy vocabulary spells z.
    @Test func aDeadEndIsAFinishReasonOrAProof() throws {
        let model = RandomLanguageModel(seed: 31, vocabularySize: 6)
        let dead = try GrammarAutomaton(gbnf: #"root ::= "a" "z""#)
        let request = DecodingRequest(prompt: [1], stop: StopConditions(maxNewTokens: 4), processors: [GrammarProcessor(automaton: dead)])
        for decoder in [GreedyDecoder() as any Decoder, try SamplingDecoder(temperature: 1, seed: 3),
                        try BeamSearchDecoder(numBeams: 2)] {
            let best = try #require(try decoder.decode(request, model: model).best, "\(decoder.name)")
            #expect(best.tokens == [0] && best.finishReason == .noAllowedToken, "\(decoder.name): \(best)")
        }
        #expect(throws: DecodingError.noAdmissibleOutput(maxNewTokens: 4, expansions: 2)) {
            try ExhaustiveDecoder().decode(request, model: model)
        }
    }

    @Test func aSentenceLongerThanTheLimitIsIncomplete() throws {
        let model = RandomLanguageModel(seed: 32, vocabularySize: 6)
        let long = try GrammarAutomaton(gbnf: #"root ::= [a-e]{5}"#)
        let request = DecodingRequest(prompt: [1], stop: StopConditions(maxNewTokens: 3), processors: [GrammarProcessor(automaton: long)])
        let greedy = try #require(try GreedyDecoder().decode(request, model: model).best)
        #expect(greedy.tokens.count == 3 && greedy.finishReason == .incomplete)
        let beam = try #require(try BeamSearchDecoder(numBeams: 2).decode(request, model: model).best)
        #expect(beam.tokens.count == 3 && beam.finishReason == .incomplete)
        #expect(throws: DecodingError.noAdmissibleOutput(maxNewTokens: 3, expansions: 31)) {
            try ExhaustiveDecoder().decode(request, model: model)
        }
    }

    @Test func configurationErrorsNameTheParameterAndThePlace() throws {
        func message(_ parameters: [String: ConfigValue]) -> String {
            do {
                _ = try ProcessorRegistry.standard.make([ProcessorConfiguration(name: "grammar", parameters: parameters)])
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(message(["gbnf": .string("root ::= \"a\" |\n  [b-")]) .contains("processors[0].parameters.gbnf: grammar line 2, column 6: unterminated character class"))
        #expect(message(["gbnf": .string("root ::= \"a\""), "file": .string("/x.gbnf")]).contains("give gbnf or file, not both"))
        #expect(message([:]).contains("processors[0].parameters.gbnf: give gbnf (the text) or file (a path)"))
        #expect(message(["file": .string("/no/such.gbnf")]).contains("processors[0].parameters.file: /no/such.gbnf: no such file"))
    }
}
