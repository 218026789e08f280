import Foundation
import Hummingbird
import Sequitur

/// Server-sent events for `stream: true`: text goes out as tokens are chosen, then a last chunk with the
/// finish reason, then `data: [DONE]`.
///
/// Text is held back while it could still turn into a stop string (its end is the start of one) or ends in an
/// incomplete UTF-8 character, so the streamed pieces always concatenate to the non-streamed answer. The
/// response head is sent only once the request has produced its first token or failed, so a bad request, a
/// full queue or a context overflow gets its proper status, not a stream. A client that goes away cancels the
/// decode and frees its KV blocks.
extension SequiturServer {
    typealias ChunkMaker = @Sendable (_ id: String, _ created: Int, _ model: String, _ index: Int, _ text: String,
                                      _ finishReason: String?) -> [String: Any]

    enum StreamEvent: Sendable {
        case token(choice: Int, TokenID)
        case finished(Result<[ServerEngine.CompletionChoice], any Error>)
    }

    func streamCompletion(_ job: ServerEngine.CompletionJob, stop: [String], id: String, created: Int,
                          prefixText: String = "", firstChunk: [String: Any]? = nil,
                          chunk: @escaping ChunkMaker) async throws -> Response {
        let (events, continuation) = AsyncStream<StreamEvent>.makeStream()
        let flag = RequestWorkers.CancellationFlag()
        let engine = self.engine
        let workers = self.workers
        let work = Task {
            do {
                let choices = try await workers.run(flag: flag) { flag in
                    try engine.complete(job, cancelled: flag) { choice, token in
                        continuation.yield(.token(choice: choice, token))
                        return !flag.isCancelled
                    }
                }
                continuation.yield(.finished(.success(choices)))
            } catch {
                continuation.yield(.finished(.failure(error)))
            }
            continuation.finish()
        }
        var iterator = events.makeAsyncIterator()
        guard let first = await iterator.next() else { throw APIError.server("the stream ended before it began") }
        if case let .finished(.failure(error)) = first { throw error }
        let model = engine.servedModelName
        let tokenizer = engine.tokenizer
        let metrics = self.metrics
        let box = IteratorBox(iterator: iterator, first: first)
        let firstData = try firstChunk.map { try JSONLineEncoder.encode($0) }
        let body = ResponseBody { writer in
            var texts: [Int: StreamedText] = [:]
            func send(_ object: [String: Any]) async throws { try await sendData(try JSONLineEncoder.encode(object)) }
            func sendData(_ data: Data) async throws {
                var buffer = ByteBuffer(string: "data: ")
                buffer.writeBytes(data)
                buffer.writeString("\n\n")
                try await writer.write(buffer)
            }
            do {
                if let firstData { try await sendData(firstData) }
                if !prefixText.isEmpty { try await send(chunk(id, created, model, 0, prefixText, nil)) }
                var event: StreamEvent? = box.first
                while let current = event {
                    switch current {
                    case let .token(choice, token):
                        var text = texts[choice] ?? StreamedText(stop: stop, tokenizer: tokenizer)
                        let piece = text.append(token)
                        texts[choice] = text
                        if !piece.isEmpty { try await send(chunk(id, created, model, choice, piece, nil)) }
                    case let .finished(.success(choices)):
                        var generated = 0
                        for (i, choice) in choices.enumerated() {
                            generated += choice.generated.count
                            let final = Self.trimmedAtStop(tokenizer.decode(choice.generated, skipSpecial: true), stop: stop)
                            let rest = texts[i]?.rest(of: final) ?? final
                            if !rest.isEmpty { try await send(chunk(id, created, model, i, rest, nil)) }
                            try await send(chunk(id, created, model, i, "", Self.finishReason(choice.finishReason)))
                        }
                        metrics.recordGenerated(generated)
                    case let .finished(.failure(error)):
                        let apiError = (error as? APIError) ?? .server("\(error)")
                        try await send(["error": ["message": apiError.message, "type": apiError.type,
                                                  "param": apiError.param ?? NSNull(), "code": apiError.code ?? NSNull()] as [String: Any]])
                    }
                    event = await box.iterator.next()
                }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
            } catch {
                // The client went away: stop decoding; the decoder returns and its states are released.
                flag.cancel()
                work.cancel()
                throw error
            }
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}

/// Carries the stream's iterator into the response body's closure.
private final class IteratorBox: @unchecked Sendable {
    var iterator: AsyncStream<SequiturServer.StreamEvent>.Iterator
    let first: SequiturServer.StreamEvent
    init(iterator: AsyncStream<SequiturServer.StreamEvent>.Iterator, first: SequiturServer.StreamEvent) {
        self.iterator = iterator
        self.first = first
    }
}

/// One choice's text as it streams: what has been sent, and what is held back. Text grows through a
/// `StreamingDetokenizer` (one token's bytes per step, incomplete characters held back by it) and is handled
/// as Unicode scalars: a combining mark that joins the previous character must not make the text already
/// sent stop being a prefix of the answer, as it would compared by characters.
struct StreamedText {
    let stop: [[Unicode.Scalar]]
    private var detokenizer: StreamingDetokenizer
    private var scalars: [Unicode.Scalar] = []
    /// Scalars sent so far.
    private(set) var sentCount = 0
    private var stopped = false

    init(stop: [String], tokenizer: BPETokenizer) {
        self.stop = stop.map { Array($0.unicodeScalars) }.filter { !$0.isEmpty }
        detokenizer = tokenizer.streamingDetokenizer(skipSpecial: true)
    }

    /// The new text that is safe to send after `token`.
    mutating func append(_ token: TokenID) -> String {
        if stopped { return "" }
        let old = scalars.count
        scalars += detokenizer.append(token).unicodeScalars
        var safe = scalars.count
        if let match = firstStop(after: old) {
            // The decoder ends on the token that completes a stop string; nothing from it on is sent.
            stopped = true
            safe = match
        } else {
            // The longest end of the text that starts a stop string may still become one.
            for s in stop {
                for length in stride(from: min(s.count - 1, scalars.count), to: 0, by: -1)
                where scalars[(scalars.count - length)...].elementsEqual(s[..<length]) {
                    safe = min(safe, scalars.count - length)
                    break
                }
            }
        }
        guard safe > sentCount else { return "" }
        let piece = String(String.UnicodeScalarView(scalars[sentCount..<safe]))
        sentCount = safe
        return piece
    }

    /// Where the first stop string that ends after scalar `old` starts, if one does.
    private func firstStop(after old: Int) -> Int? {
        var first: Int?
        for s in stop where scalars.count >= s.count {
            var start = max(0, old - s.count + 1)
            while start + s.count <= scalars.count {
                if scalars[start..<(start + s.count)].elementsEqual(s) {
                    first = min(first ?? start, start)
                    break
                }
                start += 1
            }
        }
        return first
    }

    /// What of the finished answer `final` has not been sent.
    func rest(of final: String) -> String {
        String(String.UnicodeScalarView(final.unicodeScalars.dropFirst(sentCount)))
    }
}
