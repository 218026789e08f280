import Foundation
import Sequitur
import SequiturDiagnostics

/// The workloads `sequitur bench` times, each on deterministic token ids so runs compare.
struct Benchmarks {
    let runtime: ModelRuntime
    let repeats: Int

    var model: any LanguageModel { runtime.model }

    /// Deterministic ids in an ordinary-text range of the vocabulary (the same sequence anchors.py uses).
    func tokens(_ n: Int, seed: UInt64) -> [TokenID] {
        var random = MMIXLinearCongruential(seed: seed)
        let span = max(2, min(20_000, model.vocabulary.count - 1000))
        return (0 ..< n).map { _ in TokenID(1000 + random.next(below: span)) }
    }

    /// Median wall time of `repeats` runs after one warm-up.
    func time(_ body: () throws -> Void) rethrows -> Double {
        try body()
        var times: [Double] = []
        for _ in 0 ..< repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }

    /// The machine's copy bandwidth and FMA peak on the CPU backend's path and threads (nothing on other
    /// backends), for the decode and scoring figures to be read against.
    func limits() -> [BenchCommand.Figure] {
        guard let cpu = runtime.backend as? CPUBackend else { return [] }
        let limits = CPUMachineLimits.measure(on: cpu)
        return [
            .init(name: Self.copyBandwidth, value: limits.copyBytesPerSecond / 1e9, unit: "GB/s",
                  detail: "STREAM-style copy of 128 MiB, bytes read + written, \(cpu.threads) threads, \(cpu.kernels) loads and stores"),
            .init(name: Self.fmaPeak, value: limits.fmaFlopsPerSecond / 1e9, unit: "GFLOP/s",
                  detail: "independent float32 FMAs, \(cpu.threads) threads, \(cpu.kernels) registers"),
        ]
    }

    static let copyBandwidth = "machine: copy bandwidth"
    static let fmaPeak = "machine: FMA peak"

    /// The decode and scoring figures as achieved bandwidth and arithmetic, each beside the measured ceiling.
    static func achieved(_ figures: [BenchCommand.Figure], workload: BenchWorkload) -> [BenchCommand.Figure] {
        func value(_ name: String) -> Double? { figures.first { $0.name == name }?.value }
        var out: [BenchCommand.Figure] = []
        if let decode = value(decodeName) {
            let gbs = decode * Double(workload.weightBytesPerToken) / 1e9
            let share = value(copyBandwidth).map { String(format: ", %.0f%% of the copy bandwidth", 100 * gbs / $0) } ?? ""
            out.append(.init(name: "decode: weights streamed", value: gbs, unit: "GB/s",
                             detail: "\(workload.weightBytesPerToken / 1_048_576) MiB of weights per token\(share)"))
        }
        if let scoring = value(scoringName) {
            let gflops = scoring * workload.scoringFlopsPerToken(length: 512) / 1e9
            let share = value(fmaPeak).map { String(format: ", %.0f%% of the FMA peak", 100 * gflops / $0) } ?? ""
            out.append(.init(name: "scoring: arithmetic", value: gflops, unit: "GFLOP/s",
                             detail: String(format: "%.0f MFLOP per token (matmuls and attention)", workload.scoringFlopsPerToken(length: 512) / 1e6) + share))
        }
        return out
    }

    static let scoringName = "scoring"
    static let decodeName = "decode, batch 1"

    func scoring(requests count: Int) throws -> [BenchCommand.Figure] {
        let requests = (0 ..< count).map { r -> ScoringRequest in
            let t = tokens(512, seed: UInt64(r))
            return ScoringRequest(id: "\(r)", context: [t[0]], continuation: Array(t.dropFirst()))
        }
        let scorer = DirectScorer(batchSize: count)
        let seconds = try time { _ = try scorer.score(requests, model: model) }
        return [.init(name: Self.scoringName, value: Double(count * 512) / seconds, unit: "tokens/s", detail: "\(count) requests × 512 tokens, direct scorer")]
    }

    func decode() throws -> [BenchCommand.Figure] {
        let prompt = tokens(32, seed: 7)
        let stop = StopConditions(maxNewTokens: 128, stopOnEndToken: false)
        let seconds = try time { _ = try GreedyDecoder().decode(DecodingRequest(prompt: prompt, stop: stop), model: model) }
        return [.init(name: Self.decodeName, value: 128 / seconds, unit: "tokens/s", detail: "greedy, 128 tokens after a 32-token prompt")]
    }

