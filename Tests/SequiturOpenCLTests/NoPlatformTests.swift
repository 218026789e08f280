import Foundation
import Testing

/// `sequitur` in the build directory of the running test binary (Linux: beside it; macOS: three levels up
/// from inside the .xctest bundle).
var sequiturBinary: URL? {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("sequitur")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    return nil
}

/// What a user without any OpenCL driver sees. The ICD loader reads its platform list once per process, so the
/// check runs the `sequitur` binary (built beside the tests) in a child process whose loader is pointed at an
/// empty vendor directory (`OCL_ICD_VENDORS`).
@Suite(.enabled(if: sequiturBinary != nil || ProcessInfo.processInfo.environment["CI"] != nil,
                "the sequitur executable is not built beside the tests (swift build --build-tests builds it)"))
struct NoPlatformTests {
    @Test("with no OpenCL platform, `devices` and `check-kernels` fail and name the packages to install",
          arguments: [["devices"], ["check-kernels"]])
    func missingPlatformNamesPackages(_ arguments: [String]) throws {
        let binary = try #require(sequiturBinary, "sequitur is not built beside the test binary")
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("sequitur-no-icd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }

        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OCL_ICD_VENDORS"] = empty.path
        environment["OCL_ICD_FILENAMES"] = nil
        process.environment = environment
        let errors = Pipe(), output = Pipe()
        process.standardError = errors
        process.standardOutput = output
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        _ = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()

        #expect(process.terminationStatus != 0, "sequitur \(arguments) succeeded without an OpenCL platform")
        #expect(message.contains("no OpenCL platform"), "stderr: \(message)")
        for package in ["ocl-icd-opencl-dev", "opencl-headers", "pocl-opencl-icd"] {
            #expect(message.contains(package), "stderr does not name \(package): \(message)")
        }
    }
}
