/// The GGUF tensor names of a llama model (llama.cpp's convention), spelled once for the loader and for the
/// synthetic-model writer.
public enum LlamaTensorName {
    public static let tokenEmbedding = "token_embd.weight"
    public static let outputNorm = "output_norm.weight"
    /// Absent when the output head is tied to the token embedding.
    public static let outputHead = "output.weight"

    /// The tensors of each block, `blk.N.<part>.weight`.
    public enum BlockPart: String, CaseIterable, Sendable {
        case attentionNorm = "attn_norm"
        case query = "attn_q"
        case key = "attn_k"
        case value = "attn_v"
        case attentionOutput = "attn_output"
        case feedForwardNorm = "ffn_norm"
        case gate = "ffn_gate"
        case up = "ffn_up"
        case down = "ffn_down"
    }

    /// `blk.<layer>.<part>.weight`.
    public static func block(_ layer: Int, _ part: BlockPart) -> String { "blk.\(layer).\(part.rawValue).weight" }

    /// Every tensor name a model of `layers` blocks may read (the output head is optional).
    public static func all(layers: Int) -> [String] {
        [tokenEmbedding, outputNorm, outputHead] + (0..<layers).flatMap { l in BlockPart.allCases.map { block(l, $0) } }
    }
}