    func decodeBatch4() throws -> [BenchCommand.Figure] {
        let seconds = try time {
            let states = (0 ..< 4).map { _ in model.makeState() }
            var next = try argmaxAfter(states.enumerated().map { i, s in
                ExtensionRequest(state: s, tokens: tokens(32, seed: UInt64(10 + i)))
            })
            for _ in 0 ..< 128 {
                next = try argmaxAfter(states.enumerated().map { i, s in ExtensionRequest(state: s, tokens: [next[i]]) })
            }
        }
        return [.init(name: "decode, batch 4", value: 128 / seconds, unit: "steps/s", detail: "4 greedy sequences advanced together, 128 steps after 32-token prompts")]
    }

    /// Extends every state and returns the greedy next token of each (`extend` answers the last position).
    private func argmaxAfter(_ requests: [ExtensionRequest]) throws -> [TokenID] {
        try model.extend(requests).map { result in
            guard let last = result.last else { throw CommandError("the model gave no log-probs at the last position") }
            return last.argmax
        }
    }

    func multipleChoice() throws -> [BenchCommand.Figure] {
        let questions = 4
        let requests = (0 ..< questions).flatMap { q -> [ScoringRequest] in
            let context = tokens(256, seed: UInt64(100 + q))
            return (0 ..< 4).map { c in
                ScoringRequest(id: "\(q).\(c)", context: context, continuation: tokens(8 + 2 * c + q % 3, seed: UInt64(1000 + 10 * q + c)))
            }
        }
        let shared = try time { _ = try SharedPrefixScorer(batchSize: 16).score(requests, model: model) }
        let direct = try time { _ = try DirectScorer(batchSize: 16).score(requests, model: model) }
        return [
            .init(name: "multiple choice, shared prefix", value: Double(requests.count) / shared, unit: "requests/s", detail: "256-token context, 4 choices of 8–16 tokens"),
            .init(name: "multiple choice, direct", value: Double(requests.count) / direct, unit: "requests/s", detail: "the same requests, each scored over [x, y]"),
            .init(name: "shared-prefix speed-up", value: direct / shared, unit: "×", detail: "direct time / shared-prefix time"),
        ]
    }

    func beam() throws -> [BenchCommand.Figure] {
        let prompt = tokens(32, seed: 7)
        let decoder = try BeamSearchDecoder(numBeams: 4)
        let stop = StopConditions(maxNewTokens: 32, stopOnEndToken: false)
        let seconds = try time { _ = try decoder.decode(DecodingRequest(prompt: prompt, stop: stop), model: model) }
        return [.init(name: "beam search, k = 4", value: 32 / seconds, unit: "steps/s", detail: "32 steps after a 32-token prompt")]
    }

    func exhaustive() throws -> [BenchCommand.Figure] {
        let prompt = runtime.tokenizer.encode("The cat sat on the")
        let decoder = try ExhaustiveDecoder(maxExpansions: 20_000)
        let stop = StopConditions(maxNewTokens: 6)
        var result: DecodingResult?
        let seconds = try time { result = try decoder.decode(DecodingRequest(prompt: prompt, stop: stop), model: model) }
        var expansions = 0
        var proven = false
        switch result?.certificate {
        case let .provenOptimal(n)?: expansions = n; proven = true
        case let .budgetExhausted(n, _, _, _)?: expansions = n
        case nil: break
        }
        return [
            .init(name: "exhaustive search", value: Double(expansions) / seconds, unit: "expansions/s", detail: "\"The cat sat on the\", ≤ 6 new tokens, \(expansions) expansions"),
            .init(name: proven ? "exhaustive: time to prove optimal" : "exhaustive: time until budget ran out", value: seconds, unit: "s", detail: proven ? "certificate: proven optimal" : "certificate: budget exhausted (20,000 expansions)"),
        ]
    }

