/// What a configuration says about the backend beyond its name; each backend reads what applies to it.
public struct BackendOptions: Sendable, Hashable {
    /// CPU threads; nil means all cores.
    public var threads: Int?
    /// Device index, for backends with several devices (`sequitur devices` order); nil means the backend's pick.
    public var device: Int?

    public init(threads: Int? = nil, device: Int? = nil) {
        self.threads = threads
        self.device = device
    }
}

/// A backend by name, and how to build it from the configuration's options.
public typealias BackendPlugin = Plugin<@Sendable (BackendOptions) throws -> any Backend>

/// Backends by name, the way ggml's `ggml_backend_reg_by_name` finds them: a configuration names a backend
/// ("cpu", "opencl") and the registry builds it. Nothing else in Sequitur switches on backend names, so a
/// backend written in another package plugs in by registering a plugin:
///
/// ```swift
/// var backends = BackendRegistry.standard                 // from `import Sequitur`: cpu
/// backends.register(OpenCLBackend.plugin)                 // from `import SequiturOpenCL`
/// backends.register(BackendPlugin(name: "mine", summary: "…") { options in try MyBackend(options) })
/// let runtime = try ModelRuntime(configuration: configuration, backends: backends)
/// ```
public typealias BackendRegistry = PluginRegistry<BackendPlugin>

extension PluginRegistry where Plugin == BackendPlugin {
    /// The backend called `name`, or an error naming the `backend` field and every registered name.
    public func plugin(named name: String) throws -> BackendPlugin {
        guard let p = self[name] else { throw ConfigurationError.unknownName(path: "backend", name: name, valid: names) }
        return p
    }

    /// Builds the backend called `name`. A thread count below one is refused here, once for every backend.
    public func make(_ name: String, options: BackendOptions = BackendOptions()) throws -> any Backend {
        let p = try plugin(named: name)
        if let threads = options.threads, threads < 1 {
            throw ConfigurationError.invalidValue(path: "threads", message: "must be at least 1, got \(threads)")
        }
        return try p.factory(options)
    }
}
