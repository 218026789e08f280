import FuzzSupport
import Sequitur

// Fuzzes configuration loading (`--config run.yaml`): the text screen, the YAML parser behind it, the checks
// of keys and kinds, then the decoder the configuration names, built from the standard registry as a run would.
// Errors are expected; crashes, hangs and unbounded allocation are not.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfiguration(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: data == nil ? 0 : size), as: UTF8.self)
    guard let configuration = try? ConfigurationLoader.parse(text) else { return 0 }
    _ = try? DecoderRegistry.standard.make(configuration.decoder)
    _ = configuration.backendOptions
    return 0
}
