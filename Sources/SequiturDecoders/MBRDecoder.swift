import SequiturCore

/// Minimum-Bayes-risk decoding (Kumar & Byrne 2004; Eikema & Aziz 2020; Freitag et al. 2022): draw candidate
/// outputs, draw pseudo-references, and rank each candidate `h` by its Monte-Carlo expected utility
/// `Ê[u(h)] = Σ_r w_r · u(h, r)` with uniform weights `w_r = 1/|R|` over the pseudo-references `R`.
///
/// - Candidates come from `candidateDecoders`, every hypothesis each returns, in order: by default `numCandidates`
///   sampling decoders with seeds drawn from `seed` (ancestral sampling, as Eikema & Aziz), or one beam search
///   returning its `numCandidates`-best.
/// - Pseudo-references are either the candidates themselves (`referenceDecoders` nil, `numReferences: 0`), and
///   then candidate `i` is compared with every other draw but not with its own sample index, so that its own
///   draw does not vote for it (a duplicate at another index does: it is a separate sample); or a separate set
///   from `referenceDecoders` (`numReferences` samplers, seeds drawn after the candidates'), every one counted.
///   A lone candidate with no other reference is compared with itself. Uniform weights are the unbiased
///   estimate for samples; over a beam's n-best they are only a heuristic (beam outputs are not draws from the
///   model), which is why `numReferences > 0` samples references for beam candidates when asked.
///
/// What it guarantees: the first hypothesis maximises the Monte-Carlo estimate among the candidates drawn, not
/// the true expected utility `E_{y∼p}[u(h, y)]` and not over all outputs. Equal candidates (same tokens) are
/// returned once; ties in expected utility go to the higher model log-prob, then to the earlier draw.
///
/// The result is the n-best: every distinct candidate, best first, with `Hypothesis.score` set to its
/// expected utility (in [0, 1] for the built-in utilities) and `tokenLogProbs` the model's own log-probs as the
/// candidate decoder returned them (so `logProb` is still `log Pr(y | x)`). It does not stream: tokens of
/// many candidates would interleave, so `onToken` is not passed on. `shouldStop` is passed to each draw and
/// polled between draws; once it answers true, the candidates drawn so far are ranked. The prompt (all but
/// its last token) is computed once and shared by every draw through `DecodingRequest.prefixState`.
public struct MBRDecoder: Decoder {
    /// Where candidates come from.
    public enum CandidateSource: String, Sendable, CaseIterable {
        case sampling, beam
    }

