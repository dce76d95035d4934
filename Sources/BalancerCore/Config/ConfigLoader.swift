import Foundation
import Yams

/// Turns a YAML file into a validated `BalancerConfig`, or into every problem the file has.
///
/// The only way to build a `BalancerConfig` from a file: `serve`, `check` and reload all go through here,
/// so what `balancer check` accepts is exactly what the server runs.
package enum ConfigLoader {
    /// Reads and parses the file at `path`; `path` is also the file name used in messages. `checksPaths: false`
    /// leaves out the checks of paths on this machine (static roots), for a config checked outside the container
    /// it runs in.
    package static func load(path: String, checksPaths: Bool = true) throws(ConfigErrors) -> BalancerConfig {
        let yaml = try readFile(path: path)
        return try parse(yaml: yaml, path: path, checksPaths: checksPaths)
    }

    /// Parses `yaml` as if read from `path`.
    package static func parse(yaml: String, path: String, checksPaths: Bool = true) throws(ConfigErrors)
        -> BalancerConfig
    {
        var reader = ConfigReader(file: path)
        reader.checksPaths = checksPaths
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigErrors(errors: [syntaxError(error, yaml: yaml, file: path)])
        }
        guard let root else {
            reader.report(line: 1, path: "", "the file is empty; it needs at least listen, upstreams and routes")
            throw ConfigErrors(errors: reader.sortedErrors)
        }
        let config = reader.readConfig(ConfigNode(root: root), sourcePath: path)
        guard reader.errors.isEmpty else { throw ConfigErrors(errors: reader.sortedErrors) }
        return config
    }

    private static func readFile(path: String) throws(ConfigErrors) -> String {
        func failure(_ message: String) -> ConfigErrors {
            ConfigErrors(errors: [ConfigError(file: path, line: 0, keyPath: "", message: message)])
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw failure("no such file; pass the path of your config with --config")
        }
        guard !isDirectory.boolValue else {
            throw failure("is a directory; pass the path of the YAML file itself with --config")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw failure("cannot be read; check that this user may read it")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw failure("is not UTF-8 text; save it as UTF-8")
        }
        return text
    }

    /// A Yams parse failure as a located `ConfigError`.
    package static func syntaxError(_ error: any Error, yaml: String, file: String) -> ConfigError {
        let fix = "check the indentation and quoting there"
        func located(_ mark: Mark, _ problem: String, _ context: YamlError.Context?) -> ConfigError {
            let during = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return ConfigError(file: file, line: mark.line, keyPath: "",
                message: "YAML syntax error at column \(mark.column): \(problem)\(during); \(fix)")
        }
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return located(mark, problem, context)
        case .reader(let problem, let offset, _, _):
            let line = offset.map { yaml.utf8.prefix($0).count(where: { $0 == UInt8(ascii: "\n") }) + 1 } ?? 0
            return ConfigError(file: file, line: line, keyPath: "",
                message: "the file cannot be read as YAML text: \(problem); remove control characters")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return ConfigError(file: file, line: context.mark.line, keyPath: "",
                message: "key \(keys) appears more than once in the same mapping; keep only one")
        default:
            return ConfigError(file: file, line: 0, keyPath: "", message: "cannot be parsed as YAML: \(error)")
        }
    }
}
