import Foundation
import Sequitur
import SequiturTesting
import Testing

/// Every file in Examples/configs loads, names a registered decoder with valid parameters, and decodes.
@Suite struct ExampleConfigTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Examples/configs").standardized

    /// One example per standard decoder, so a decoder added to the registry without an example shows up here.
    @Test func oneFilePerStandardDecoder() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".yaml") }
        let names = files.map { String($0.dropLast(".yaml".count)) }
        #expect(Set(names) == Set(DecoderRegistry.standard.all.map(\.name)), "files: \(files.sorted())")
    }

    @Test(arguments: ["greedy", "beam", "exhaustive", "sampling", "best-first-beam", "diverse-beam", "stochastic-beam", "mbr", "speculative"])
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
