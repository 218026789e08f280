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
        let result = try DecoderRegistry.standard.make(configuration.decoder)
            .decode(DecodingRequest(prompt: [0, 1], stop: stop, processors: processors), model: model)
        #expect(!result.hypotheses.isEmpty)
    }
}
