/// Reads an HTTP-date (RFC 9110 §5.6.7) as seconds since the epoch: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`)
/// and, as recipients must, the obsolete RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
/// (`Sun Nov  6 08:49:37 1994`) forms. Anything else is nil, and the header carrying it is ignored.
package enum HTTPDateParser {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    package static func epochSeconds(_ text: String) -> Int64? {
        guard text.utf8.count <= 64 else { return nil }
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        switch parts.count {
        case 6:  // IMF-fixdate: day, DD Mon YYYY HH:MM:SS GMT
            guard parts[0].hasSuffix(","), parts[5] == "GMT", let day = Int(parts[1]), parts[1].count == 2,
                let month = month(parts[2]), let year = Int(parts[3]), parts[3].count == 4
            else { return nil }
            return compose(year: year, month: month, day: day, time: parts[4])
        case 4:  // RFC 850: weekday, DD-Mon-YY HH:MM:SS GMT
            guard parts[0].hasSuffix(","), parts[3] == "GMT" else { return nil }
            let date = parts[1].split(separator: "-")
            guard date.count == 3, date[0].count == 2, date[2].count == 2, let day = Int(date[0]),
                let month = month(date[1]), let yy = Int(date[2])
            else { return nil }
            // RFC 9110: a two-digit year more than 50 years in the future is in the past century.
            return compose(year: yy < 70 ? 2000 + yy : 1900 + yy, month: month, day: day, time: parts[2])
        case 5:  // asctime: Wkd Mon D HH:MM:SS YYYY
            guard let month = month(parts[1]), let day = Int(parts[2]), let year = Int(parts[4]), parts[4].count == 4
            else { return nil }
            return compose(year: year, month: month, day: day, time: parts[3])
        default:
            return nil
        }
    }

    private static func month(_ text: Substring) -> Int? {
        guard text.count == 3 else { return nil }
        return months.firstIndex(of: text.lowercased()).map { $0 + 1 }
    }

    private static func compose(year: Int, month: Int, day: Int, time: Substring) -> Int64? {
        let clock = time.split(separator: ":")
        guard clock.count == 3, clock.allSatisfy({ $0.count == 2 }), let h = Int(clock[0]), let m = Int(clock[1]),
            let s = Int(clock[2]), (0...23).contains(h), (0...59).contains(m), (0...60).contains(s),
            (1...31).contains(day), (1...9999).contains(year)
        else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86_400 + Int64(h * 3600 + m * 60 + s)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
