extension BackendRegistry {
    /// The backends `import Sequitur` links: the CPU reference. The OpenCL backend is its own product; add
    /// `OpenCLBackend.plugin` (from `import SequiturOpenCL`) to run on OpenCL devices.
    public static var standard: BackendRegistry { BackendRegistry([CPUBackend.plugin]) }
}
