import BalancerCore
import Foundation

/// Lines for the operator that are not the command's result.
enum StandardError {
    static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
