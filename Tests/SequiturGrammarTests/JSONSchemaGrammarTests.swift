import Foundation
import SequiturGrammar
import Testing

/// A schema with documents whose fate is known: the generated grammar must accept every `valid` one and reject
/// every `invalid` one, and the reference validator must agree on both lists, so a wrong label in a case fails
/// as loudly as a wrong grammar.
struct JSONSchemaGrammarCase: Sendable, CustomTestStringConvertible {
    var name: String
    var schema: String
    var valid: [String]
    var invalid: [String]
    var testDescription: String { name }
}

let jsonSchemaGrammarCases: [JSONSchemaGrammarCase] = [
    JSONSchemaGrammarCase(
        name: "closed object with required and optional properties",
        schema: #"""
            {"type": "object", "title": "Person",
             "properties": {"name": {"type": "string", "description": "given name"}, "age": {"type": "integer"},
                            "email": {"type": "string"}},
             "required": ["name", "age"], "additionalProperties": false}
            """#,
        valid: [
            #"{"name":"Ada","age":36}"#,
            #"{"name":"Ada","age":36,"email":"ada@example.org"}"#,
            #"{ "name" : "A\"da\u00e9\/", "age": -7 }"#,
            "{\n  \"name\": \"x\",\n\t\"age\": 0\n}",
        ],
        invalid: [
            #"{"name":"Ada"}"#,
            #"{"name":"Ada","age":"36"}"#,
            #"{"name":"Ada","age":36.5}"#,
            #"{"name":"Ada","age":36,"nick":"A"}"#,
            #"{"name":"Ada","age":036}"#,
            #"{"name":"A\x41","age":1}"#,
            #"{"name":"Ada","age":36,}"#,
            #"["Ada",36]"#,
        ]),
    JSONSchemaGrammarCase(
        name: "nested closed objects",
        schema: #"""
            {"type": "object", "required": ["user"], "additionalProperties": false,
             "properties": {"user": {"type": "object", "required": ["id", "address"], "additionalProperties": false,
               "properties": {"id": {"type": "integer"},
                 "address": {"type": "object", "required": ["street", "city"], "additionalProperties": false,
                   "properties": {"street": {"type": "string"}, "city": {"type": "string"}}}}}}}
            """#,
        valid: [#"{"user":{"id":1,"address":{"street":"Main","city":"Oslo"}}}"#],
        invalid: [
            #"{"user":{"id":1,"address":{"street":"Main"}}}"#,
            #"{"user":{"id":1}}"#,
            #"{"user":{"id":1,"address":{"street":"Main","city":5}}}"#,
            #"{"user":{"id":1,"address":{"street":"Main","city":"Oslo","zip":"0150"}}}"#,
            #"{}"#,
        ]),
    JSONSchemaGrammarCase(
        name: "required and optional properties interleaved",
        schema: #"""
            {"type": "object", "required": ["c", "a"], "additionalProperties": false,
             "properties": {"a": {"type": "integer"}, "b": {"type": "boolean"}, "c": {"type": "null"},
                            "d": {"type": "string"}}}
            """#,
        valid: [
            #"{"a":1,"c":null}"#,
            #"{"a":1,"c":null,"b":true}"#,
            #"{"a":1,"c":null,"d":"x"}"#,
            #"{"a":1,"c":null,"b":false,"d":""}"#,
        ],
        invalid: [
            #"{"a":1}"#,
            #"{"c":null}"#,
            #"{"a":1,"c":null,"e":1}"#,
            #"{"a":1,"c":0}"#,
            #"{,"a":1,"c":null}"#,
            #"{"a":1,"c":null,"b":"yes"}"#,
        ]),
    JSONSchemaGrammarCase(
        name: "array with minItems and maxItems",
        schema: #"{"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3}"#,
        valid: ["[1]", "[1,2,3]", "[ -5 , 0 ]"],
        invalid: ["[]", "[1,2,3,4]", #"[1,"2"]"#, "[1.5]", "[01]", "[1,]", "1"]),
    JSONSchemaGrammarCase(
        name: "array with only maxItems holds any values",
        schema: #"{"type": "array", "maxItems": 2}"#,
        valid: ["[]", #"[{"a":[1]}, "x"]"#, "[null]"],
        invalid: ["[1,2,3]", "{}", #""[]""#]),
    JSONSchemaGrammarCase(
        name: "enum of mixed types",
        schema: #"{"enum": ["red", 1, null, true, {"k": [1, 2]}]}"#,
        valid: [#""red""#, "1", "null", "true", #"{"k":[1,2]}"#, #"{ "k": [ 1, 2 ] }"#],
        invalid: [#""blue""#, "2", "false", #"{"k":[1]}"#, #""Red""#, #"["red"]"#]),
    JSONSchemaGrammarCase(
        name: "enum narrowed by type",
        schema: #"{"type": "string", "enum": ["a", "b", 3]}"#,
        valid: [#""a""#, #""b""#],
        invalid: ["3", #""c""#]),
    JSONSchemaGrammarCase(
        name: "const members",
        schema: #"""
            {"type": "object", "required": ["version", "kind"], "additionalProperties": false,
             "properties": {"version": {"const": 2}, "kind": {"const": "point"}}}
            """#,
        valid: [#"{"version":2,"kind":"point"}"#],
        invalid: [#"{"version":3,"kind":"point"}"#, #"{"version":2,"kind":"line"}"#, #"{"version":2}"#]),
    JSONSchemaGrammarCase(
        name: "anyOf a short string or an array of numbers",
        schema: #"{"anyOf": [{"type": "string", "maxLength": 3}, {"type": "array", "items": {"type": "number"}}]}"#,
        valid: [#""abc""#, #""""#, "[1.5,-2e3,0]", "[]", #""\n\u0041""#],
        invalid: [#""abcd""#, #"["x"]"#, "1", "null", "[1.]"]),
    JSONSchemaGrammarCase(
        name: "oneOf with disjoint branches",
        schema: #"{"oneOf": [{"type": "integer"}, {"type": "boolean"}]}"#,
        valid: ["7", "false", "-12"],
        invalid: ["7.5", #""7""#, "null"]),
    JSONSchemaGrammarCase(
        name: "integer and number members, extra members allowed",
        schema: #"""
            {"type": "object", "required": ["count", "ratio"],
             "properties": {"count": {"type": "integer"}, "ratio": {"type": "number"}}}
            """#,
        valid: [
            #"{"count":3,"ratio":0.5}"#,
            #"{"count":-0,"ratio":1e-3}"#,
            #"{"count":3,"ratio":2,"note":"extra","more":[{}]}"#,
            #"{"count":1,"ratio":1E+2}"#,
        ],
        invalid: [
            #"{"count":3.5,"ratio":1}"#,
            #"{"count":3,"ratio":.5}"#,
            #"{"count":3,"ratio":1.}"#,
            #"{"count":3,"ratio":-}"#,
            #"{"count":3,"ratio":"1"}"#,
            #"{"count":3,"ratio":1,"count":"x"}"#,
            #"{"count":3,"ratio":00.5}"#,
        ]),
    JSONSchemaGrammarCase(
        name: "additionalProperties as a schema",
        schema: #"{"type": "object", "properties": {"id": {"type": "integer"}}, "additionalProperties": {"type": "string"}}"#,
        valid: [
            "{}",
            #"{"id":1}"#,
            #"{"id":1,"idx":"a","i":"b"}"#,
            #"{"name":"x"}"#,
            #"{"":"empty key"}"#,
            #"{"nam\u0065":"escaped once off the declared names"}"#,
        ],
        invalid: [
            #"{"id":"1"}"#,
            #"{"id":1,"extra":2}"#,
            #"{"i\u0064":"x"}"#,
            #"{"id":1,"id":"x"}"#,
        ]),
    JSONSchemaGrammarCase(
        name: "additionalProperties false without properties",
        schema: #"{"type": "object", "additionalProperties": false}"#,
        valid: ["{}", "{ }"],
        invalid: [#"{"a":1}"#, "[]"]),
    JSONSchemaGrammarCase(
        name: "recursive $ref through $defs",
        schema: #"""
            {"$defs": {"node": {"type": "object", "required": ["value"], "additionalProperties": false,
               "properties": {"value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
             "$ref": "#/$defs/node"}
            """#,
        valid: [#"{"value":1}"#, #"{"value":1,"children":[{"value":2},{"value":3,"children":[]}]}"#],
        invalid: [#"{"value":1,"children":[{"children":[]}]}"#, #"{"value":1,"children":[{"value":"2"}]}"#]),
    JSONSchemaGrammarCase(
        name: "$ref into definitions",
        schema: #"""
            {"definitions": {"position": {"type": "integer"}}, "type": "object", "required": ["x"],
             "additionalProperties": false, "properties": {"x": {"$ref": "#/definitions/position"}}}
            """#,
        valid: [#"{"x":5}"#],
        invalid: [#"{"x":"5"}"#, #"{}"#]),
    JSONSchemaGrammarCase(
        name: "nullable string with length bounds",
        schema: #"{"type": ["string", "null"], "minLength": 2, "maxLength": 4}"#,
        valid: [#""ab""#, #""abcd""#, "null", #""é\n""#, #""日本""#],
        invalid: [#""a""#, #""abcde""#, "1", #""\q""#, #""日本語です""#]),
    JSONSchemaGrammarCase(
        name: "empty schema admits any JSON value",
        schema: "{}",
        valid: ["1", #""x""#, #"[null,{"a":[true]}]"#, #"{"a":{}}"#, "-1.5e+10"],
        invalid: ["01", "[1,]", #""\x41""#, "tru", #"{"a"}"#, "\"\u{01}\"", "{'a':1}"]),
    JSONSchemaGrammarCase(
        name: "true schema admits any JSON value",
        schema: "true",
        valid: ["null", "[]"],
        invalid: ["", "nul"]),
    JSONSchemaGrammarCase(
        name: "properties without type constrain only objects",
        schema: #"{"properties": {"a": {"type": "integer"}}}"#,
        valid: ["5", #""x""#, #"{"a":1}"#, #"{"b":true}"#, "[]"],
        invalid: [#"{"a":"x"}"#]),
    JSONSchemaGrammarCase(
        name: "array of booleans and nulls",
        schema: #"{"type": "array", "items": {"type": ["boolean", "null"]}}"#,
        valid: ["[true,false,null]", "[]"],
        invalid: ["[0]", #"["true"]"#, "[True]"]),
]

@Suite("JSON Schema to GBNF")
struct JSONSchemaGrammarTests {
    @Test(arguments: jsonSchemaGrammarCases)
    func generatedGrammarAcceptsExactlyTheValidDocuments(_ grammarCase: JSONSchemaGrammarCase) throws {
        let gbnf = try JSONSchemaGrammar.gbnf(schema: grammarCase.schema)
        for line in gbnf.split(separator: "\n") {
            // llama.cpp reads past the end of a line that ends in "|", swallowing the next rule.
            #expect(!line.hasSuffix("|") && !line.hasSuffix("| ") && !line.hasSuffix("::= "), "\(line)")
        }
        let recogniser = try ReferenceGBNFRecogniser(gbnf: gbnf)
        let validator = try ReferenceSchemaValidator(schema: grammarCase.schema)
        for document in grammarCase.valid {
            #expect(validator.validates(document), "case mislabelled, the validator rejects \(document)")
            #expect(recogniser.accepts(document), "rejected valid \(document)\n\(gbnf)")
        }
        for document in grammarCase.invalid {
            #expect(!validator.validates(document), "case mislabelled, the validator accepts \(document)")
            #expect(!recogniser.accepts(document), "accepted invalid \(document)\n\(gbnf)")
        }
    }

    /// Hand-picked invalid documents only probe the mistakes someone thought of; every one-character edit of a
    /// valid document probes the boundary around it, and whatever edit the grammar accepts must still validate.
    @Test(arguments: jsonSchemaGrammarCases)
    func everyAcceptedNearMissValidates(_ grammarCase: JSONSchemaGrammarCase) throws {
        let recogniser = try ReferenceGBNFRecogniser(gbnf: try JSONSchemaGrammar.gbnf(schema: grammarCase.schema))
        let validator = try ReferenceSchemaValidator(schema: grammarCase.schema)
        let insertions: [Character] = ["\"", "\\", ",", ":", "0", "1", ".", "-", "e", " ", "[", "]", "{", "}", "a", "n"]
        var accepted = 0
        for document in grammarCase.valid {
            let characters = Array(document)
            var mutants: [String] = []
            for position in characters.indices {
                var deleted = characters
                deleted.remove(at: position)
                mutants.append(String(deleted))
            }
            for position in 0...characters.count {
                for insertion in insertions {
                    var inserted = characters
                    inserted.insert(insertion, at: position)
                    mutants.append(String(inserted))
                }
            }
            for mutant in mutants where recogniser.accepts(mutant) {
                accepted += 1
                #expect(validator.validates(mutant), "accepted invalid \(mutant)")
            }
        }
        #expect(accepted > 0, "no edit was accepted, so this case checked nothing")
    }

    @Test func keysFollowThePropertiesOrderRequiredFirst() throws {
        let schema = #"""
            {"type": "object", "properties": {"b": {"type": "integer"}, "a": {"type": "integer"}, "c": {"type": "integer"}},
             "required": ["c", "a"], "additionalProperties": false}
            """#
        let recogniser = try ReferenceGBNFRecogniser(gbnf: try JSONSchemaGrammar.gbnf(schema: schema))
        let validator = try ReferenceSchemaValidator(schema: schema)
        #expect(recogniser.accepts(#"{"a":1,"c":2,"b":3}"#))
        for reordered in [#"{"c":2,"a":1}"#, #"{"b":3,"a":1,"c":2}"#] {
            // Valid, but outside the one key order the grammar fixes so generation is deterministic.
            #expect(validator.validates(reordered))
            #expect(!recogniser.accepts(reordered))
        }
    }

    @Test func whitespaceIsBoundedLikeLlamaCpp() throws {
        let gbnf = try JSONSchemaGrammar.gbnf(schema: #"{"type": "array", "items": {"type": "integer"}}"#)
        #expect(gbnf.contains(#"space ::= | " " | "\n" [ \t]{0,20}"#))
        let recogniser = try ReferenceGBNFRecogniser(gbnf: gbnf)
        #expect(recogniser.accepts("[\n" + String(repeating: " ", count: 20) + "1]"))
        #expect(!recogniser.accepts("[\n" + String(repeating: " ", count: 21) + "1]"))
        #expect(!recogniser.accepts("[  1]"))
        #expect(!recogniser.accepts(" [1]"), "whitespace comes after tokens, never before the document")
    }

    @Test func rootRuleComesFirstAndRuleNamesAreValidAndUnique() throws {
        let schema = #"""
            {"type": "object", "properties": {"first name": {"type": "object"}, "first_name": {"type": "array", "items": {}},
             "First-Name": {"type": "object", "properties": {"x": {}}}, "": {"type": "object", "properties": {"y": {}}},
             "string": {"type": "object", "properties": {"z": {}}}, "日本": {"type": "array", "maxItems": 1}}}
            """#
        let gbnf = try JSONSchemaGrammar.gbnf(schema: schema)
        let names = gbnf.split(separator: "\n").map { String($0.prefix { $0 != " " }) }
        #expect(names.first == "root")
        #expect(Set(names).count == names.count, "\(names)")
        for name in names {
            #expect(!name.isEmpty && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }, "\(name)")
        }
        let recogniser = try ReferenceGBNFRecogniser(gbnf: gbnf)
        #expect(recogniser.accepts(#"{"first name":{},"first_name":[1],"First-Name":{"x":2},"":{"y":3},"string":{"z":4},"日本":[]}"#))
        #expect(!recogniser.accepts(#"{"日本":[1,2]}"#))
    }

    @Test func unusedPrimitiveRulesAreLeftOut() throws {
        let gbnf = try JSONSchemaGrammar.gbnf(schema: #"{"type": "boolean"}"#)
        #expect(gbnf == "root ::= boolean\nboolean ::= ( \"true\" | \"false\" ) space\nspace ::= | \" \" | \"\\n\" [ \\t]{0,20}\n")
    }

    @Test func dataAndStringInputsAgree() throws {
        let schema = #"{"type": "array", "items": {"enum": ["x", 2]}}"#
        #expect(try JSONSchemaGrammar.gbnf(schema: Data(schema.utf8)) == JSONSchemaGrammar.gbnf(schema: schema))
        #expect(try JSONSchemaGrammar.gbnf(schema: Array(schema.utf8)) == JSONSchemaGrammar.gbnf(schema: schema))
    }

    @Test func literalsWithGBNFMetacharactersAreEscaped() throws {
        let schema = ##"{"enum": ["quote \" backslash \\ tab \t", "[^-]", "#"]}"##
        let recogniser = try ReferenceGBNFRecogniser(gbnf: try JSONSchemaGrammar.gbnf(schema: schema))
        #expect(recogniser.accepts(#""quote \" backslash \\ tab \t""#))
        #expect(recogniser.accepts(#""[^-]""#))
        #expect(recogniser.accepts(##""#""##))
        #expect(!recogniser.accepts(#""[^]""#))
    }

    @Test func classMetacharactersInDeclaredKeysAreEscaped() throws {
        let schema = #"{"properties": {"]": {"type": "null"}, "^": {"type": "null"}, "-": {"type": "null"}, "\\": {"type": "null"}, "[": {"type": "null"}}}"#
        let recogniser = try ReferenceGBNFRecogniser(gbnf: try JSONSchemaGrammar.gbnf(schema: schema))
        let validator = try ReferenceSchemaValidator(schema: schema)
        for valid in [#"{"]":null,"-":null}"#, #"{"a":1,"]]":2,"^-":3,"[x":4}"#] {
            #expect(validator.validates(valid))
            #expect(recogniser.accepts(valid), "\(valid)")
        }
        for key in ["]", "^", "-", "[", #"\\"#] {
            let invalid = #"{""# + key + #"":1}"#
            #expect(!validator.validates(invalid))
            #expect(!recogniser.accepts(invalid), "\(invalid)")
        }
    }

    @Test func declaredKeysNeedingEscapesStillExcludeThemFromExtraKeys() throws {
        let schema = #"{"type": "object", "properties": {"a\"b": {"type": "integer"}}, "additionalProperties": {"type": "string"}}"#
        let recogniser = try ReferenceGBNFRecogniser(gbnf: try JSONSchemaGrammar.gbnf(schema: schema))
        let validator = try ReferenceSchemaValidator(schema: schema)
        #expect(recogniser.accepts(#"{"a\"b":1}"#))
        #expect(recogniser.accepts(#"{"a":"x"}"#))
        for invalid in [#"{"a\"b":"x"}"#, #"{"a\u0022b":"x"}"#] {
            #expect(!validator.validates(invalid))
            #expect(!recogniser.accepts(invalid))
        }
    }
}

@Suite("JSON Schema errors")
struct JSONSchemaErrorTests {
    private func schemaError(for schema: String) -> JSONSchemaError? {
        do {
            _ = try JSONSchemaGrammar.gbnf(schema: schema)
            return nil
        } catch let error as JSONSchemaError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    @Test func unknownTypeNamesThePointerAndTheChoices() throws {
        let error = try #require(schemaError(for: #"{"type": "object", "properties": {"age": {"type": "integr"}}}"#))
        #expect(error.pointer == "/properties/age/type")
        #expect(error.message == #"unknown type "integr" (expected one of "object", "array", "string", "number", "integer", "boolean", "null")"#)
        #expect(error.description == #"schema at /properties/age/type: unknown type "integr" (expected one of "object", "array", "string", "number", "integer", "boolean", "null")"#)
    }

    @Test func unknownTypeInsideATypeList() throws {
        let error = try #require(schemaError(for: #"{"type": ["string", "nul"]}"#))
        #expect(error.pointer == "/type/1")
        #expect(error.message.hasPrefix(#"unknown type "nul""#))
    }

    @Test func nonObjectWhereASchemaIsNeeded() throws {
        let property = try #require(schemaError(for: #"{"type": "object", "properties": {"a": 5}}"#))
        #expect(property == JSONSchemaError(pointer: "/properties/a", message: "expected a schema (an object or a boolean), found a number"))
        let items = try #require(schemaError(for: #"{"type": "array", "items": "string"}"#))
        #expect(items == JSONSchemaError(pointer: "/items", message: "expected a schema (an object or a boolean), found a string"))
        let properties = try #require(schemaError(for: #"{"type": "object", "properties": []}"#))
        #expect(properties == JSONSchemaError(pointer: "/properties", message: "expected an object mapping names to schemas, found an array"))
        let root = try #require(schemaError(for: "[]"))
        #expect(root.pointer == "")
        #expect(root.description == "schema: expected a schema (an object or a boolean), found an array")
    }

    @Test func minimumIsRefusedWithItsPointer() throws {
        let error = try #require(schemaError(for: #"{"type": "object", "properties": {"x": {"type": "integer", "minimum": 3}}}"#))
        #expect(error.pointer == "/properties/x/minimum")
        #expect(error.message == #"unsupported keyword "minimum": it would change which documents validate, and the grammar cannot express it"#)
    }

    @Test(arguments: [
        "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "format", "not", "allOf",
        "patternProperties", "if", "then", "else", "uniqueItems", "contains", "minProperties", "maxProperties",
        "propertyNames", "dependentRequired", "prefixItems", "unevaluatedProperties",
    ])
    func meaningChangingKeywordsAreRefused(_ keyword: String) throws {
        let error = try #require(schemaError(for: #"{"anyOf": [{"type": "string"}, {"type": "integer", "\#(keyword)": 1}]}"#))
        #expect(error.pointer == "/anyOf/1/\(keyword)")
        #expect(error.message.hasPrefix("unsupported keyword \"\(keyword)\""))
    }

    @Test func annotationsAreIgnored() throws {
        let annotated = #"""
            {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "urn:x", "title": "T",
             "description": "D", "examples": [1], "default": 1, "$comment": "c", "type": "integer"}
            """#
        #expect(try JSONSchemaGrammar.gbnf(schema: annotated) == JSONSchemaGrammar.gbnf(schema: #"{"type": "integer"}"#))
    }

    @Test func malformedJSONIsReportedByLineAndColumn() throws {
        let error = try #require(schemaError(for: "{\"type\": \"object\",\n \"properties\": }"))
        #expect(error.pointer == "")
        #expect(error.message == "invalid JSON at line 2, column 16: unexpected character, expected a value")
        let unterminated = try #require(schemaError(for: #"{"type": "str"#))
        #expect(unterminated.message == "invalid JSON at line 1, column 14: unterminated string")
        let trailing = try #require(schemaError(for: #"{"type": "string"} x"#))
        #expect(trailing.message == "invalid JSON at line 1, column 20: unexpected text after the JSON value")
    }

    @Test func pointerTokensAreEscaped() throws {
        let error = try #require(schemaError(for: #"{"properties": {"a/b~c": {"type": "strin"}}}"#))
        #expect(error.pointer == "/properties/a~1b~0c/type")
    }

    @Test func unresolvableAndCircularReferences() throws {
        let missing = try #require(schemaError(for: ##"{"$ref": "#/$defs/nowhere"}"##))
        #expect(missing == JSONSchemaError(pointer: "/$ref", message: ##""#/$defs/nowhere" does not exist in this schema"##))
        let remote = try #require(schemaError(for: #"{"$ref": "https://example.org/schema.json"}"#))
        #expect(remote.pointer == "/$ref")
        let circular = try #require(schemaError(for: ##"{"$defs": {"a": {"anyOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}"##))
        #expect(circular.pointer == "/$defs/a/anyOf/0/$ref")
        #expect(circular.message.contains("refers back to itself"))
        let root = try #require(schemaError(for: ##"{"$ref": "#"}"##))
        #expect(root.pointer == "/$ref")
    }

    @Test func unsatisfiableBoundsAndSiblingsAreRefused() throws {
        let bounds = try #require(schemaError(for: #"{"type": "array", "minItems": 3, "maxItems": 1}"#))
        #expect(bounds == JSONSchemaError(pointer: "/maxItems", message: "maxItems 1 is less than minItems 3, so nothing validates"))
        let negative = try #require(schemaError(for: #"{"type": "string", "maxLength": -1}"#))
        #expect(negative == JSONSchemaError(pointer: "/maxLength", message: "expected a non-negative integer, found a number"))
        let sibling = try #require(schemaError(for: #"{"anyOf": [{"type": "string"}], "type": "string"}"#))
        #expect(sibling.pointer == "/type")
        let missingRequired = try #require(schemaError(for: #"{"type": "object", "required": ["a"], "additionalProperties": false}"#))
        #expect(missingRequired.pointer == "/required/0")
        let falseSchema = try #require(schemaError(for: "false"))
        #expect(falseSchema.pointer == "")
    }
}
