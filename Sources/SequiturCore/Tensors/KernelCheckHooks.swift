/// What a backend offers a kernel check beyond `Backend`, so that the same check (`sequitur check-kernels`)
/// serves every backend against the CPU reference, as llama.cpp's `test-backend-ops` does for ggml backends.
///
/// Both hooks exist because a check must be able to fail: a backend with two kernels for one op must have each
/// compared (they must agree bitwise, or batch invariance breaks when the choice flips with the batch size),
/// and a cache slot a kernel forgets to write must read as NaN, not as a zero that looks plausible.
/// A backend without the hooks is still checked; only those two comparisons are weaker.
public protocol KernelCheckHooks: Backend {
    /// Names of the matmul kernels this backend can be made to use (e.g. "tiled", "matrix-vector"); empty when
    /// it has one. Every one must give bitwise the same result.
    var matmulVariants: [String] { get }
    /// Runs `body` with every matmul forced onto `variant`, then restores the backend's own choice.
    func withMatmulVariant<T>(_ variant: String, _ body: () throws -> T) throws -> T
    /// Writes `value` into every slot of blocks `blocks` in every layer of `cache`, keys and values.
    func fillKVBlocks(_ cache: KVCacheStorage, blocks: Range<Int>, with value: Float) throws
}
