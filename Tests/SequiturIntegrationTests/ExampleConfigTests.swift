import Foundation
import Sequitur
import SequiturTesting
import Testing

/// Every file in Examples/configs loads, names a registered decoder with valid parameters, and decodes.
@Suite struct ExampleConfigTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Examples/configs").standardized

    @Test(arguments: ["greedy", "beam", "exhaustive", "sampling"])
    func exampleConfigurationDecodes(name: String) throws {
        let path = Self.folder.appendingPathComponent("\(name).yaml").path
        let configuration = try ConfigurationLoader.load(file: path)
        #expect(configuration.decoder.name == name)
        let decoder = try DecoderRegistry.standard.make(configuration.decoder)
        let model = RandomLanguageModel(seed: 3, vocabularySize: 6, contextLength: 128)
        var stop = configuration.stop
        stop.maxNewTokens = min(stop.maxNewTokens, 4)
        let result = try decoder.decode(DecodingRequest(prompt: [0, 1], stop: stop), model: model)
        #expect(!result.hypotheses.isEmpty)
        #expect(result.hypotheses.allSatisfy { !$0.tokens.isEmpty && $0.tokens.count <= 4 })
    }
}
