import Sequitur
import Testing

/// YAML on which Yams traps, crashing the process, is refused with its line and column. Both shapes were found
/// by Fuzz/fuzz-configuration; the inputs are in Fuzz/Regressions/fuzz-configuration/.
@Suite struct ConfigurationNodeScreenTests {
    /// Yams force-unwraps every mapping key as a string.
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

    /// Yams reads `1:30` as the base-60 integer 90, with arithmetic that traps on overflow.
    @Test(arguments: [
        "221:11:1:11:11:1:10:1:10:11:1",                  // the fuzzer's input: resolved as an integer
        "threads: 1:1:1:1:1:1:1:1:1:1:1",
        "decoder: {name: greedy, parameters: {x: 153722867280912931:0}}",
        "decoder: {name: greedy, parameters: {x: -a:1:1:1:1:1:1:1:1:1:1:1}}",   // parts that are not numbers count for nothing
    ])
    func aBaseSixtyIntegerTooLargeIsAnError(text: String) {
        let error = configurationRefusal(text)
        #expect(error?.contains("base-60 integer too large for 64 bits") == true, "\(error ?? "accepted")")
        #expect(error?.contains("line 1") == true)
    }

    @Test func keysThatAreNamesAndValuesWithColonsStillRead() throws {
        let c = try ConfigurationLoader.parse("""
            decoder: {name: greedy}
            stop: {maxNewTokens: 3, stopStrings: ["1:2:3:4:5:6:7:8:9:10:11:12", "Answer: 1"]}
            """)
        #expect(c.stop.maxNewTokens == 3)
        #expect(c.stop.stopStrings == ["1:2:3:4:5:6:7:8:9:10:11:12", "Answer: 1"])
        let seconds = try ConfigurationLoader.parse("decoder: {name: exhaustive, parameters: {maxExpansions: 1:30}}")
        #expect(seconds.decoder.parameters["maxExpansions"] == .int(90))
    }
}
