// LeakSanitizer's switches (the fuzz build always links it, with AddressSanitizer).
@_silgen_name("__lsan_disable") private func lsanDisable()
@_silgen_name("__lsan_enable") private func lsanEnable()

/// Runs `body` with leak tracking off: for the fixtures a target builds once (in `LLVMFuzzerInitialize`) and
/// keeps for the whole run. LeakSanitizer finds live objects by scanning memory for pointers to them, and Swift
/// stores many references with enum tags in the pointer's spare bits (indirect enum cases such as the chat
/// template's syntax tree), which the scan does not recognise; a fixture held by a global would be reported as
/// leaked at the first leak check. Objects allocated while tracking is off are never reported. Everything a
/// fuzz input allocates is still tracked.
public func withoutLeakTracking<T>(_ body: () throws -> T) rethrows -> T {
    lsanDisable()
    defer { lsanEnable() }
    return try body()
}
