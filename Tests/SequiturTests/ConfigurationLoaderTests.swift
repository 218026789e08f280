import Foundation
import Testing
import Sequitur

@Suite struct ConfigurationLoaderTests {
    @Test func readsYAMLWithEveryField() throws {
        let c = try ConfigurationLoader.parse("""
            model: /tmp/m.gguf
            backend: opencl
            device: 1
            threads: 2
            decoder:
              name: beam
              parameters: { numBeams: 4, lengthPenalty: 1.5, earlyStopping: never }
            scorer: direct
            stop: { maxNewTokens: 12, stopStrings: ["\\n\\n"] }
            """, backendNames: ["cpu", "opencl"])
        #expect(c.model == "/tmp/m.gguf")
        #expect(c.backend == "opencl")
        #expect(c.device == 1)
        #expect(c.threads == 2)
        #expect(c.decoder.name == "beam")
        #expect(c.decoder.parameters["numBeams"] == .int(4))
        #expect(c.decoder.parameters["lengthPenalty"] == .double(1.5))
        #expect(c.decoder.parameters["earlyStopping"] == .string("never"))
        #expect(c.scorer == .direct)
        #expect(c.stop.maxNewTokens == 12)
        #expect(c.stop.stopStrings == ["\n\n"])
    }

    @Test func readsJSONAndFillsDefaults() throws {
        let c = try ConfigurationLoader.parse(#"{"decoder": {"name": "greedy"}}"#)
        #expect(c == SequiturConfiguration(decoder: DecoderConfiguration(name: "greedy")))
    }

    @Test func wrongTypeNamesTheFieldPath() throws {
        #expect(throws: ConfigurationError.typeMismatch(path: "stop.maxNewTokens", expected: "an integer", got: "\"many\"")) {
            try ConfigurationLoader.parse("stop: { maxNewTokens: many }")
        }
        #expect(throws: ConfigurationError.typeMismatch(path: "threads", expected: "an integer", got: "\"two\"")) {
            try ConfigurationLoader.parse("threads: two")
        }
        // A quoted boolean or number is a string: refused, not coerced.
        #expect(throws: ConfigurationError.typeMismatch(path: "stop.stopOnEndToken", expected: "a boolean", got: "\"yes\"")) {
            try ConfigurationLoader.parse(#"stop: { stopOnEndToken: "yes" }"#)
        }
        #expect(throws: ConfigurationError.typeMismatch(path: "stop.maxNewTokens", expected: "an integer", got: "\"12\"")) {
            try ConfigurationLoader.parse(#"{"stop": {"maxNewTokens": "12"}}"#)
        }
        #expect(try ConfigurationLoader.parse("stop: { stopOnEndToken: false, maxNewTokens: 12 }").stop
                == StopConditions(maxNewTokens: 12, stopOnEndToken: false))
    }

    /// The YAML decoder keeps the last of two equal keys; a configuration refuses them, naming both lines.
    @Test func aKeyGivenTwiceInOneMappingIsRefusedWithBothLines() {
        #expect(throws: ConfigurationError.invalidValue(path: "stop.maxNewTokens", message: "given twice, on line 3 and on line 5; keep one")) {
            try ConfigurationLoader.parse("threads: 2\nstop:\n  maxNewTokens: 5\n  stopOnEndToken: true\n  maxNewTokens: 7\n")
        }
        #expect(throws: ConfigurationError.invalidValue(path: "threads", message: "given twice, on line 1 and on line 2; keep one")) {
            try ConfigurationLoader.parse("{\"threads\": 2,\n \"threads\": 3}")
        }
        // The same key in two different mappings is no repetition.
        #expect(throws: Never.self) {
            try ConfigurationLoader.parse("decoder:\n  name: beam\n  parameters:\n    numBeams: 2\nstop:\n  maxNewTokens: 3\n")
        }
    }

    /// Values are checked as the file is read, with their whole path (`stop.`, `decoder.parameters.`), so the
    /// file's mistakes are told from a command line's flags.
    @Test func outOfRangeValuesAreReportedWithTheirWholePath() {
        #expect(throws: ConfigurationError.invalidValue(path: "stop.maxNewTokens", message: "must be at least 1, got -1")) {
            try ConfigurationLoader.parse("stop: { maxNewTokens: -1 }")
        }
        #expect(throws: ConfigurationError.invalidValue(path: "decoder.parameters.numBeams", message: "must be at least 1, got 0")) {
            try ConfigurationLoader.parse("decoder: { name: beam, parameters: { numBeams: 0 } }")
        }
        #expect(throws: ConfigurationError.invalidValue(path: "threads", message: "must be at least 1, got 0")) {
            try ConfigurationLoader.parse("threads: 0")
        }
    }

    /// A command line reports a configuration mistake at the flag that made it, message unchanged.
    @Test func anErrorKeepsItsMessageWhenReportedAtAFlag() {
        let error = ConfigurationError.invalidValue(path: "stop.maxNewTokens", message: "must be at least 1, got 0")
        #expect(error.path == "stop.maxNewTokens")
        #expect(error.at("--max-new-tokens").description == "--max-new-tokens: must be at least 1, got 0")
        let file = ConfigurationError.inFile(file: "run.yaml", error)
        #expect(file.path == nil && file.at("--x") == file)
    }

    @Test func unknownKeysAndNamesListTheValidOnes() {
        #expect(throws: ConfigurationError.unknownKey(path: "stop", key: "maxNewTokns", valid: StopConditions.fieldNames)) {
            try ConfigurationLoader.parse("stop: { maxNewTokns: 3 }")
        }
        #expect(throws: ConfigurationError.unknownKey(path: "(top level)", key: "decodr", valid: SequiturConfiguration.fieldNames)) {
            try ConfigurationLoader.parse("decodr: { name: greedy }")
        }
        #expect(throws: ConfigurationError.unknownName(path: "backend", name: "cuda", valid: ["cpu", "opencl"])) {
            try ConfigurationLoader.parse("backend: cuda", backendNames: ["cpu", "opencl"])
        }
    }

    @Test func missingDecoderNameIsReported() {
        #expect(throws: ConfigurationError.missing(path: "decoder.name", hint: "This field is required.")) {
            try ConfigurationLoader.parse("decoder: { parameters: { numBeams: 2 } }")
        }
    }

    @Test func errorsFromFilesNameTheFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sequitur-config-\(UUID()).yaml")
        try "threads: [1, 2]\n".write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try ConfigurationLoader.load(file: url.path)
            Issue.record("expected an error")
        } catch let error as ConfigurationError {
            #expect(error.description == "\(url.path): threads: expected an integer, got a list of 2 items")
        }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: "/nonexistent/sequitur.yaml") }
    }

    @Test func notAMappingIsRejected() {
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.parse("- just\n- a list\n") }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.parse("decoder: {name: [") }
    }
}
