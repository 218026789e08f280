/// An expression of the supported Jinja subset, with the place it starts in the template.
indirect enum TemplateExpression {
    case literal(TemplateValue, TemplateLocation)
    case variable(String, TemplateLocation)
    case list([TemplateExpression], TemplateLocation)
    case dictionary([(key: TemplateExpression, value: TemplateExpression)], TemplateLocation)
    /// `object.name` (falls back to `object['name']`, as Jinja's getattr does).
    case attribute(TemplateExpression, String, TemplateLocation)
    /// `object[index]`
    case `subscript`(TemplateExpression, TemplateExpression, TemplateLocation)
    /// `object[start:stop]` (either bound may be absent; no step).
    /// `base[start:stop:step]`, each bound optional.
    case slice(TemplateExpression, TemplateExpression?, TemplateExpression?, TemplateExpression?, TemplateLocation)
    case call(TemplateExpression, [TemplateExpression], [(name: String, value: TemplateExpression)], TemplateLocation)
    case filter(TemplateExpression, name: String, [TemplateExpression], [(name: String, value: TemplateExpression)],
                TemplateLocation)
    /// `value is [not] name(args)`
    case test(TemplateExpression, name: String, [TemplateExpression], negated: Bool, TemplateLocation)
    case unary(String, TemplateExpression, TemplateLocation)
    case binary(String, TemplateExpression, TemplateExpression, TemplateLocation)
    /// `a if condition else b` (else optional: an undefined value when absent).
    case conditional(then: TemplateExpression, condition: TemplateExpression, otherwise: TemplateExpression?,
                     TemplateLocation)

    var location: TemplateLocation {
        switch self {
        case let .literal(_, l), let .variable(_, l), let .list(_, l), let .dictionary(_, l),
             let .attribute(_, _, l), let .subscript(_, _, l), let .slice(_, _, _, _, l), let .call(_, _, _, l),
             let .filter(_, _, _, _, l), let .test(_, _, _, _, l), let .unary(_, _, l), let .binary(_, _, _, l),
             let .conditional(_, _, _, l):
            return l
        }
    }
}

/// What `{% set %}` assigns to: a name, or an attribute of a namespace (`ns.found`).
enum AssignmentTarget {
    case name(String)
    case namespaceAttribute(namespace: String, attribute: String)
}

/// A node of a parsed template.
indirect enum TemplateNode {
    case text(String)
    case output(TemplateExpression)
    /// `if` / `elif` branches in order, then the `else` body.
    case conditional([(condition: TemplateExpression, body: [TemplateNode])], otherwise: [TemplateNode])
    /// `{% for a[, b] in iterable %}body{% else %}empty{% endfor %}`
    case loop(targets: [String], iterable: TemplateExpression, body: [TemplateNode], empty: [TemplateNode],
              TemplateLocation)
    case assignment(AssignmentTarget, TemplateExpression, TemplateLocation)
    /// `{% break %}` / `{% continue %}` (transformers enables `jinja2.ext.loopcontrols`).
    case loopControl(isBreak: Bool, TemplateLocation)
    /// transformers' `{% generation %}...{% endgeneration %}`: renders its body unchanged.
    case generation([TemplateNode])
}
