/// The keys of one YAML mapping that the reader knows, after unknown keys were reported.
struct ConfigMapping {
    /// The mapping itself, for its line and path.
    var node: ConfigNode
    var fields: [String: ConfigNode]

    subscript(key: String) -> ConfigNode? { fields[key] }
}
