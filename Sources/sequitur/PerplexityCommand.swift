import ArgumentParser
import Foundation
import Sequitur

struct PerplexityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Rolling-window perplexity of a long text file.",
        discussion: """
            Windows of at most --window tokens start every --stride tokens; each scores only the tokens no \
            earlier window scored, so every token but the first is scored exactly once, with between \
            window − stride and window − 1 tokens of context. perplexity = exp(−Σ log-prob / scored tokens).
            """
    )

    @OptionGroup var runtime: RuntimeOptions
    @Argument(help: "UTF-8 text file ('-' for standard input).") var file: String
    @Option(help: ArgumentHelp("Tokens per window (default: the model's context length, at most 1024).", valueName: "n")) var window: Int?
    @Option(help: ArgumentHelp("Tokens between window starts (default: half the window).", valueName: "n")) var stride: Int?
    @Flag(help: "Print JSON.") var json = false

    struct Report: Encodable {
        var file: String
        var tokens: Int
        var scored_tokens: Int
        var total_logprob: Double
        var perplexity: Double
        var window: Int
        var stride: Int
    }

    func run() throws {
        let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Self.read(file)
        guard let text = String(data: data, encoding: .utf8) else {
            let offset = Self.firstInvalidUTF8Offset(data)
            throw CommandError("\(file): not valid UTF-8 (first bad byte at offset \(offset))")
        }
        let rt = try runtime.runtime()
        let w = window ?? min(rt.model.contextLength, 1024)
        let s = stride ?? max(1, w / 2)
        let rolling = try RollingPerplexity(window: w, stride: s)
        let tokens = rt.tokenizer.encode(text)
        let result = try rolling.evaluate(tokens, scorer: rt.makeScorer(), model: rt.model)
        let report = Report(file: file, tokens: tokens.count, scored_tokens: result.tokenCount, total_logprob: result.totalLogProb,
                            perplexity: result.perplexity, window: w, stride: s)
        if json { try printJSON(report); return }
        print(String(format: "perplexity %.4f  (%d tokens scored of %d; Σ log-prob %.3f; window %d, stride %d)",
                     result.perplexity, result.tokenCount, tokens.count, result.totalLogProb, w, s))
    }

    static func read(_ path: String) throws -> Data {
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CommandError("\(path): cannot read: \(FileProblem.reason(error, path: path))")
        }
    }

    static func firstInvalidUTF8Offset(_ data: Data) -> Int {
        var offset = 0
        var iterator = data.makeIterator()
        var decoder = UTF8()
        var consumed = 0
        while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(s): consumed += UTF8.width(s); offset = consumed
            case .emptyInput: return offset
            case .error: return offset
            }
        }
    }
}
