import ArgumentParser
import Foundation
import Sequitur
import SequiturDiagnostics

/// `sequitur check-kernels`: every op of a backend (OpenCL unless told otherwise) against the CPU reference on
/// this machine's device, from the binary alone (no toolchain or test files), which is how a GPU machine is
/// checked. The check is written against `Backend`, so any registered backend can be checked.
struct CheckKernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-kernels",
        abstract: "Run every kernel of a backend against the CPU reference on random inputs and report the errors.",
        discussion: """
            Each check runs a kernel and the CPU backend on the same random inputs of awkward sizes (the checked \
            backend's output poisoned with NaN first) and compares: matmul with F32, F16, Q8_0, Q4_0 and Q4_1 weights on \
            every matmul kernel a backend has (OpenCL: tiled and matrix-vector), attention over the block KV cache, RMSNorm, RoPE, \
            SiLU·mul, add, the embedding and row gathers, KV cache growth and block copies, the fused \
            log-softmax over 49,152 columns, and batch invariance. Exits with status 1 when any check fails.
            """
    )

    @Option(help: ArgumentHelp("The backend to check (default: opencl).", valueName: "name"))
    var backend: BackendName?

    @Option(help: ArgumentHelp("Device index from `sequitur devices` (default: the first GPU, else the first device).", valueName: "n"))
    var device: Int?

    @Option(help: "Seed of the random inputs; the same seed gives the same inputs on every machine.")
    var seed: UInt64 = 0x5EC0_17E5

    @Flag(help: "Print the report as one JSON object instead of a table.") var json = false

    func run() throws {
        let checked = try CommandLineRegistries.backends.make(backend?.name ?? "opencl", options: BackendOptions(device: device))
        let report = try KernelCheck.run(checked, seed: seed)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            // A NaN output makes a max error infinite; JSON has no infinity, so it is written as a string.
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            FileHandle.standardOutput.write(try encoder.encode(report) + Data("\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(table(report).utf8))
        }
        if !report.allPassed { throw ExitCode.failure }
    }

    private func table(_ report: KernelCheckReport) -> String {
        let opWidth = max(9, report.results.map(\.operation.count).max() ?? 0)
        let shapeWidth = max(5, report.results.map(\.shape.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s.padding(toLength: n, withPad: " ", startingAt: 0) }
        var out = "kernel check on \(report.device)\n\n"
        out += "\(pad("operation", opWidth))  \(pad("shape", shapeWidth))  result  \("max error".leftPad(11))  \("allowed".leftPad(11))\n"
        for r in report.results {
            out += "\(pad(r.operation, opWidth))  \(pad(r.shape, shapeWidth))  \(r.passed ? "pass  " : "FAIL  ")  "
            out += "\(String(format: "%.3e", r.maxError).leftPad(11))  \(String(format: "%.3e", r.allowedError).leftPad(11))\n"
            for problem in r.problems { out += "    \(problem)\n" }
        }
        let passed = report.results.filter(\.passed).count
        out += "\n\(passed)/\(report.results.count) checks passed\n"
        return out
    }
}
