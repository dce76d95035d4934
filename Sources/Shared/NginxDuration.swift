/// A time span written the way nginx writes them: `100ms`, `30s`, `5m`, `2h`, `1d`, `1w`, `1M` (30 days), `1y`
/// (365 days), or several parts together (`1m30s`). A bare number means seconds, as in nginx.
public struct NginxDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The span in milliseconds (nginx's own resolution).
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    public static func seconds(_ s: Int64) -> NginxDuration { NginxDuration(milliseconds: s * 1000) }

    public var seconds: Int64 { milliseconds / 1000 }
    public var nanoseconds: Int64 { milliseconds * 1_000_000 }
    public var duration: Duration { .milliseconds(milliseconds) }

    /// Parses `text`; nil when it is not an nginx time (unknown unit, negative, overflow, empty).
    public init?(parsing text: String) {
        let units: [(String, Int64)] = [
            ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
            ("w", 604_800_000), ("M", 2_592_000_000), ("y", 31_536_000_000),
        ]
        let chars = Array(text.trimmingASCIIWhitespace())
        guard !chars.isEmpty else { return nil }
        if chars.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let s = Int64(String(chars)) else { return nil }
            let (ms, overflow) = s.multipliedReportingOverflow(by: 1000)
            guard !overflow else { return nil }
            self.milliseconds = ms
            return
        }
        var total: Int64 = 0
        var index = 0
        while index < chars.count {
            var number = ""
            while index < chars.count, chars[index].isASCII, chars[index].isNumber {
                number.append(chars[index])
                index += 1
            }
            var unit = ""
            while index < chars.count, chars[index].isLetter {
                unit.append(chars[index])
                index += 1
            }
            guard !number.isEmpty, let value = Int64(number),
                let factor = units.first(where: { $0.0 == unit })?.1
            else { return nil }
            let (part, overflow) = value.multipliedReportingOverflow(by: factor)
            let (sum, overflow2) = total.addingReportingOverflow(part)
            guard !overflow, !overflow2 else { return nil }
            total = sum
        }
        self.milliseconds = total
    }

    public static func < (lhs: NginxDuration, rhs: NginxDuration) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// The shortest exact spelling (`30s`, `1y`, `150ms`).
    public var description: String {
        let units: [(String, Int64)] = [
            ("y", 31_536_000_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000),
        ]
        for (name, factor) in units where milliseconds != 0 && milliseconds % factor == 0 {
            return "\(milliseconds / factor)\(name)"
        }
        return "\(milliseconds)ms"
    }
}
