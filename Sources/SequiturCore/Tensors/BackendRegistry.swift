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

/// Backends by name, the way ggml's `ggml_backend_reg_by_name` finds them: a configuration names a backend
/// ("cpu", "opencl") and the registry builds it. Nothing else in Sequitur switches on backend names, so a
/// backend written in another package plugs in by registering an entry:
///
/// ```swift
/// var backends = BackendRegistry.standard                 // from `import Sequitur`: cpu
/// backends.register(OpenCLBackend.registryEntry)          // from `import SequiturOpenCL`
/// backends.register(BackendRegistry.Entry(name: "mine", summary: "…") { options in try MyBackend(options) })
/// let runtime = try ModelRuntime(configuration: configuration, backends: backends)
/// ```
///
/// A value type, like `DecoderRegistry`: registering into a copy never changes what another caller sees.
public struct BackendRegistry: Sendable {
    public typealias Factory = @Sendable (BackendOptions) throws -> any Backend

    /// One registered backend.
    public struct Entry: Sendable {
        public let name: String
        /// One line for `--help` and listings.
        public let summary: String
        public let factory: Factory

        public init(name: String, summary: String, factory: @escaping Factory) {
            self.name = name
            self.summary = summary
            self.factory = factory
        }
    }

    private var entries: [String: Entry] = [:]

    /// An empty registry.
    public init() {}

    /// A registry holding `entries`.
    public init(_ entries: [Entry]) {
        for e in entries { register(e) }
    }

    /// Adds (or replaces) the backend called `entry.name`.
    public mutating func register(_ entry: Entry) { entries[entry.name] = entry }

    /// Registered names, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// Registered backends, sorted by name.
    public var all: [Entry] { entries.values.sorted { $0.name < $1.name } }

    /// The backend called `name`, or an error naming the `backend` field and every registered name.
    public func entry(named name: String) throws -> Entry {
        guard let e = entries[name] else { throw ConfigurationError.unknownName(path: "backend", name: name, valid: names) }
        return e
    }

    /// Builds the backend called `name`. A thread count below one is refused here, once for every backend.
    public func make(_ name: String, options: BackendOptions = BackendOptions()) throws -> any Backend {
        let e = try entry(named: name)
        if let threads = options.threads, threads < 1 {
            throw ConfigurationError.invalidValue(path: "threads", message: "must be at least 1, got \(threads)")
        }
        return try e.factory(options)
    }
}
