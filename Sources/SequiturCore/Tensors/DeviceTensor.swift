/// A tensor that lives wherever its backend keeps data (host memory, a GPU buffer).
///
/// Activations are float32 matrices of `rows × columns`, row-major. Weights keep their file type. Only the
/// backend that made a tensor may use it; backends downcast to their own concrete class.
public protocol DeviceTensor: AnyObject {
    var rows: Int { get }
    var columns: Int { get }
    var type: TensorType { get }
}

/// The key/value cache storage of one model on one backend: for every layer, `blockCapacity` blocks of
/// `blockSize` token slots, each slot holding a key row and a value row of `kvDimension` floats.
///
/// Slot `s` is token `s % blockSize` of block `s / blockSize`. Which blocks belong to which sequence, and how
/// often a block is shared, is decided above the backend (see `KVBlockPool` in SequiturArchitectures); the backend
/// only stores rows, copies blocks and attends over block tables.
public protocol KVCacheStorage: AnyObject {
    var layerCount: Int { get }
    var blockSize: Int { get }
    var blockCapacity: Int { get }
    var kvDimension: Int { get }
}

extension KVCacheStorage {
    /// Token slots in each layer: `blockCapacity` blocks of `blockSize`.
    public var slotsPerLayer: Int { blockCapacity * blockSize }
}
