import Foundation
import SequiturCore

extension CPUBackend {
    /// "cpu": the reference backend, on `options.threads` threads (all cores when nil), with the widest kernels
    /// the CPU runs. `SEQUITUR_CPU_KERNELS=portable|avx2|avx512` caps the kernel path (the results are the same
    /// on every path; `sequitur bench` under each shows what the wider one buys).
    public static let plugin = BackendPlugin(
        name: "cpu", summary: "the reference backend: float32 activations, AVX-512 or AVX2/FMA kernels where the CPU has them"
    ) { options in
        CPUBackend(threads: options.threads, kernels: try kernelCap(ProcessInfo.processInfo.environment))
    }

    static let kernelVariable = "SEQUITUR_CPU_KERNELS"

    /// The path `SEQUITUR_CPU_KERNELS` names, or the widest when it is unset or empty.
    static func kernelCap(_ environment: [String: String]) throws -> CPUKernelPath {
        guard let value = environment[kernelVariable], !value.isEmpty else { return .widestSupported }
        guard let path = CPUKernelPath(name: value) else {
            throw ConfigurationError.unknownName(path: kernelVariable, name: value, valid: CPUKernelPath.allCases.map(\.description))
        }
        return path
    }
}
