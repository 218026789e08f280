import SequiturCore

extension CPUBackend {
    /// "cpu": the reference backend, on `options.threads` threads (all cores when nil).
    public static let plugin = BackendPlugin(
        name: "cpu", summary: "the reference backend: float32 activations, AVX2/FMA where the CPU has them"
    ) { options in
        CPUBackend(threads: options.threads)
    }
}
