/// The keys of one YAML mapping that the reader knows, after unknown keys were reported.
package struct ConfigMapping {
    /// The mapping itself, for its line and path.
    package var node: ConfigNode
    package var fields: [String: ConfigNode]

    package subscript(key: String) -> ConfigNode? { fields[key] }
}
