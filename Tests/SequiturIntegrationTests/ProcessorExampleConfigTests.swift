import Foundation
import Sequitur
import SequiturTesting
import Testing

/// Every file in Examples/configs/processors loads, builds its processors, and decodes with them.
@Suite struct ProcessorExampleConfigTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Examples/configs/processors").standardized

    /// One example per standard processor, so a processor registered without an example shows up here.
    @Test func oneFilePerStandardProcessor() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".yaml") }
        let names = files.map { String($0.dropLast(".yaml".count)) }
        #expect(Set(names) == Set(ProcessorRegistry.standard.names), "files: \(files.sorted())")
    }

    @Test(arguments: ProcessorRegistry.standard.names)
    func exampleConfigurationDecodes(name: String) throws {
        let configuration = try ConfigurationLoader.load(file: Self.folder.appendingPathComponent("\(name).yaml").path)
        #expect(configuration.processors.contains { $0.name == name })
        let processors = try ProcessorRegistry.standard.make(configuration.processors)
        // The examples name SmolLM2's token ids, so the toy model has its vocabulary size.
        let model = PrefixHashLanguageModel(vocabularySize: 49_152, contextLength: 128, seed: 3)
        var stop = configuration.stop
        stop.maxNewTokens = min(stop.maxNewTokens, 3)
        let request = DecodingRequest(prompt: [0, 1], stop: stop, processors: processors)
        let decoder = try DecoderRegistry.standard.make(configuration.decoder)
        guard !processors.contains(where: { $0 is GrammarProcessor }) else {
            // The toy vocabulary's letters spell none of the examples' sentences within 3 tokens: the decoders
            // must say so (a finish reason, or exhaustive search's proof), never return an unmarked output.
            do {
                let result = try decoder.decode(request, model: model)
                #expect(!result.hypotheses.isEmpty)
                for h in result.hypotheses { #expect([.noAllowedToken, .incomplete].contains(h.finishReason), "\(h)") }
            } catch let DecodingError.noAdmissibleOutput(maxNewTokens, _) {
                #expect(maxNewTokens == 3)
            }
            return
        }
        let result = try decoder.decode(request, model: model)
        #expect(!result.hypotheses.isEmpty)
    }
}