    /// A greedy step under a grammar against an unconstrained one, both on the same prompt: the grammar is a
    /// small JSON Schema's (an object with a string, an integer and an array of strings: the states of keys,
    /// string bodies, digits and list items), and the model writes the whole document. Each timed run starts a
    /// fresh automaton and mask cache, so states are met cold as in a new decode; the vocabulary's token trie is
    /// built once, as it is once per model in a real run, and timed on its own.
    func constrained() throws -> [BenchCommand.Figure] {
        let prompt = runtime.tokenizer.encode("A JSON object describing a person, with name, age and a list of hobbies:\n")
        let stop = StopConditions(maxNewTokens: 64)
        let vocabulary = model.vocabulary
        let bytes = (0 ..< vocabulary.count).map { vocabulary.bytes(of: TokenID($0)) }
        var trie: TokenTrie?
        let trieSeconds = time { trie = TokenTrie(tokenBytes: bytes) }
        let grammar = try JSONSchemaGrammar.gbnf(schema: Self.personSchema)
        var free = 0, constrained = 0, states = 0
        let freeSeconds = try time {
            free = try GreedyDecoder().decode(DecodingRequest(prompt: prompt, stop: stop), model: model).best!.tokens.count
        }
        let constrainedSeconds = try time {
            let masker = TokenMasker(automaton: try GrammarAutomaton(gbnf: grammar), trie: trie!, trimsTrailingWhitespace: true)
            let request = DecodingRequest(prompt: prompt, stop: stop, processors: [GrammarProcessor(masker: masker)])
            constrained = try GreedyDecoder().decode(request, model: model).best!.tokens.count
            states = masker.automaton.stateCount
        }
        let freeStep = freeSeconds / Double(free), constrainedStep = constrainedSeconds / Double(constrained)
        return [
            .init(name: "greedy step, unconstrained", value: freeStep * 1000, unit: "ms", detail: "\(free) tokens after a \(prompt.count)-token prompt"),
            .init(name: "greedy step, JSON grammar", value: constrainedStep * 1000, unit: "ms",
                  detail: "\(constrained) tokens of a JSON document for a 3-property schema, cold automaton and masks (\(states) grammar states)"),
            .init(name: "constrained / unconstrained step", value: constrainedStep / freeStep, unit: "×", detail: "target ≤ 1.25"),
            .init(name: "token trie build", value: trieSeconds * 1000, unit: "ms", detail: "\(trie!.nodeCount) nodes for \(vocabulary.count) tokens, once per model"),
        ]
    }

    /// Greedy against speculative decoding with prompt lookup on copy-heavy prompts (correcting, quoting,
    /// extracting: the output repeats the input), with the acceptance rate. Both produce the same tokens (the
    /// speculative output is bitwise greedy's), so tokens per second compare directly.
    func speculative() throws -> [BenchCommand.Figure] {
        let prompts = Self.copyPrompts.map { runtime.tokenizer.encode($0) }
        let stop = StopConditions(maxNewTokens: 96)
        var tokens = 0
        let greedySeconds = try time {
            tokens = 0
            for p in prompts { tokens += try GreedyDecoder().decode(DecodingRequest(prompt: p, stop: stop), model: model).best!.tokens.count }
        }
        let prefillSeconds = try time {
            for p in prompts { _ = try GreedyDecoder().decode(DecodingRequest(prompt: p, stop: StopConditions(maxNewTokens: 1)), model: model) }
        }
        var figures: [BenchCommand.Figure] = [
            .init(name: "copy-heavy greedy", value: Double(tokens) / greedySeconds, unit: "tokens/s",
                  detail: "\(prompts.count) prompts that repeat their input, \(tokens) tokens"),
        ]
        for k in [4, 8] {
            let decoder = try SpeculativeDecoder(numDraftTokens: k)
            var drafted = 0, accepted = 0, calls = 0
            let seconds = try time {
                drafted = 0; accepted = 0; calls = 0
                for p in prompts {
                    let s = try decoder.decodeWithStatistics(DecodingRequest(prompt: p, stop: stop), model: model).statistics
                    drafted += s.drafted; accepted += s.accepted; calls += s.targetCalls
                }
            }
            figures.append(.init(name: "speculative (prompt lookup, k = \(k))", value: Double(tokens) / seconds, unit: "tokens/s",
                                 detail: "\(calls) target calls, \(accepted) of \(drafted) drafted tokens accepted (\(Int((Double(accepted) / Double(max(drafted, 1)) * 100).rounded()))%)"))
            figures.append(.init(name: "speculative / greedy, k = \(k)", value: greedySeconds / seconds, unit: "×",
                                 detail: "same output, bitwise; target ≥ 2"))
            // What bounds the ratio: tokens per call over what a call costs. A verification call feeds the
            // target's own token and the drafts (rows), so its cost over a greedy step's, less one, per extra row
            // is the price of each drafted token, kept or not.
            // The prompts' prefill (and the first token, which it answers) is the same in both and left out.
            let verifications = Double(calls - prompts.count)
            let callCost = ((seconds - prefillSeconds) / verifications) / ((greedySeconds - prefillSeconds) / Double(tokens - prompts.count))
            let rows = (verifications + Double(drafted)) / verifications
            figures.append(.init(name: "verification call / greedy step, k = \(k)", value: callCost, unit: "×",
                                 detail: String(format: "%.2f tokens per verification call, %.2f rows fed per call: %.3f of a greedy step per extra row",
                                                Double(tokens - prompts.count) / verifications, rows, rows > 1 ? (callCost - 1) / (rows - 1) : 0)))
        }
        return figures + (try verificationCost())
    }

