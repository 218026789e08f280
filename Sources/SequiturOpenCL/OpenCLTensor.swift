import SequiturCore

/// A tensor in an OpenCL buffer: a float32 activation matrix or a weight in its file type.
public final class OpenCLTensor: DeviceTensor {
    public let rows: Int
    public let columns: Int
    public let type: TensorType
    public let name: String
    let buffer: OpenCLBuffer
    /// The backend that made it; ops refuse tensors of other backends.
    let owner: ObjectIdentifier

    init(rows: Int, columns: Int, type: TensorType, name: String, buffer: OpenCLBuffer, owner: ObjectIdentifier) {
        self.rows = rows
        self.columns = columns
        self.type = type
        self.name = name
        self.buffer = buffer
        self.owner = owner
    }

    /// Bytes of one row.
    var rowBytes: Int { columns / type.blockSize * type.blockBytes }
}

/// The KV cache on the device: one key and one value buffer, layer after layer, each layer
/// `blockCapacity · blockSize` slots of `kvDimension` floats.
public final class OpenCLKVCache: KVCacheStorage {
    public let layerCount: Int
    public let blockSize: Int
    public let blockCapacity: Int
    public let kvDimension: Int
    let keys: OpenCLBuffer
    let values: OpenCLBuffer
    let owner: ObjectIdentifier

    init(layerCount: Int, blockSize: Int, blockCapacity: Int, kvDimension: Int,
         keys: OpenCLBuffer, values: OpenCLBuffer, owner: ObjectIdentifier) {
        self.layerCount = layerCount
        self.blockSize = blockSize
        self.blockCapacity = blockCapacity
        self.kvDimension = kvDimension
        self.keys = keys
        self.values = values
        self.owner = owner
    }

    /// Bytes of one layer in each buffer.
    var layerBytes: Int { slotsPerLayer * kvDimension * 4 }
}
