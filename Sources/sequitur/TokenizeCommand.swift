import ArgumentParser
import Foundation
import Sequitur

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Turn text into token ids with the model's own tokenizer.",
        discussion: """
            Byte-level BPE built from the GGUF metadata, pre-tokenised the way tokenizer.ggml.pre names. Special \
            tokens such as <|im_start|> match as single tokens unless --no-special is given. Works with \
            vocabulary-only GGUF files.
            """
    )

    @OptionGroup var model: ModelOption
    @Argument(help: "Text to tokenize; '-' reads standard input.") var text: String
    @Flag(help: "Print one JSON object {\"ids\": [...]} (with --pieces, also \"pieces\").") var json = false
    @Flag(help: "Show each token's piece beside its id.") var pieces = false
    @Flag(help: "Treat special-token text (<|im_start|> …) as plain text.") var noSpecial = false

    struct Output: Encodable {
        var ids: [Int32]
        var pieces: [String]?
    }

    func run() throws {
        let input: String
        if text == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            guard let s = String(data: data, encoding: .utf8) else {
                throw CommandError("standard input is not valid UTF-8 (first bad byte at offset \(PerplexityCommand.firstInvalidUTF8Offset(data)))")
            }
            input = s
        } else {
            input = text
        }
        let tokenizer = try BPETokenizer(gguf: try model.open())
        let ids = tokenizer.encode(input, parseSpecial: !noSpecial)
        if json {
            try printJSON(Output(ids: ids, pieces: pieces ? ids.map { tokenizer.piece(for: $0) } : nil), pretty: false)
            return
        }
        if pieces {
            for id in ids { print(String(format: "%6d  %@", id, tokenizer.readablePiece(for: id))) }
            print("\(ids.count) tokens")
        } else {
            print(ids.map(String.init).joined(separator: " "))
        }
    }
}
