/// Renders parsed template nodes with Jinja's semantics for the supported subset.
///
/// Scoping follows Jinja: `{% set %}` at the top level writes a template variable; inside a `for` body it
/// writes a variable local to that iteration (invisible after the loop and in the next iteration), which is
/// why templates carry state out of loops with `namespace()`.
final class TemplateEvaluator {
    private var scopes: [[String: TemplateValue]]
    private(set) var output = ""
    private let namespaces = TemplateNamespaceRegistry()

    /// How a body ended: normally, or by `{% break %}` / `{% continue %}`.
    private enum Flow { case normal, breakLoop, continueLoop }

    init(variables: [String: TemplateValue]) {
        var globals = variables
        globals["raise_exception"] = .function(TemplateFunction(name: "raise_exception") { _, _ in
            // Replaced at the call site, which knows the location; see `call`.
            .none
        })
        globals["namespace"] = .function(TemplateFunction(name: "namespace") { [namespaces] arguments, keywords in
            let namespace = namespaces.make()
            for argument in arguments {
                guard case let .dictionary(d) = argument else {
                    throw TemplateValueError("namespace() takes keyword arguments or a dict, not \(argument.typeName)")
                }
                for entry in d.entries { namespace.attributes[entry.key] = entry.value }
            }
            for (name, value) in keywords { namespace.attributes[name] = value }
            return .namespace(namespace)
        })
        scopes = [globals]
    }

    deinit { namespaces.releaseAll() }

    /// Renders `nodes`, appending to `output`. (`break`/`continue` outside a loop are rejected where they occur.)
    func render(_ nodes: [TemplateNode]) throws {
        _ = try renderBody(nodes)
    }

    private func renderBody(_ nodes: [TemplateNode]) throws -> Flow {
        for node in nodes {
            switch node {
            case let .text(text):
                output += text
            case let .output(expression):
                let printed = try evaluate(expression).printed
                try checkOutputRoom(for: printed.utf8.count, at: expression.location)
                output += printed
            case let .conditional(branches, otherwise):
                let chosen = try branches.first { try evaluate($0.condition).isTruthy }?.body ?? otherwise
                let flow = try renderBody(chosen)
                if flow != .normal { return flow }
            case let .loop(targets, iterable, body, empty, location):
                try renderLoop(targets: targets, iterable: iterable, body: body, empty: empty, location)
            case let .assignment(target, expression, location):
                try assign(target, try evaluate(expression), location)
            case let .loopControl(isBreak, location):
                guard scopes.count > 1 else {
                    throw ChatTemplateError.syntax(
                        message: "'{% \(isBreak ? "break" : "continue") %}' outside a for loop", at: location)
                }
                return isBreak ? .breakLoop : .continueLoop
            case let .generation(body):
                let flow = try renderBody(body)
                if flow != .normal { return flow }
            }
        }
        return .normal
    }

    private func renderLoop(targets: [String], iterable: TemplateExpression, body: [TemplateNode],
                            empty: [TemplateNode], _ location: TemplateLocation) throws {
        let items = try iterate(try evaluate(iterable), at: iterable.location)
        if items.isEmpty {
            _ = try renderBody(empty)
            return
        }
        for (i, item) in items.enumerated() {
            var scope: [String: TemplateValue] = [:]
            if targets.count == 1 {
                scope[targets[0]] = item
            } else {
                guard case let .list(parts) = item, parts.count == targets.count else {
                    throw ChatTemplateError.evaluation(
                        message: "cannot unpack \(item.typeName) into \(targets.count) loop variables", at: location)
                }
                for (name, part) in zip(targets, parts) { scope[name] = part }
            }
            var loop = TemplateDictionary()
            loop["index0"] = .integer(i)
            loop["index"] = .integer(i + 1)
            loop["revindex0"] = .integer(items.count - 1 - i)
            loop["revindex"] = .integer(items.count - i)
            loop["first"] = .boolean(i == 0)
            loop["last"] = .boolean(i == items.count - 1)
            loop["length"] = .integer(items.count)
            loop["previtem"] = i > 0 ? items[i - 1] : .undefined("loop.previtem")
            loop["nextitem"] = i + 1 < items.count ? items[i + 1] : .undefined("loop.nextitem")
            scope["loop"] = .dictionary(loop)
            scopes.append(scope)
            defer { scopes.removeLast() }
            if try renderBody(body) == .breakLoop { break }
            // Text between tags is bounded by the template's size, but not once a loop repeats it.
            try checkOutputRoom(for: 0, at: location)
        }
    }

