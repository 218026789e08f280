import Foundation
import SequiturCore
import SequiturCPU
import Testing

/// The backend's dequantisation equals gguf-py's (what transformers multiplies by) bit for bit, on blocks
/// written by `scripts/reference/make_dequantization_fixtures.py`.
@Suite struct DequantizationFixtureTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let type: String
            let elements: Int
            let bytesHex: String
            let valueBits: [UInt32]
        }
        let cases: [Case]
    }

    static func load() throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/dequantization/ggufpy_blocks.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8).map { $0 <= 57 ? $0 - 48 : $0 - 87 }
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    @Test(arguments: [true, false])
    func embedMatchesGGUFPy(simd: Bool) throws {
        let fixture = try Self.load()
        #expect(fixture.cases.count == 12)
        let backend = CPUBackend(threads: 1, kernels: simd ? .widestSupported : .portable)
        for c in fixture.cases {
            let type = try #require(TensorType.allCases.first { $0.description == c.type }, "unknown type \(c.type)")
            // One table row of all the elements; embed dequantises it.
            let weight = WeightTensor(name: c.type, type: type, rows: 2, columns: c.elements / 2,
                                      copying: Self.bytes(hex: c.bytesHex))
            let table = try backend.upload(weight)
            let out = try poisoned(backend, rows: 2, columns: c.elements / 2)
            try backend.embed(tokens: [0, 1], table: table, into: out)
            let got = try backend.read(out).map(\.bitPattern)
            #expect(got == c.valueBits, "\(c.type) simd=\(simd): first difference at \(got.indices.first { got[$0] != c.valueBits[$0] } ?? -1)")
        }
    }
}
