import SequiturCore
import SequiturGGUF

/// The llama entry of the architecture registry: Llama 2 style files (and the SmolLM2 default model).
public enum LlamaArchitecture {
    public static let plugin = ArchitecturePlugin(
        name: "llama", summary: "RMSNorm, RoPE, grouped-query attention, SwiGLU (Llama 2 style files such as SmolLM2)"
    ) { file, backend, vocabulary in
        try LlamaModel(file: file, backend: backend, vocabulary: vocabulary)
    }
}