    public static let registryName = "mbr"
    static let summary = "minimum Bayes risk: the sampled (or beam) candidate with the highest expected utility against pseudo-references"
    public static let capabilities: DecoderCapabilities = .returnsNBest
    /// The most candidates or references: expected utilities cost `numCandidates × references` utility calls.
    public static let maxDraws = 1024
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("candidates", .choice(CandidateSource.allCases.map(\.rawValue)), default: "sampling",
                      help: "where candidates come from: sampling (numCandidates seeded samples) or beam (the numCandidates-best of a beam search)"),
        ParameterSpec("numCandidates", .integer, default: 16,
                      help: "samples drawn, or beams of the beam search (at least 2 when the candidates are their own references)"),
        ParameterSpec("numReferences", .integer, default: 0,
                      help: "separate samples used as pseudo-references (0: the candidates, each compared with all but its own draw)"),
        ParameterSpec("utility", .string, default: "chrf",
                      help: "u(candidate, reference): \(MBRUtilityRegistry.standard.names.joined(separator: ", "))"),
        ParameterSpec("temperature", .number, default: 1.0, help: "sampling temperature of candidates and references"),
        ParameterSpec("topK", .integer, default: 0, help: "sample among the k most likely tokens (0: all)"),
        ParameterSpec("topP", .number, default: 1.0, help: "nucleus sampling mass, in (0, 1]"),
        ParameterSpec("seed", .integer, default: 0, help: "seed from which every draw's seed is drawn: same seed, same output"),
    ]

    /// Each returns candidates for the request; all their hypotheses are candidates, in order.
    public let candidateDecoders: [any Decoder]
    /// Each returns pseudo-references; nil: the candidates are the pseudo-references.
    public let referenceDecoders: [any Decoder]?
    public let utility: any MBRUtility

    public var name: String { Self.registryName }
    public var capabilities: DecoderCapabilities { Self.capabilities }

    /// MBR over the hypotheses of any decoders: candidates from `candidateDecoders`, pseudo-references from
    /// `referenceDecoders` (nil: the candidates).
    public init(candidateDecoders: [any Decoder], referenceDecoders: [any Decoder]? = nil,
                utility: any MBRUtility) throws {
        guard !candidateDecoders.isEmpty else {
            throw DecodingError.invalidParameter(name: "candidateDecoders", message: "needs at least one decoder")
        }
        if let r = referenceDecoders, r.isEmpty {
            throw DecodingError.invalidParameter(
                name: "referenceDecoders", message: "needs at least one decoder (nil: the candidates are the references)")
        }
        self.candidateDecoders = candidateDecoders
        self.referenceDecoders = referenceDecoders
        self.utility = utility
    }

    /// The configured decoder: `numCandidates` samplers with seeds `s_0, s_1, …` (the first outputs of a
    /// `SeededRandomNumberGenerator(seed: seed)`) or one beam search with `numBeams = numReturnSequences =
    /// numCandidates`; then `numReferences` samplers with the next seeds of that generator.
    public init(candidates: CandidateSource = .sampling, numCandidates: Int = 16, numReferences: Int = 0,
                utility: any MBRUtility = ChrFUtility(), temperature: Double = 1.0, topK: Int = 0,
                topP: Double = 1.0, seed: UInt64 = 0) throws {
        guard (1...Self.maxDraws).contains(numCandidates) else {
            throw DecodingError.invalidParameter(
                name: "numCandidates", message: "must be in 1...\(Self.maxDraws), got \(numCandidates)")
        }
        guard (0...Self.maxDraws).contains(numReferences) else {
            throw DecodingError.invalidParameter(
                name: "numReferences", message: "must be in 0...\(Self.maxDraws) (0: the candidates), got \(numReferences)")
        }
        guard numReferences > 0 || numCandidates >= 2 else {
            throw DecodingError.invalidParameter(
                name: "numCandidates",
                message: "must be at least 2 when the candidates are their own pseudo-references (numReferences 0), got \(numCandidates)")
        }
        var seeds = SeededRandomNumberGenerator(seed: seed)
        func sampler() throws -> any Decoder {
            try SamplingDecoder(temperature: temperature, topK: topK, topP: topP, seed: seeds.next())
        }
        let candidateDecoders: [any Decoder]
        switch candidates {
        case .sampling: candidateDecoders = try (0..<numCandidates).map { _ in try sampler() }
        case .beam:
            candidateDecoders = [try BeamSearchDecoder(numBeams: numCandidates, numReturnSequences: numCandidates)]
            // Validate the sampling parameters even when only references use them, so a typo never goes unseen.
            _ = try SamplingDecoder(temperature: temperature, topK: topK, topP: topP)
        }
        let references = numReferences > 0 ? try (0..<numReferences).map { _ in try sampler() } : nil
        try self.init(candidateDecoders: candidateDecoders, referenceDecoders: references, utility: utility)
    }

    public init(configuration: DecoderConfiguration) throws {
        try self.init(configuration: configuration, utilities: .standard)
    }

    /// Built from a configuration, looking `utility` up in `utilities` (so registered utilities are selectable).
    public init(configuration: DecoderConfiguration, utilities: MBRUtilityRegistry) throws {
        let c = try DecoderRegistry.complete(configuration, against: Self.parameters)
        try self.init(candidates: CandidateSource(rawValue: try c.string("candidates"))!,
                      numCandidates: try c.integer("numCandidates"), numReferences: try c.integer("numReferences"),
                      utility: try utilities.utility(named: try c.string("utility")),
                      temperature: try c.number("temperature"), topK: try c.integer("topK"),
                      topP: try c.number("topP"), seed: UInt64(bitPattern: Int64(try c.integer("seed"))))
    }

    public func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
        let plan = try DecodingPlan(request, model: model)   // the request's errors before any model work
        let startCount = model.processedTokenCount
        var shared = request
        shared.onToken = nil
        if shared.prefixState == nil && request.prompt.count >= 2 {
            let prefix = model.makeState()
            _ = try model.extend([ExtensionRequest(state: prefix, tokens: Array(request.prompt.dropLast()), lastQuery: nil)])
            shared.prefixState = prefix
        }
        shared.returnPromptLogProbs = false
        var promptLogProbs: [Float]?
        var first = true
        func draw(_ decoders: [any Decoder]) throws -> [Hypothesis] {
            var out: [Hypothesis] = []
            for d in decoders {
                if !out.isEmpty, request.shouldStop?() == true { break }
                var sub = shared
                if first && request.returnPromptLogProbs {
                    // Prompt log-probs cannot come through a prefix state, so the first draw computes the prompt.
                    sub.prefixState = nil
                    sub.returnPromptLogProbs = true
                }
                let result = try d.decode(sub, model: model)
                if first { promptLogProbs = result.promptLogProbs }
                first = false
                out += result.hypotheses
            }
            return out
        }
        let candidates = try draw(candidateDecoders)
        var references: [Hypothesis]?
        if let r = referenceDecoders, request.shouldStop?() != true { references = try draw(r) }
        if references?.isEmpty == true { references = nil }

        let sequence = { (h: Hypothesis) -> MBRSequence in
            let content = h.finishReason == .endToken ? Array(h.tokens.dropLast()) : h.tokens
            return MBRSequence(tokens: content, text: plan.vocabulary.text(of: h.tokens))
        }
        let utilities = Self.expectedUtilities(of: candidates.map(sequence), against: references?.map(sequence),
                                               utility: utility)
        // Distinct candidates by tokens, each at its first draw; equal tokens have equal expected utility.
        var seen = Set<[TokenID]>()
        var ranked: [(index: Int, hypothesis: Hypothesis)] = []
        for (i, h) in candidates.enumerated() where seen.insert(h.tokens).inserted {
            var scored = h
            scored.score = utilities[i]
            ranked.append((i, scored))
        }
        ranked.sort {
            if $0.hypothesis.score != $1.hypothesis.score { return $0.hypothesis.score > $1.hypothesis.score }
            if $0.hypothesis.logProb != $1.hypothesis.logProb { return $0.hypothesis.logProb > $1.hypothesis.logProb }
            return $0.index < $1.index
        }
        return DecodingResult(hypotheses: ranked.map(\.hypothesis), promptLogProbs: promptLogProbs,
                              processedTokens: model.processedTokenCount - startCount)
    }

    /// The Monte-Carlo expected utility of each candidate: the mean of `utility(candidate, r)` over
    /// `references`, or, when `references` is nil, over the other candidates (every index but its own; a lone
    /// candidate is compared with itself). Each distinct pair of sequences is scored once.
    public static func expectedUtilities(of candidates: [MBRSequence], against references: [MBRSequence]?,
                                         utility: any MBRUtility) -> [Double] {
        let pool = references ?? candidates
        // Distinct references with their multiplicities: Σ_r u(h, r) = Σ_distinct count · u(h, r).
        var referenceIndex: [MBRSequence: Int] = [:]
        var distinct: [(sequence: MBRSequence, count: Int)] = []
        for r in pool {
            if let j = referenceIndex[r] { distinct[j].count += 1 } else {
                referenceIndex[r] = distinct.count
                distinct.append((r, 1))
            }
        }
        var cache: [MBRSequence: Double] = [:]
        return candidates.map { h in
            if let known = cache[h] { return known }
            var total = 0.0
            for (r, count) in distinct { total += Double(count) * utility.utility(h, r) }
            var n = pool.count
            if references == nil && pool.count > 1 {
                total -= utility.utility(h, h)   // its own draw is not a reference
                n -= 1
            }
            let value = total / Double(n)
            cache[h] = value
            return value
        }
    }
}
