import CSequiturKernels

/// Which C kernels the CPU backend runs. Every path gives bitwise the same results (the kernels share one
/// reduction order; the tests compare them on every path the machine has), so the path changes speed only.
public enum CPUKernelPath: Int, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// Plain C, for any CPU.
    case portable = 0
    /// AVX2, FMA and F16C.
    case avx2 = 1
    /// AVX-512 F/DQ/BW/VL for matmul and attention (two outputs per register), log-softmax, dequantisation
    /// and the limits loops; AVX2 for norms, RoPE and SiLU.
    case avx512 = 2

    /// The widest path this CPU and its operating system run.
    public static let widestSupported = CPUKernelPath(rawValue: Int(sq_cpu_kernel_level())) ?? .portable

    /// Every path this machine can run, narrowest first.
    public static var supported: [CPUKernelPath] { allCases.filter { $0 <= widestSupported } }

    public init?(name: String) {
        guard let path = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = path
    }

    public var description: String {
        switch self {
        case .portable: "portable"
        case .avx2: "avx2"
        case .avx512: "avx512"
        }
    }

    public static func < (a: CPUKernelPath, b: CPUKernelPath) -> Bool { a.rawValue < b.rawValue }
}
