// Build-tool plugin: embeds every Kernels/*.cl file into the target as Swift string constants
// (`EmbeddedKernels.sources`), so programs are built from sources compiled into the binary.
import Foundation
import PackagePlugin

@main
struct EmbedKernels: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let kernelsDirectory = context.package.directoryURL.appending(path: "Kernels")
        let files = (try? FileManager.default.contentsOfDirectory(at: kernelsDirectory, includingPropertiesForKeys: nil)) ?? []
        let sources = files.filter { $0.pathExtension == "cl" }.sorted { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedKernels.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(sources.count) OpenCL kernel sources",
                executable: try context.tool(named: "KernelEmbedder").url,
                arguments: [output.path] + sources.map(\.path),
                inputFiles: sources,
                outputFiles: [output]
            )
        ]
    }
}
