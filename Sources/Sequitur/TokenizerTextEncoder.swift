import SequiturCore
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import SequiturScoring

/// The BPE tokenizer as text scoring sees it: special tokens written in the text are matched (as transformers'
/// tokenizers do by default, and so lm-evaluation-harness), and no BOS is added — the scorer adds its own prefix
/// token where a context is empty.
public struct TokenizerTextEncoder: TextEncoder {
    public let tokenizer: BPETokenizer

    public init(_ tokenizer: BPETokenizer) { self.tokenizer = tokenizer }

    public func encode(_ text: String) throws -> [TokenID] {
        tokenizer.encode(text, parseSpecial: true, addBOS: false)
    }
}
