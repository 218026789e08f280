import SequiturCore

/// Turns text into token ids, without special tokens (no BOS added).
///
/// The one thing text scoring needs from a tokenizer; the BPE tokenizer conforms to it, and tests use tiny
/// encoders, so scoring does not depend on any particular tokenizer.
public protocol TextEncoder {
    func encode(_ text: String) throws -> [TokenID]
}