    private func assign(_ target: AssignmentTarget, _ value: TemplateValue, _ location: TemplateLocation) throws {
        switch target {
        case let .name(name):
            scopes[scopes.count - 1][name] = value
        case let .namespaceAttribute(namespaceName, attribute):
            guard case let .namespace(namespace) = lookup(namespaceName) else {
                throw ChatTemplateError.evaluation(
                    message: "cannot assign attribute '\(attribute)' on '\(namespaceName)': it is not a namespace()",
                    at: location)
            }
            namespace.attributes[attribute] = value
        }
    }

    /// Throws when `length` more bytes would take the rendered text over `TemplateSizeLimit`.
    private func checkOutputRoom(for length: Int, at location: TemplateLocation) throws {
        guard output.utf8.count + length <= TemplateSizeLimit.maximumLength else {
            throw ChatTemplateError.evaluation(
                message: "the rendered text would be longer than \(TemplateSizeLimit.maximumLength) bytes, the most a template may build",
                at: location)
        }
    }

    private func lookup(_ name: String) -> TemplateValue {
        for scope in scopes.reversed() { if let v = scope[name] { return v } }
        return .undefined(name)
    }

    // MARK: - Expressions

    func evaluate(_ expression: TemplateExpression) throws -> TemplateValue {
        do {
            return try evaluateUnlocated(expression)
        } catch let error as TemplateValueError {
            throw ChatTemplateError.evaluation(message: error.message, at: expression.location)
        }
    }

    private func evaluateUnlocated(_ expression: TemplateExpression) throws -> TemplateValue {
        switch expression {
        case let .literal(value, _):
            return value
        case let .variable(name, _):
            return lookup(name)
        case let .list(items, _):
            return .list(try items.map(evaluate))
        case let .dictionary(pairs, _):
            var d = TemplateDictionary()
            for pair in pairs {
                guard case let .string(key) = try evaluate(pair.key) else {
                    throw ChatTemplateError.unsupported(construct: "dictionary key that is not a string",
                                                        at: pair.key.location)
                }
                d[key] = try evaluate(pair.value)
            }
            return .dictionary(d)
        case let .attribute(base, name, _):
            return try attribute(name, of: try evaluate(base))
        case let .subscript(base, index, _):
            return try item(try evaluate(index), of: try evaluate(base))
        case let .slice(base, start, stop, step, _):
            return try slice(try evaluate(base), start: try start.map(evaluate), stop: try stop.map(evaluate),
                             step: try step.map(evaluate))
        case let .call(callee, arguments, keywords, location):
            return try call(callee, arguments, keywords, location)
        case let .filter(base, name, arguments, keywords, _):
            return try TemplateFilters.apply(name, to: try evaluate(base), arguments: try arguments.map(evaluate),
                                             keywords: try keywords.map { ($0.name, try evaluate($0.value)) })
        case let .test(base, name, arguments, negated, _):
            let result = try TemplateTests.apply(name, to: try evaluate(base), arguments: try arguments.map(evaluate))
            return .boolean(result != negated)
        case let .unary(op, operand, _):
            let value = try evaluate(operand)
            switch op {
            case "not": return .boolean(!value.isTruthy)
            case "-":
                if case let .integer(i) = value { return .integer(try PythonIntegerArithmetic.negate(i)) }
                if let n = value.numericValue { return .float(-n) }
                throw TemplateValueError("bad operand type for unary -: '\(describe(value))'")
            default:
                guard value.numericValue != nil else {
                    throw TemplateValueError("bad operand type for unary +: '\(describe(value))'")
                }
                return value
            }
        case let .binary(op, left, right, _):
            // `and` / `or` short-circuit and return an operand, as in Python.
            if op == "and" {
                let l = try evaluate(left)
                return l.isTruthy ? try evaluate(right) : l
            }
            if op == "or" {
                let l = try evaluate(left)
                return l.isTruthy ? l : try evaluate(right)
            }
            return try TemplateOperators.apply(op, try evaluate(left), try evaluate(right))
        case let .conditional(then, condition, otherwise, _):
            if try evaluate(condition).isTruthy { return try evaluate(then) }
            return try otherwise.map(evaluate) ?? .undefined("conditional expression without else")
        }
    }

    private func describe(_ value: TemplateValue) -> String {
        if case let .undefined(name) = value { return "'\(name)' is undefined" }
        return value.typeName
    }

    private func attribute(_ name: String, of value: TemplateValue) throws -> TemplateValue {
        switch value {
        case let .undefined(base):
            throw TemplateValueError("'\(base)' is undefined (while reading its attribute '\(name)')")
        case let .dictionary(d):
            if let v = d[name] { return v }
            return TemplateMethods.method(name, of: value) ?? .undefined("\(name)")
        case let .namespace(n):
            return n.attributes[name] ?? .undefined(name)
        default:
            if let method = TemplateMethods.method(name, of: value) { return method }
            return .undefined(name)
        }
    }

