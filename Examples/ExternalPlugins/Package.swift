// swift-tools-version: 6.0
// An application outside the Sequitur package that registers its own model architecture and its own backend
// through the library's registries, and runs them through the same runtime, decoders and scorers.
import PackageDescription

let package = Package(
    name: "ExternalPlugins",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "Sequitur", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "ExternalPlugins",
            dependencies: [.product(name: "Sequitur", package: "Sequitur")]
        ),
    ]
)
