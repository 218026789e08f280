import Foundation
import FuzzSupport
import Sequitur
import SequiturTesting

// Fuzzes the JSONL readers of `sequitur score`: a fuzzed file run through `JSONLJob` (line splitting, UTF-8 and
// JSON checks, duplicate ids) with the scoring parser (`ScoringInput`, text split by the tokenizer or token
// ids) or the conversation parser (`ConversationInput`, rendered with the SmolLM2 template), and `--resume`
// repairing a fuzzed output file. The first input byte picks the mode. The model is a stand-in with the
// tokenizer's vocabulary: the readers only ask it for its vocabulary size and context length.
//
// The fifth mode is `sequitur rank --input`'s reader (`RankingInput`, each choice split and checked).

let tokenizer: BPETokenizer = {
    do { return try TinyVocabulary.tokenizer() } catch { fatalError("tiny vocabulary: \(error)") }
}()
// nonisolated(unsafe): the fuzzer calls the target on one thread.
nonisolated(unsafe) let model = PrefixHashLanguageModel(vocabularySize: tokenizer.count, contextLength: 64)
nonisolated(unsafe) let splitter = TextScoringSplitter(encoder: TokenizerTextEncoder(tokenizer))
nonisolated(unsafe) let ranker = MultipleChoiceRanker(scorer: SharedPrefixScorer(), splitter: splitter)
let renderer: ChatTemplateConversationRenderer = {
    do {
        return ChatTemplateConversationRenderer(template: try ChatTemplate(source: smolLM2ChatTemplate), tokenizer: tokenizer,
                                                bosToken: "<|im_start|>", eosToken: "<|im_end|>")
    } catch { fatalError("SmolLM2 template: \(error)") }
}()
/// The job's files. On tmpfs when there is one: the job syncs its output to disk after every batch, which on a
/// disk would make the fuzzer wait on the disk rather than run the code.
let workDirectory: URL = {
    let shared = URL(fileURLWithPath: "/dev/shm")
    let parent = FileManager.default.isWritableFile(atPath: shared.path) ? shared : FileManager.default.temporaryDirectory
    let url = parent.appendingPathComponent("sequitur-fuzz-jsonl-\(getpid())")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(at: workDirectory) }
    return url
}()
let inputFile = workDirectory.appendingPathComponent("input.jsonl")
let outputFile = workDirectory.appendingPathComponent("output.jsonl")
/// A valid request file for the resume mode, whose fuzzed part is the output being resumed.
let resumeInput = Data(#"{"id": "a", "context": "Hello", "continuation": " world"}"#.utf8 + [0x0A]
                       + #"{"id": 2, "context_ids": [5, 6], "continuation_ids": [7]}"#.utf8 + [0x0A])

/// Builds the fixtures before the first input (see `withoutLeakTracking`).
@_cdecl("LLVMFuzzerInitialize")
public func initializeJSONLFixtures(_ argc: UnsafeMutablePointer<CInt>?,
                                    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    withoutLeakTracking { _ = (tokenizer, model, splitter, ranker, renderer, inputFile, outputFile, resumeInput) }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONL(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let payload = Data(input.payload)
    try? FileManager.default.removeItem(at: outputFile)
    switch input.selector % 5 {
    case 0:
        write(payload, to: inputFile)
        _ = try? job(resume: false).run(batchSize: 4, parse: { object, _ in
            let (id, request) = try ScoringInput.parse(object, splitter: splitter, model: model)
            return (id, request)
        }, process: idLines)
    case 1:
        write(payload, to: inputFile)
        _ = try? job(resume: false).run(batchSize: 4, parse: { object, _ in
            try ConversationInput.parse(object, scorer: ConversationScorer(), renderer: renderer, model: model)
        }, process: idLines)
    case 2:
        write(resumeInput, to: inputFile)
        write(payload, to: outputFile)
        _ = try? job(resume: true).run(batchSize: 1, parse: { object, _ in
            (try JSONLFieldReader.id(object), ())
        }, process: idLines)
    case 3:
        _ = try? JSONLJob.Shard(parsing: input.payloadText)
    default:
        write(payload, to: inputFile)
        _ = try? JSONLJob.readItems(of: inputFile) { object, _ in
            try RankingInput.parse(object, ranker: ranker, delimiter: " ", model: model)
        }
    }
    return 0
}

func job(resume: Bool) -> JSONLJob {
    JSONLJob(input: inputFile, output: outputFile, resume: resume, shard: nil)
}

func write(_ data: Data, to url: URL) {
    do { try data.write(to: url) } catch { fatalError("cannot write \(url.path): \(error)") }
}

/// One result line per item, as the real commands write (the job requires a line per item).
func idLines<Request>(_ batch: [JSONLJob.Item<Request>]) -> (lines: [[String: String]], tokens: Int) {
    (batch.map { ["id": $0.id] }, 0)
}
