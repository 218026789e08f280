import Sequitur
import Testing

/// A mapping key that is a list or a mapping made Yams force-unwrap nil and crash the process (found by
/// Fuzz/fuzz-configuration; the input is Fuzz/Regressions/fuzz-configuration/yams-non-scalar-mapping-key). It
/// is now an error with its line and column.
@Suite struct ConfigurationYAMLKeysTests {
    @Test(arguments: [
        #"{"backend": "cpu",{"name": "sampling"}: 1}"#,   // the fuzzer's input, shortened: a mapping as a key
        "{[a, b]: 1}",
        "? [a]\n: 1",
        "decoder:\n  parameters:\n    ? {x: 1}\n    : 2",
        "stop: !!set {? [a]}",
    ])
    func aKeyThatIsNotANameIsAnError(text: String) {
        let error = configurationRefusal(text)
        #expect(error?.contains("a key must be a name, not a list or a mapping") == true, "\(error ?? "accepted")")
        #expect(error?.contains("line ") == true)
    }

    @Test func scalarKeysStillRead() throws {
        let c = try ConfigurationLoader.parse("decoder: {name: greedy}\nstop: {maxNewTokens: 3}")
        #expect(c.stop.maxNewTokens == 3)
    }
}
