// swift-tools-version: 6.0
// An application outside the Sequitur package that plugs in its own decoder through the library API.
import PackageDescription

let package = Package(
    name: "ExternalDecoder",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "Sequitur", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "ExternalDecoder",
            dependencies: [
                .product(name: "Sequitur", package: "Sequitur"),
                .product(name: "SequiturTesting", package: "Sequitur"),
            ]
        ),
    ]
)
