import ArgumentParser
import Foundation
import Sequitur

struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "An interactive chat with the model's chat template, keeping the history's KV state between rounds.",
        discussion: """
            Type a message and press return; an empty line or end of input (Ctrl-D) ends the session. Replies \
            stream as they are decoded (decoders that stream tokens, see `sequitur decoders`) or print when the \
            search ends. \
            Each round feeds only its new tokens: the history's keys and values stay cached.

            sequitur chat --system "You are terse." --transcript chat.json
            sequitur chat --decoder sampling --param temperature=0.7 --param seed=3

            --transcript FILE loads the conversation from FILE when it exists and saves it there (atomically) \
            after every round, as one JSON line {"id", "messages"} whose id is the file's name: the line format \
            `score --conversations FILE` reads, so transcripts are scored, or concatenated and scored, as they are. \
            A reply cut off by Ctrl-C is not saved: the transcript then ends with the user's message.
            """
    )

    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var decoding: DecodingOptions
    @OptionGroup var template: ChatTemplateOptions
    @Option(help: ArgumentHelp("A system message to start a new conversation with.", valueName: "text")) var system: String?
    @Option(help: ArgumentHelp("JSON transcript to continue from and save to.", valueName: "file")) var transcript: String?
    @Flag(help: "Print after each round how many tokens were fed and how many came from the cache.") var stats = false

    func run() throws {
        let rt = try runtime.runtime { try decoding.apply(to: &$0) }
        let renderer = try ChatTemplateConversationRenderer(gguf: rt.file, tokenizer: rt.tokenizer,
                                                            extraVariables: try template.variables())
        var messages: [ChatMessage] = []
        if let transcript, FileManager.default.fileExists(atPath: transcript) {
            do { messages = try ChatTranscript.load(from: URL(fileURLWithPath: transcript)) }
            catch let error as ChatTranscriptError { throw CommandError("\(transcript): \(error)") }
            catch let error as ConversationError { throw CommandError("\(transcript): \(error)") }
            catch { throw CommandError("\(transcript): cannot read: \(FileProblem.reason(error, path: transcript))") }
        }
        if let system {
            guard messages.isEmpty else { throw CommandError("--system starts a new conversation, but \(transcript ?? "the transcript") already has messages") }
            messages = [.system(system)]
        }
        let decoder = try rt.makeDecoder()
        let session = try ChatSession(model: rt.model, renderer: renderer, decoder: decoder,
                                      stop: rt.configuration.stop, processors: try rt.makeProcessors(), messages: messages)
        let streams = decoder.capabilities.contains(.streamsTokens)
        let interactive = isatty(STDIN_FILENO) != 0
        Interrupt.install()
        func save() throws {
            guard let transcript else { return }
            do { try ChatTranscript.save(session.messages, to: URL(fileURLWithPath: transcript)) } catch {
                throw CommandError("\(transcript): cannot write: \(FileProblem.reason(error, path: transcript))")
            }
        }
        func round(_ send: (((TokenID, Float) -> Bool)?, @escaping () -> Bool) throws -> ChatReply) throws {
            var detokenizer = StreamingDetokenizer(tokenizer: rt.tokenizer, skipSpecial: true)
            let reply = try send(streams ? { token, _ in
                Self.write(detokenizer.append(token))
                return !Interrupt.requested
            } : nil, { Interrupt.requested })
            Self.write(streams ? detokenizer.finish() + "\n" : reply.text + "\n")
            if reply.interrupted {
                // The partial reply was shown but is not part of the conversation: the transcript ends with the
                // user's turn, which the next `chat --transcript` answers afresh.
                FileHandle.standardError.write(Data("[reply interrupted: not saved to the conversation]\n".utf8))
            }
            if stats {
                FileHandle.standardError.write(Data(("[prompt \(reply.promptTokenCount) tokens, \(reply.reusedTokenCount) from the cache; "
                    + "\(reply.processedTokens) processed; \(reply.hypothesis.tokens.count) generated, \(reply.hypothesis.finishReason.rawValue)]\n").utf8))
            }
            try save()
        }
        // A loaded transcript that ends with the user's turn is answered first.
        if session.messages.last?.role == "user" { try round { try session.respond(onToken: $0, shouldStop: $1) } }
        while !Interrupt.requested {
            if interactive { Self.write("> ") }
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { break }
            try round { try session.send(line, onToken: $0, shouldStop: $1) }
        }
        try save()
        if Interrupt.requested { throw ExitCode(Interrupt.exitStatus) }
    }

    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
