import COpenCL
import Foundation

/// A context and in-order command queue on one device, shared by every backend on that device in this
/// process, together with the programs built for it (each source/option combination compiles once).
///
/// `@unchecked Sendable`: the OpenCL API is thread-safe for contexts, queues, buffers and programs (1.2
/// appendix A.2); the mutable program cache is guarded by `lock`. Kernel objects, whose arguments are not
/// thread-safe, are never shared: each backend creates its own.
final class OpenCLContext: @unchecked Sendable {
    let device: cl_device_id
    let info: OpenCLDeviceInfo
    let context: cl_context
    let queue: cl_command_queue

    private let lock = NSLock()
    private var programs: [String: cl_program] = [:]

    private nonisolated(unsafe) static var shared: [Int: OpenCLContext] = [:]
    private static let sharedLock = NSLock()

    /// The process-wide context of the device `index` picks (see `OpenCLDiscovery.device(index:)`).
    static func shared(deviceIndex: Int?) throws -> OpenCLContext {
        let handle = try OpenCLDiscovery.device(index: deviceIndex)
        sharedLock.lock()
        defer { sharedLock.unlock() }
        if let existing = shared[handle.info.index] { return existing }
        let created = try OpenCLContext(handle)
        shared[handle.info.index] = created
        return created
    }

    private init(_ handle: OpenCLDeviceHandle) throws {
        device = handle.device
        info = handle.info
        var status: cl_int = 0
        var devices: [cl_device_id?] = [handle.device]
        guard let context = clCreateContext(nil, 1, &devices, nil, nil, &status), status == CL_SUCCESS else {
            throw OpenCLError.call(function: "clCreateContext", code: status, detail: info.name)
        }
        guard let queue = clCreateCommandQueue(context, handle.device, 0, &status), status == CL_SUCCESS else {
            clReleaseContext(context)
            throw OpenCLError.call(function: "clCreateCommandQueue", code: status, detail: info.name)
        }
        self.context = context
        self.queue = queue
    }

    /// The program made of `sources` (embedded `Kernels/` file names, concatenated in order) built with
    /// `options`, compiled on first use.
    func program(sources: [String], options: String) throws -> cl_program {
        let key = sources.joined(separator: "+") + "|" + options
        lock.lock()
        defer { lock.unlock() }
        if let built = programs[key] { return built }
        let text = try sources.map { name -> String in
            guard let source = EmbeddedKernels.sources[name] else { throw OpenCLError.missingKernelSource(name) }
            return "// ---- \(name).cl\n" + source
        }.joined(separator: "\n")
        var status: cl_int = 0
        let program: cl_program? = text.withCString { pointer in
            var strings: [UnsafePointer<CChar>?] = [pointer]
            return clCreateProgramWithSource(context, 1, &strings, nil, &status)
        }
        guard let program, status == CL_SUCCESS else {
            throw OpenCLError.call(function: "clCreateProgramWithSource", code: status, detail: key)
        }
        var devices: [cl_device_id?] = [device]
        let built = clBuildProgram(program, 1, &devices, options, nil, nil)
        if built != CL_SUCCESS {
            let log = buildLog(program)
            clReleaseProgram(program)
            if built == CL_BUILD_PROGRAM_FAILURE {
                throw OpenCLError.buildFailed(program: sources.joined(separator: "+"), options: options, device: info.name, log: log)
            }
            throw OpenCLError.call(function: "clBuildProgram", code: built, detail: "\(key)\n\(log)")
        }
        programs[key] = program
        return program
    }

    private func buildLog(_ program: cl_program) -> String {
        var size = 0
        let parameter = cl_program_build_info(CL_PROGRAM_BUILD_LOG)
        guard clGetProgramBuildInfo(program, device, parameter, 0, nil, &size) == CL_SUCCESS, size > 0 else { return "(no build log)" }
        var bytes = [CChar](repeating: 0, count: size)
        guard clGetProgramBuildInfo(program, device, parameter, size, &bytes, nil) == CL_SUCCESS else { return "(no build log)" }
        return String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Waits for every command queued so far.
    func finish() throws {
        try clCheck(clFinish(queue), "clFinish")
    }
}
