/// A token id: an index into the model's vocabulary.
///
/// `Int32` because that is what GGUF stores, what GPU kernels index with, and it halves the memory of
/// long token lists compared with `Int`.
public typealias TokenID = Int32