    /// What one target call costs with r rows fed and answered (the target's own token and r − 1 drafts), against
    /// a call of one row: the price of a drafted token, whether it is kept or not. Each call extends a fork of
    /// the same 96-token state, 16 calls per timing.
    func verificationCost() throws -> [BenchCommand.Figure] {
        let base = model.makeState()
        _ = try model.extend([ExtensionRequest(state: base, tokens: tokens(96, seed: 21))])
        var perCall: [Int: Double] = [:]
        for rows in [1, 2, 3, 4, 5, 7, 9] {
            let fed = tokens(rows, seed: 22)
            let seconds = try time {
                for _ in 0 ..< 16 {
                    let request = ExtensionRequest(state: base.fork(), tokens: fed, queries: Array(repeating: .argmax, count: rows))
                    _ = try model.extend([request])
                }
            }
            perCall[rows] = seconds / 16
        }
        return perCall.keys.sorted().map { rows in
            .init(name: "target call, \(rows) row\(rows == 1 ? "" : "s")", value: perCall[rows]! * 1000, unit: "ms",
                  detail: String(format: "%.2f× one row%@", perCall[rows]! / perCall[1]!,
                                 rows > 1 ? String(format: ", %.3f per extra row", (perCall[rows]! / perCall[1]! - 1) / Double(rows - 1)) : ""))
        }
    }

    static let copyPrompts = [
        "Correct the spelling in this paragraph and return it unchanged otherwise.\n\nParagraph: The comittee met on Tuesday to discuss the budget for the next fiscal year. After a long debate, the members agreed to increase funding for public libraries, to repair the bridge on Main Street, and to hire two more teachers for the primary school.\n\nCorrected paragraph: The committee met on Tuesday",
        "Quote the second sentence of the text exactly.\n\nText: Water boils at one hundred degrees Celsius at sea level. At higher altitudes the air pressure is lower, so water boils at a lower temperature, which is why cooking pasta in the mountains takes longer. Pressure cookers raise the boiling point instead.\n\nSecond sentence: \"",
        "def area(width, height):\n    return width * height\n\ndef perimeter(width, height):\n    return 2 * (width + height)\n\n# The same two functions, with type hints:\n\ndef area(width: float, height: float) -> float:\n",
        "List the names in the sentence, one per line.\n\nSentence: Alice, Bob, Carol, Dave, Erin and Frank went to the market with Grace, Heidi and Ivan.\n\nNames:\nAlice\nBob\n",
    ]

    static let personSchema = """
        {"type": "object", "additionalProperties": false, "required": ["name", "age", "hobbies"],
         "properties": {"name": {"type": "string", "maxLength": 20}, "age": {"type": "integer"},
                        "hobbies": {"type": "array", "items": {"type": "string", "maxLength": 12}, "maxItems": 3}}}
        """

    func tokenizer() throws -> [BenchCommand.Figure] {
        let text = TokenizerBenchmark.mixedText(byteCount: 1_000_000, seed: 1)
        var rates: [Double] = []
        var tokens = 0
        for _ in 0 ..< repeats {
            // A fresh tokenizer each time: its pre-token cache starts empty, as for a new document.
            let r = TokenizerBenchmark.encodeThroughput(tokenizer: try BPETokenizer(gguf: runtime.file), text: text)
            rates.append(r.bytesPerSecond)
            tokens = r.tokens
        }
        return [.init(name: "tokenizer encode", value: rates.sorted()[rates.count / 2] / 1e6, unit: "MB/s",
                      detail: "1 MB of mixed text (prose, code, digits, CJK, emoji) → \(tokens) tokens, empty pre-token cache; median of \(repeats)")]
    }

    /// 64 four-round conversations of about 600 tokens, scored turn by turn in one pass each, against plain
    /// direct scoring of the same tokens: the masks must not cost a second pass. Run once (no repeats): it is
    /// the longest figure.
    func conversations() throws -> [BenchCommand.Figure] {
        let renderer = try ChatTemplateConversationRenderer(gguf: runtime.file, tokenizer: runtime.tokenizer)
        let conversations = ConversationBenchmark.conversations(count: 64, rounds: 4, wordsPerMessage: 66, seed: 1)
        let r = try ConversationBenchmark.run(conversations, renderer: renderer, model: model, batchSize: 16)
        let detail = "64 conversations × 4 rounds, \(r.fedTokens / r.conversations) tokens each on average"
        return [
            .init(name: "conversation scoring", value: r.conversationTokensPerSecond, unit: "tokens/s", detail: detail + ", every assistant turn scored"),
            .init(name: "plain scoring, same tokens", value: r.plainTokensPerSecond, unit: "tokens/s", detail: "direct scorer over the same tokens"),
            .init(name: "conversation / plain speed", value: r.speedRatio, unit: "×", detail: "target within 10% of 1"),
        ]
    }
}
