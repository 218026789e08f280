import ArgumentParser
import Foundation
import Sequitur

struct CompareDecodersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare-decoders",
        abstract: "Run several decoders on the same prompts and compare what each finds and what it costs.",
        discussion: """
            sequitur compare-decoders --input prompts.txt --decoders greedy,beam:4,exhaustive --max-new-tokens 8

            One prompt per line. A decoder is NAME, NAME:K for a decoder with a width parameter (beam:4 sets \
            numBeams; `sequitur decoders` shows each one's), or NAME:P=V+P=V (parameters joined by +). For every \
            prompt an exact search (the exhaustive decoder, with --max-expansions) finds the true argmax \
            ŷ = argmax_y Pr(y|x) over the same outputs; each decoder's search-error rate is how often its best \
            output scores below that. Prompts whose exact search ran out of budget are left out of the rate and \
            counted separately. Beside it: the mean of each decoder's own ranking score of its best output (the \
            length-penalised score for beam search, the expected utility for MBR), and distinct-1 / distinct-2, \
            the share of distinct token n-grams among all n-grams of the outputs a decoder returns for a prompt \
            (1 when its n-best share nothing; averaged over prompts).

            With --output, --input is JSONL ({"id", "prompt"} lines, as for generate --input) and each prompt's \
            result is one line: {"id", "prompt_tokens", "exact_logprob", "exact_proven", "decoders": \
            [{"decoder", "logprob", "n_tokens", "found_exact_argmax"}]}, written by the same resumable, \
            shardable job as score (--resume, --shard I/N, `sequitur merge`). Timings are left out of the lines \
            so that a resumed or sharded run writes the same bytes as a single one.
            """
    )

    @OptionGroup var runtime: RuntimeOptions
    @Option(help: ArgumentHelp("Text file with one prompt per line.", valueName: "file")) var input: String
    @Option(help: ArgumentHelp("Comma-separated decoders.", valueName: "list")) var decoders = "greedy,beam:4,exhaustive"
    @Option(help: ArgumentHelp("Most new tokens for every decoder.", valueName: "n")) var maxNewTokens = 8
    @Option(help: ArgumentHelp("Expansion budget of the reference exact search.", valueName: "n")) var maxExpansions = 20_000
    @Flag(help: "Print the table as JSON.") var json = false
    @OptionGroup var batch: ResumableOutputOptions

    struct Row: Encodable {
        var decoder: String
        var mean_logprob: Double
        var mean_score: Double
        var distinct_1: Double
        var distinct_2: Double
        var exact_argmax_rate: Double?
        var search_error_rate: Double?
        var mean_length: Double
        var tokens_per_second: Double
        var prompts: Int
    }

    struct Report: Encodable {
        var rows: [Row]
        var prompts: Int
        var prompts_with_proven_argmax: Int
    }

    static func parseSpec(_ spec: String, registry: DecoderRegistry) throws -> DecoderConfiguration {
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        var c = DecoderConfiguration(name: parts[0])
        guard parts.count == 2 else { return c }
        if let k = Int(parts[1]) {
            do {
                return try registry.settingWidth(k, in: c, decoderIsFixed: true)
            } catch {
                throw CommandError("decoder '\(spec)': NAME:K needs a decoder with a width parameter: \(error)")
            }
        }
        for assignment in parts[1].split(separator: "+") {
            let kv = assignment.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw CommandError("decoder '\(spec)': expected P=V, got '\(assignment)'") }
            c.parameters[kv[0]] = DecodingOptions.parseValue(kv[1])
        }
        return c
    }

    /// Distinct n-grams over all n-grams of `outputs` (Li et al. 2016's distinct-n, pooled over one prompt's
    /// returned set); 1 when there are none to repeat.
    static func distinct(_ n: Int, _ outputs: [[TokenID]]) -> Double {
        var all = 0
        var seen = Set<ArraySlice<TokenID>>()
        for o in outputs where o.count >= n {
            for i in 0...(o.count - n) {
                all += 1
                seen.insert(o[i..<(i + n)])
            }
        }
        return all == 0 ? 1 : Double(seen.count) / Double(all)
    }

    /// The runtime, the decoders to compare (by their spec), and the exact search they are compared with.
    func contestants() throws -> (runtime: ModelRuntime, decoders: [(String, any Decoder)], exact: ExhaustiveDecoder) {
        let specs = decoders.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        let rt = try runtime.runtime { $0.stop.maxNewTokens = maxNewTokens }
        let registry = DecoderRegistry.standard
        let built = try specs.map { ($0, try registry.make(try Self.parseSpec($0, registry: registry))) }
        // The reference must be exact search itself (its certificate says when the argmax is proven), not
        // whatever a registry calls by some name.
        return (rt, built, try ExhaustiveDecoder(maxExpansions: maxExpansions))
    }

    func run() throws {
        if let job = try batch.job(input: input) {
            try runBatch(job)
            return
        }
        let text = try String(contentsOf: URL(fileURLWithPath: input), encoding: .utf8)
        let prompts = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard !prompts.isEmpty else { throw CommandError("\(input): no prompts (one per line)") }
        let (rt, built, exact) = try contestants()
        // The configuration's processors shape every contestant's steps and the exact reference's alike.
        let processors = try rt.makeProcessors()
        let stop = rt.configuration.stop

        var best: [[Double]] = Array(repeating: [], count: built.count)
        var scores: [[Double]] = Array(repeating: [], count: built.count)
        var distinct: [[(Double, Double)]] = Array(repeating: [], count: built.count)
        var lengths: [[Int]] = Array(repeating: [], count: built.count)
        var seconds = [Double](repeating: 0, count: built.count)
        var exactArgmax: [Double?] = []
        for prompt in prompts {
            let ids = rt.tokenizer.encode(prompt)
            let reference = try exact.decode(DecodingRequest(prompt: ids, stop: stop, processors: processors), model: rt.model)
            exactArgmax.append(reference.certificate?.isProvenOptimal == true ? reference.best?.logProb : nil)
            for (i, (_, decoder)) in built.enumerated() {
                let start = Date()
                let r = try decoder.decode(DecodingRequest(prompt: ids, stop: stop, processors: processors), model: rt.model)
                seconds[i] += Date().timeIntervalSince(start)
                best[i].append(r.best?.logProb ?? -.infinity)
                scores[i].append(r.best?.score ?? -.infinity)
                distinct[i].append((Self.distinct(1, r.hypotheses.map(\.tokens)), Self.distinct(2, r.hypotheses.map(\.tokens))))
                lengths[i].append(r.best?.tokens.count ?? 0)
            }
        }
        let proven = exactArgmax.compactMap { $0 }.count
        let rows = built.enumerated().map { i, entry -> Row in
            var found = 0
            for (p, exactScore) in exactArgmax.enumerated() {
                if let exactScore, best[i][p] >= exactScore - 1e-4 { found += 1 }
            }
            let totalTokens = lengths[i].reduce(0, +)
            let n = Double(prompts.count)
            return Row(decoder: entry.0, mean_logprob: best[i].reduce(0, +) / n, mean_score: scores[i].reduce(0, +) / n,
                       distinct_1: distinct[i].reduce(0) { $0 + $1.0 } / n, distinct_2: distinct[i].reduce(0) { $0 + $1.1 } / n,
                       exact_argmax_rate: proven > 0 ? Double(found) / Double(proven) : nil,
                       search_error_rate: proven > 0 ? 1 - Double(found) / Double(proven) : nil,
                       mean_length: Double(totalTokens) / Double(prompts.count),
                       tokens_per_second: seconds[i] > 0 ? Double(totalTokens) / seconds[i] : 0, prompts: prompts.count)
        }
        let report = Report(rows: rows, prompts: prompts.count, prompts_with_proven_argmax: proven)
        if json { try printJSON(report); return }
        let width = max(17, rows.map(\.decoder.count).max() ?? 0)
        print("decoder".padding(toLength: width, withPad: " ", startingAt: 0)
              + "  mean log Pr   mean score   exact argmax   search error   distinct-1/2   mean length   tokens/s")
        for r in rows {
            let rate = r.exact_argmax_rate.map { String(format: "%11.1f%%", $0 * 100) } ?? "          -"
            let err = r.search_error_rate.map { String(format: "%12.1f%%", $0 * 100) } ?? "           -"
            print(String(format: "%@  %11.4f  %11.4f   %@   %@     %4.2f/%4.2f   %11.2f   %8.1f",
                         r.decoder.padding(toLength: width, withPad: " ", startingAt: 0), r.mean_logprob, r.mean_score, rate, err,
                         r.distinct_1, r.distinct_2, r.mean_length, r.tokens_per_second))
        }
        print("\(proven) of \(prompts.count) prompts have a proven argmax (exact search within \(maxExpansions) expansions)")
    }
}
