import COpenCL

/// What `sequitur devices` shows about one OpenCL device.
public struct OpenCLDeviceInfo: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Position in `OpenCLBackend.listDevices()`, the index `OpenCLBackend(deviceIndex:)` takes.
    public var index: Int
    public var platform: String
    public var name: String
    public var vendor: String
    /// `CL_DEVICE_VERSION` ("OpenCL 3.0 PoCL ...").
    public var version: String
    /// `CL_DEVICE_OPENCL_C_VERSION` ("OpenCL C 1.2 ...").
    public var openCLCVersion: String
    /// `CL_DEVICE_TYPE` in words: "GPU", "CPU", "accelerator" or "other".
    public var type: String
    public var isGPU: Bool { type == "GPU" }
    public var globalMemoryBytes: Int
    public var localMemoryBytes: Int
    public var computeUnits: Int
    public var maxWorkGroupSize: Int
    public var maxAllocationBytes: Int

    public var description: String {
        let gib = Double(globalMemoryBytes) / Double(1 << 30)
        return "[\(index)] \(type) \(name) (\(vendor); \(platform)) \(version), \(openCLCVersion), "
            + "\(computeUnits) compute units, \(String(format: "%.1f", gib)) GiB global, "
            + "\(localMemoryBytes / 1024) KiB local, work-groups up to \(maxWorkGroupSize)"
    }
}

/// One device found by enumeration, with the raw handles needed to open it.
struct OpenCLDeviceHandle {
    let platform: cl_platform_id
    let device: cl_device_id
    let info: OpenCLDeviceInfo
}

/// Enumerates platforms and devices through the ICD loader.
enum OpenCLDiscovery {
    static func devices() throws -> [OpenCLDeviceHandle] {
        var platformCount: cl_uint = 0
        let status = clGetPlatformIDs(0, nil, &platformCount)
        // The ICD loader answers CL_PLATFORM_NOT_FOUND_KHR (-1001) when no driver is registered.
        guard status == CL_SUCCESS, platformCount > 0 else { throw OpenCLError.noPlatform(code: status) }
        var platforms = [cl_platform_id?](repeating: nil, count: Int(platformCount))
        try clCheck(clGetPlatformIDs(platformCount, &platforms, nil), "clGetPlatformIDs")
        var result: [OpenCLDeviceHandle] = []
        for case let platform? in platforms {
            let platformName = try platformString(platform, cl_platform_info(CL_PLATFORM_NAME))
            var deviceCount: cl_uint = 0
            let found = clGetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), 0, nil, &deviceCount)
            if found == CL_DEVICE_NOT_FOUND || deviceCount == 0 { continue }
            try clCheck(found, "clGetDeviceIDs", "platform \(platformName)")
            var devices = [cl_device_id?](repeating: nil, count: Int(deviceCount))
            try clCheck(clGetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), deviceCount, &devices, nil),
                        "clGetDeviceIDs", "platform \(platformName)")
            for case let device? in devices {
                let type: cl_device_type = try deviceValue(device, CL_DEVICE_TYPE)
                let info = OpenCLDeviceInfo(
                    index: result.count,
                    platform: platformName,
                    name: try deviceString(device, CL_DEVICE_NAME),
                    vendor: try deviceString(device, CL_DEVICE_VENDOR),
                    version: try deviceString(device, CL_DEVICE_VERSION),
                    openCLCVersion: try deviceString(device, CL_DEVICE_OPENCL_C_VERSION),
                    type: typeName(type),
                    globalMemoryBytes: Int(try deviceValue(device, CL_DEVICE_GLOBAL_MEM_SIZE) as cl_ulong),
                    localMemoryBytes: Int(try deviceValue(device, CL_DEVICE_LOCAL_MEM_SIZE) as cl_ulong),
                    computeUnits: Int(try deviceValue(device, CL_DEVICE_MAX_COMPUTE_UNITS) as cl_uint),
                    maxWorkGroupSize: Int(try deviceValue(device, CL_DEVICE_MAX_WORK_GROUP_SIZE) as Int),
                    maxAllocationBytes: Int(try deviceValue(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE) as cl_ulong))
                result.append(OpenCLDeviceHandle(platform: platform, device: device, info: info))
            }
        }
        return result
    }

    /// The device `index` names, or by default the first GPU, else the first device.
    static func device(index: Int?) throws -> OpenCLDeviceHandle {
        let all = try devices()
        guard !all.isEmpty else { throw OpenCLError.noPlatform(code: CL_DEVICE_NOT_FOUND) }
        if let index {
            guard all.indices.contains(index) else { throw OpenCLError.noSuchDevice(index: index, available: all.count) }
            return all[index]
        }
        return all.first(where: { $0.info.isGPU }) ?? all[0]
    }

    /// The device type in words; a device that claims several types is named by the first that matches.
    private static func typeName(_ type: cl_device_type) -> String {
        if type & cl_device_type(CL_DEVICE_TYPE_GPU) != 0 { return "GPU" }
        if type & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 { return "CPU" }
        if type & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 { return "accelerator" }
        return "other"
    }

    private static func platformString(_ platform: cl_platform_id, _ parameter: cl_platform_info) throws -> String {
        var size = 0
        try clCheck(clGetPlatformInfo(platform, parameter, 0, nil, &size), "clGetPlatformInfo")
        var bytes = [CChar](repeating: 0, count: max(size, 1))
        try clCheck(clGetPlatformInfo(platform, parameter, size, &bytes, nil), "clGetPlatformInfo")
        return trimmed(bytes)
    }

    private static func deviceString(_ device: cl_device_id, _ parameter: Int32) throws -> String {
        var size = 0
        try clCheck(clGetDeviceInfo(device, cl_device_info(parameter), 0, nil, &size), "clGetDeviceInfo")
        var bytes = [CChar](repeating: 0, count: max(size, 1))
        try clCheck(clGetDeviceInfo(device, cl_device_info(parameter), size, &bytes, nil), "clGetDeviceInfo")
        return trimmed(bytes)
    }

    private static func deviceValue<T: FixedWidthInteger>(_ device: cl_device_id, _ parameter: Int32) throws -> T {
        var value: T = 0
        try clCheck(clGetDeviceInfo(device, cl_device_info(parameter), MemoryLayout<T>.size, &value, nil), "clGetDeviceInfo")
        return value
    }

    private static func trimmed(_ bytes: [CChar]) -> String {
        let text = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.trimmingCharacters(in: .whitespaces)
    }
}