    private func item(_ key: TemplateValue, of value: TemplateValue) throws -> TemplateValue {
        switch (value, key) {
        case let (.undefined(base), _):
            throw TemplateValueError("'\(base)' is undefined (while reading an item of it)")
        case let (.dictionary(d), .string(k)):
            return d[k] ?? .undefined(k)
        case let (.namespace(n), .string(k)):
            return n.attributes[k] ?? .undefined(k)
        case let (.list(items), _):
            guard let i = key.integerValue else { throw TemplateValueError("list indices must be integers, not \(key.typeName)") }
            let index = i < 0 ? items.count + i : i
            return items.indices.contains(index) ? items[index] : .undefined("list index \(i)")
        case let (.string(s), _):
            guard let i = key.integerValue else { throw TemplateValueError("string indices must be integers, not \(key.typeName)") }
            let scalars = Array(s.unicodeScalars)
            let index = i < 0 ? scalars.count + i : i
            return scalars.indices.contains(index) ? .string(String(scalars[index])) : .undefined("string index \(i)")
        default:
            return .undefined("item \(key.pythonRepresentation)")
        }
    }

    /// Python's slicing, step included (`messages[::-1]` walks a conversation backwards, as Qwen 3's template
    /// does): the indices `PySlice_AdjustIndices` gives.
    private func slice(_ value: TemplateValue, start: TemplateValue?, stop: TemplateValue?, step: TemplateValue?)
        throws -> TemplateValue
    {
        func integer(_ bound: TemplateValue?) throws -> Int? {
            guard let bound, !bound.isNone else { return nil }
            guard let i = bound.integerValue else { throw TemplateValueError("slice indices must be integers or None") }
            return i
        }
        let by = try integer(step) ?? 1
        guard by != 0 else { throw TemplateValueError("slice step cannot be zero") }
        func indices(_ count: Int) throws -> [Int] {
            func adjust(_ bound: Int?, default fallback: Int) -> Int {
                guard var i = bound else { return fallback }
                if i < 0 {
                    i += count
                    if i < 0 { i = by < 0 ? -1 : 0 }
                } else if i >= count {
                    i = by < 0 ? count - 1 : count
                }
                return i
            }
            let from = adjust(try integer(start), default: by < 0 ? count - 1 : 0)
            let to = adjust(try integer(stop), default: by < 0 ? -1 : count)
            return Array(stride(from: from, to: to, by: by))
        }
        switch value {
        case let .list(items): return .list(try indices(items.count).map { items[$0] })
        case let .string(s):
            let scalars = Array(s.unicodeScalars)
            return .string(String(String.UnicodeScalarView(try indices(scalars.count).map { scalars[$0] })))
        default: throw TemplateValueError("'\(describe(value))' cannot be sliced")
        }
    }

    private func call(_ callee: TemplateExpression, _ argumentExpressions: [TemplateExpression],
                      _ keywordExpressions: [(name: String, value: TemplateExpression)],
                      _ location: TemplateLocation) throws -> TemplateValue {
        let function = try evaluate(callee)
        let arguments = try argumentExpressions.map(evaluate)
        let keywords = try keywordExpressions.map { ($0.name, try evaluate($0.value)) }
        guard case let .function(f) = function else {
            if case let .undefined(name) = function {
                throw ChatTemplateError.unsupported(construct: "function or method '\(name)'", at: location)
            }
            throw ChatTemplateError.evaluation(message: "'\(function.typeName)' object is not callable", at: location)
        }
        if f.name == "raise_exception" {
            throw ChatTemplateError.raised(message: arguments.first?.printed ?? "", at: location)
        }
        do {
            return try f.call(arguments, keywords)
        } catch let error as TemplateValueError {
            throw ChatTemplateError.evaluation(message: "\(f.name)(): \(error.message)", at: location)
        }
    }

    /// The items a `for` loop visits: list items, a string's characters, a dictionary's keys; nothing for an
    /// undefined value (Jinja iterates an undefined as empty).
    private func iterate(_ value: TemplateValue, at location: TemplateLocation) throws -> [TemplateValue] {
        switch value {
        case .undefined: return []
        case let .list(items): return items
        case let .string(s): return s.unicodeScalars.map { .string(String($0)) }
        case let .dictionary(d): return d.entries.map { .string($0.key) }
        default:
            throw ChatTemplateError.evaluation(message: "'\(value.typeName)' object is not iterable", at: location)
        }
    }
}

extension TemplateValue {
    var isNone: Bool {
        if case .none = self { return true }
        return false
    }
}
