/// What a registry holds: a plugin known by a unique name, with one line for listings and `--help`.
public protocol NamedPlugin: Sendable {
    var name: String { get }
    var summary: String { get }
}

/// A plugin that is a name, a summary and a factory: what backends and architectures register.
public struct Plugin<Factory: Sendable>: NamedPlugin {
    public let name: String
    /// One line for `--help` and listings.
    public let summary: String
    /// Builds what the plugin provides.
    public let factory: Factory

    public init(name: String, summary: String, factory: Factory) {
        self.name = name
        self.summary = summary
        self.factory = factory
    }
}

/// Plugins by name: the one lookup table behind the backend, architecture and decoder registries. A value type, so registering into a copy never changes what another caller
/// sees, and a registry can cross concurrency domains.
public struct PluginRegistry<Plugin: NamedPlugin>: Sendable {
    private var plugins: [String: Plugin] = [:]

    /// An empty registry.
    public init() {}

    /// A registry holding `plugins` (a later one replaces an earlier one of the same name).
    public init(_ plugins: [Plugin]) {
        for p in plugins { register(p) }
    }

    /// Adds (or replaces) the plugin called `plugin.name`.
    public mutating func register(_ plugin: Plugin) { plugins[plugin.name] = plugin }

    /// Registered names, sorted.
    public var names: [String] { plugins.keys.sorted() }

    /// Registered plugins, sorted by name.
    public var all: [Plugin] { plugins.values.sorted { $0.name < $1.name } }

    /// The plugin called `name`, if registered.
    public subscript(name: String) -> Plugin? { plugins[name] }
}
