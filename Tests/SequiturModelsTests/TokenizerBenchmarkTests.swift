import Foundation
import SequiturModels
import Testing

/// Opt-in (SEQUITUR_BENCH=1): encode throughput of the default model's tokenizer on 1 MB of mixed text.
/// Prints the figure; asserts only that the text round-trips, since timings depend on the machine.
/// Run: `SEQUITUR_BENCH=1 swift test -c release --skip-build --filter TokenizerBenchmarkTests`
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SEQUITUR_BENCH"] == "1", "set SEQUITUR_BENCH=1 to run"))
struct TokenizerBenchmarkTests {
    @Test func encodeThroughputOnOneMegabyteOfMixedText() throws {
        // A tokenizer of its own, so that the first measurement starts with an empty pre-token cache.
        let tokenizer = try BPETokenizer(gguf: GGUFFile(contentsOf: GGUFTestSupport.requireDefaultModel()))
        let text = TokenizerBenchmark.mixedText(byteCount: 1_000_000)
        let cold = TokenizerBenchmark.encodeThroughput(tokenizer: tokenizer, text: text)
        let warm = TokenizerBenchmark.encodeThroughput(tokenizer: tokenizer, text: text)
        func megabytes(_ rate: Double) -> String { String(format: "%.2f MB/s", rate / 1e6) }
        print("tokenizer encode throughput on \(text.utf8.count) bytes of mixed text: \(megabytes(cold.bytesPerSecond)) "
              + "with an empty cache, \(megabytes(warm.bytesPerSecond)) warm; \(cold.tokens) tokens")
        #expect(cold.tokens == warm.tokens && cold.tokens > 0)
        #expect(Array(tokenizer.decode(tokenizer.encode(text)).utf8) == Array(text.utf8))
    }
}
