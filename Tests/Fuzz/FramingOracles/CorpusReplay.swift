import Foundation

/// Replays saved inputs through an oracle without libFuzzer: what the fuzz targets do when built normally, and
/// what the tests do over the committed corpus, so an input that once broke framing keeps being checked.
package enum CorpusReplay {
    /// One input its oracle found a violation in.
    package struct Failure: CustomStringConvertible {
        package let file: String
        package let violation: FramingViolation

        package var description: String { "\(file): \(violation)" }
    }

    /// Checks every file named in `paths`, and every file directly inside a folder named there, in name order;
    /// returns how many were checked and the ones that failed.
    package static func replay(_ target: FramingTarget, paths: [String]) throws -> (checked: Int, failures: [Failure]) {
        var failures: [Failure] = []
        let files = try paths.flatMap(files(at:))
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            do {
                try target.check(bytes)
            } catch {
                failures.append(Failure(file: file, violation: error))
            }
        }
        return (files.count, failures)
    }

    /// The fuzz targets' `main` without libFuzzer: the arguments are corpus folders or files. Exits 0 when every
    /// input passes, 1 on a violation, 2 when an argument cannot be read.
    package static func main(_ target: FramingTarget) -> Never {
        #if DEBUG
            replayArguments(target)
        #else
            fail("the framing oracles use the balancer's internal types: build with -c debug", status: 2)
        #endif
    }

    private static func replayArguments(_ target: FramingTarget) -> Never {
        let paths = Array(CommandLine.arguments.dropFirst())
        guard !paths.isEmpty else { fail("usage: \(CommandLine.arguments[0]) CORPUS_DIR_OR_FILE...", status: 2) }
        do {
            let result = try replay(target, paths: paths)
            for failure in result.failures { print("violation: \(failure)") }
            print("\(target.rawValue.lowercased()) framing: \(result.checked) inputs, \(result.failures.count) violations")
            exit(result.failures.isEmpty ? 0 : 1)
        } catch {
            fail("\(error)", status: 2)
        }
    }

    private static func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        exit(status)
    }

    /// A corpus path that names nothing.
    private struct MissingInput: Error, CustomStringConvertible {
        let path: String
        var description: String { "\(path): no such file or folder" }
    }

    private static func files(at path: String) throws -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw MissingInput(path: path)
        }
        guard isFolder.boolValue else { return [path] }
        let url = URL(fileURLWithPath: path)
        return try FileManager.default.contentsOfDirectory(atPath: path)
            .filter { !$0.hasPrefix(".") }
            .sorted()
            .map { url.appendingPathComponent($0).path }
    }
}
