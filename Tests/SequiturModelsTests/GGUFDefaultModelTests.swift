import Foundation
import SequiturCore
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import Testing

/// The real default model (SmolLM2-135M-Instruct, Q4_1) reads as gguf-py reads it.
@Suite(.enabled(if: GGUFTestSupport.shouldRunModelTests, "default model not present (set CI to require it)"))
struct GGUFDefaultModelTests {
    @Test func headerMatchesTheModelCard() throws {
        let file = try GGUFFile(contentsOf: try GGUFTestSupport.requireDefaultModel())
        #expect(file.version == 3)
        #expect(file.tensors.count == 272)
        #expect(try file.string("general.architecture") == "llama")
        #expect(try file.int("llama.block_count") == 30)
        #expect(try file.int("llama.embedding_length") == 576)
        #expect(try file.int("llama.attention.head_count") == 9)
        #expect(try file.int("llama.attention.head_count_kv") == 3)
        #expect(try file.stringArray("tokenizer.ggml.tokens").count == 49_152)
        #expect(try file.string("tokenizer.ggml.model") == "gpt2")
        #expect(file.metadataKeys.count == file.metadata.count)
        #expect(file.metadataKeys.first == "general.architecture")

        let embedding = try #require(file.tensor(named: "token_embd.weight"))
        #expect(embedding.dimensions == [576, 49_152])
        let weight = try file.weight(named: "blk.0.attn_q.weight")
        #expect(weight.columns == 576 && weight.rows == 576)
        #expect(weight.bytes.count == weight.rows * weight.rowBytes)

        let summary = GGUFSummary(file)
        #expect(summary.tensorCount == 272)
        #expect(summary.types.map(\.type) == [.q4_1, .q8_0, .f32])
        #expect(summary.types.map(\.tensorCount) == [210, 1, 61])
        #expect(summary.parameterCount > 134_000_000 && summary.parameterCount < 136_000_000)
        #expect(file.dataOffset + summary.tensorByteCount <= file.fileSize)
    }

    /// The committed reference (scripts/reference/gguf_default_model_reference.py): sampled rows bit for bit
    /// and checksums over blocks of rows, for Q8_0, Q4_1 and F32 tensors.
    @Test func dequantisedValuesMatchGGUFPy() throws {
        let file = try GGUFFile(contentsOf: try GGUFTestSupport.requireDefaultModel())
        let url = GGUFTestSupport.fixturesDirectory.appendingPathComponent("default_model_reference.json")
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        #expect(file.version == reference.version)
        #expect(file.tensors.count == reference.tensor_count)
        #expect(file.metadataKeys.count == reference.metadata_count)
        #expect(Array(file.metadataKeys.prefix(reference.first_keys.count)) == reference.first_keys)
        for expected in reference.tensors {
            let info = try file.requireTensor(named: expected.name)
            #expect(info.type.description == expected.type)
            #expect(info.dimensions == expected.dimensions)
            #expect(file.dataOffset + info.offset == expected.data_offset, "\(expected.name)")
            for row in expected.rows {
                let values = try file.dequantizeRows(info, rows: row.row..<(row.row + 1))
                let bits = values.prefix(row.first_bits.count).map { String(format: "%08x", $0.bitPattern) }
                #expect(bits == row.first_bits, "\(expected.name) row \(row.row)")
            }
            let block = expected.checksum
            let values = try file.dequantizeRows(info, rows: block.first_row..<(block.first_row + block.row_count))
            #expect(String(format: "%016llx", Self.fnv1a64(values)) == block.fnv1a64, "\(expected.name) checksum")
        }
    }

    /// FNV-1a 64 over the little-endian bytes of the floats (the reference script computes the same).
    static func fnv1a64(_ values: [Float]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for value in values {
            var bits = value.bitPattern
            for _ in 0..<4 {
                hash = (hash ^ UInt64(bits & 0xFF)) &* 0x0000_0100_0000_01B3
                bits >>= 8
            }
        }
        return hash
    }

    struct Reference: Decodable {
        struct Row: Decodable {
            let row: Int
            let first_bits: [String]
        }
        struct Checksum: Decodable {
            let first_row: Int
            let row_count: Int
            let fnv1a64: String
        }
        struct Tensor: Decodable {
            let name: String
            let type: String
            let dimensions: [Int]
            let data_offset: Int
            let rows: [Row]
            let checksum: Checksum
        }
        let version: Int
        let tensor_count: Int
        let metadata_count: Int
        let first_keys: [String]
        let tensors: [Tensor]
    }
}
