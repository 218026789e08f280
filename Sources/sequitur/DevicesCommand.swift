import ArgumentParser
import Foundation
import Sequitur
import SequiturOpenCL

/// `sequitur devices`: what `--backend opencl --device N` can choose from.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List OpenCL platforms and devices: type, memory, compute units, work-group size, OpenCL version.",
        discussion: """
            The index in the first column is what --device takes. Without --device the OpenCL backend uses the \
            first GPU, else the first device. With no OpenCL platform installed, the error names the packages \
            to install.
            """
    )

    @Flag(help: "Print a JSON array (one object per device) instead of a table.") var json = false

    func run() throws {
        let devices = try OpenCLBackend.listDevices()
        if json { try printJSON(devices); return }
        var out = ""
        for (platform, members) in groupedByPlatform(devices) {
            out += "platform \(platform)\n"
            for d in members {
                out += "  [\(d.index)] \(d.name)\n"
                out += "      type            \(d.type) (\(d.vendor))\n"
                out += "      memory          \(formatBytes(d.globalMemoryBytes)) global, \(formatBytes(d.localMemoryBytes)) local per work-group, \(formatBytes(d.maxAllocationBytes)) per buffer\n"
                out += "      compute units   \(d.computeUnits)\n"
                out += "      work-group      up to \(d.maxWorkGroupSize) work-items\n"
                out += "      OpenCL          \(d.version); \(d.openCLCVersion)\n"
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    /// Devices under their platform, platforms in the order the loader lists them.
    private func groupedByPlatform(_ devices: [OpenCLDeviceInfo]) -> [(String, [OpenCLDeviceInfo])] {
        var groups: [(String, [OpenCLDeviceInfo])] = []
        for d in devices {
            if let i = groups.firstIndex(where: { $0.0 == d.platform }) { groups[i].1.append(d) } else { groups.append((d.platform, [d])) }
        }
        return groups
    }
}
