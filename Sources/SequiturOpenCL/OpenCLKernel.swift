import COpenCL

/// One argument of a kernel launch.
enum KernelArgument {
    case buffer(OpenCLBuffer)
    case int32(Int32)
    case uint64(UInt64)
    case float(Float)
    /// A `__local` array of this many bytes.
    case local(Int)

    static func int(_ value: Int) -> KernelArgument { .int32(Int32(value)) }
}

/// A kernel object (`cl_kernel`) of a built program. Not shared across backends, since setting arguments
/// is not thread-safe.
final class OpenCLKernel {
    let kernel: cl_kernel
    let name: String
    private let context: OpenCLContext

    init(context: OpenCLContext, program: cl_program, name: String) throws {
        var status: cl_int = 0
        guard let kernel = clCreateKernel(program, name, &status), status == CL_SUCCESS else {
            throw OpenCLError.call(function: "clCreateKernel", code: status, detail: name)
        }
        self.kernel = kernel
        self.name = name
        self.context = context
    }

    deinit { clReleaseKernel(kernel) }

    /// Sets `arguments` in order and queues the kernel over `global` work-items (rounded up to whole
    /// work-groups of `local` when given; kernels bound-check themselves).
    func launch(_ arguments: [KernelArgument], global: [Int], local: [Int]? = nil) throws {
        for (index, argument) in arguments.enumerated() {
            let i = cl_uint(index)
            let status: cl_int
            switch argument {
            case let .buffer(buffer):
                var mem: cl_mem? = buffer.mem
                status = clSetKernelArg(kernel, i, MemoryLayout<cl_mem>.size, &mem)
            case let .int32(value):
                var v = value
                status = clSetKernelArg(kernel, i, 4, &v)
            case let .uint64(value):
                var v = value
                status = clSetKernelArg(kernel, i, 8, &v)
            case let .float(value):
                var v = value
                status = clSetKernelArg(kernel, i, 4, &v)
            case let .local(bytes):
                status = clSetKernelArg(kernel, i, bytes, nil)
            }
            try clCheck(status, "clSetKernelArg", "\(name) argument \(index)")
        }
        guard global.allSatisfy({ $0 > 0 }) else { return }
        var globalSize = global
        if let local {
            for d in global.indices { globalSize[d] = (global[d] + local[d] - 1) / local[d] * local[d] }
        }
        var localSize = local ?? []
        let status = localSize.withUnsafeMutableBufferPointer { localPointer in
            clEnqueueNDRangeKernel(context.queue, kernel, cl_uint(global.count), nil, &globalSize,
                                   local == nil ? nil : localPointer.baseAddress, 0, nil, nil)
        }
        try clCheck(status, "clEnqueueNDRangeKernel", "\(name) global \(global) local \(local.map { "\($0)" } ?? "auto")")
    }
}
