import SequiturCore

extension OpenCLBackend {
    /// "opencl": device `options.device` of `listDevices()`, by default the first GPU, else the first device.
    /// Not in `BackendRegistry.standard`, because `import Sequitur` does not link OpenCL: register it.
    public static let plugin = BackendPlugin(
        name: "opencl", summary: "OpenCL 1.2 devices through the system ICD loader (--device picks one)"
    ) { options in
        try OpenCLBackend(deviceIndex: options.device)
    }
}
