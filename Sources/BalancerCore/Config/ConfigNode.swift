import Yams

/// A YAML node together with where it sits: the key path used in messages and the line to point at.
///
/// The line is the line of the node's key when the node is a mapping value, so an error about
/// `upstreams:` points at `upstreams:` and not at the first line of its block.
package struct ConfigNode {
    package var node: Node
    /// Dotted key path such as `upstreams.backend.servers[1]`; empty for the document root.
    package var path: String
    /// 1-based line reported in messages.
    package var line: Int

    /// The document root.
    package init(root: Node) {
        self.init(node: root, path: "", line: root.mark?.line ?? 1)
    }

    package init(node: Node, path: String, line: Int) {
        self.node = node
        self.path = path
        self.line = line
    }

    /// The value stored under `key`, located at the key's own line.
    package func child(_ key: String, keyNode: Node, value: Node) -> ConfigNode {
        ConfigNode(node: value, path: childPath(key), line: keyNode.mark?.line ?? value.mark?.line ?? line)
    }

    /// The path a key below this node has, whether or not the key is present.
    package func childPath(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// The `index`-th element of this sequence.
    package func element(_ index: Int, _ value: Node) -> ConfigNode {
        ConfigNode(node: value, path: "\(path)[\(index)]", line: value.mark?.line ?? line)
    }

    /// True for `key:` with nothing after it, `~` and `null`: YAML's ways of writing no value.
    package var isNull: Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// The text of a scalar that holds a value; nil for lists, mappings and null.
    package var scalarText: String? {
        guard case .scalar(let scalar) = node, !isNull else { return nil }
        return scalar.string
    }

    /// How the value reads in a message: the quoted text for a scalar, else what kind of thing it is.
    package var valueDescription: String {
        if isNull { return "nothing" }
        switch node {
        case .scalar(let scalar): return "\"\(scalar.string)\""
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }
}
