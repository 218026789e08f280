import Foundation
import Sequitur
import SequiturDiagnostics
import SequiturOpenCL
import Testing

/// Every architecture family's committed reference (`Tests/Fixtures/families`) on the OpenCL backend: the same
/// 2e-3 bound against transformers and the same greedy tokens as the CPU reference is held to.
@Suite(.serialized, .enabled(if: openCLTestsEnabled, "no OpenCL platform (install ocl-icd-opencl-dev opencl-headers pocl-opencl-icd)"))
struct OpenCLFamilyReferenceTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/families")

    @Test func everyFamilyAndTypeMatchesTransformers() throws {
        let references = try FamilyReference.all(in: Self.directory)
        #expect(references.count >= 3)
        let backend = try OpenCLBackend()
        for family in references {
            for reference in family.cases {
                let result = try FamilyReferenceComparison.measure(reference, family: family.family,
                                                                   directory: Self.directory, backend: backend)
                print("family reference: \(result)")
                #expect(result.maxLogProbError <= 2e-3, "\(result)")
                #expect(result.greedyMatches, "\(result)")
            }
        }
    }
}
