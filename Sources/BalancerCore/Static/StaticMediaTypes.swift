/// The `Content-Type` of a served file, from its extension (nginx's `mime.types`, the entries a web app ships),
/// with `charset=utf-8` on text so browsers never guess an encoding. Unknown extensions are
/// `application/octet-stream`, nginx's `default_type`.
package enum StaticMediaTypes {
    /// The media type for files nobody listed: downloaded, never rendered or sniffed into HTML.
    package static let fallback = "application/octet-stream"

    /// `Content-Type` value for the file at `path`.
    package static func contentType(forPath path: String) -> String {
        entry(forPath: path)?.contentType ?? fallback
    }

    /// The media type without parameters, nil for an unknown extension.
    package static func mediaType(forPath path: String) -> String? {
        entry(forPath: path)?.mediaType
    }

    /// Both for `path`'s extension (compared in lower case), from a table made once: looked up per request
    /// without splitting the path or building a string.
    package static func entry(forPath path: String) -> (mediaType: String, contentType: String)? {
        let utf8 = path.utf8
        guard let dot = utf8.lastIndex(of: UInt8(ascii: ".")) else { return nil }
        if let slash = utf8.lastIndex(of: UInt8(ascii: "/")), slash > dot { return nil }
        let start = utf8.index(after: dot)
        // A name that is only an extension (`.htaccess`) has none.
        guard dot != utf8.startIndex, utf8[utf8.index(before: dot)] != UInt8(ascii: "/") else { return nil }
        let ext = path[start...]
        guard !ext.isEmpty, ext.utf8.count <= 12 else { return nil }
        let hasUpper = ext.utf8.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
        return table[hasUpper ? ext.lowercased() : String(ext)]
    }

    private static let table: [String: (mediaType: String, contentType: String)] = types.mapValues { type in
        (type, isText(type) ? type + "; charset=utf-8" : type)
    }

    /// Types whose bodies are text: they get a charset, and are what compression is for.
    package static func isText(_ type: String) -> Bool {
        type.hasPrefix("text/") || textApplicationTypes.contains(type)
    }

    private static let textApplicationTypes: Set<String> = [
        "application/javascript", "application/json", "application/xml", "application/manifest+json",
        "application/ld+json", "application/rss+xml", "application/atom+xml", "image/svg+xml",
        "application/x-javascript", "application/geo+json",
    ]

    private static let types: [String: String] = [
        "html": "text/html", "htm": "text/html", "shtml": "text/html",
        "css": "text/css",
        "js": "application/javascript", "mjs": "application/javascript", "cjs": "application/javascript",
        "json": "application/json", "map": "application/json",
        "jsonld": "application/ld+json",
        "webmanifest": "application/manifest+json",
        "xml": "application/xml", "rss": "application/rss+xml", "atom": "application/atom+xml",
        "txt": "text/plain", "text": "text/plain", "md": "text/markdown", "csv": "text/csv",
        "ics": "text/calendar", "vtt": "text/vtt",
        "svg": "image/svg+xml", "svgz": "image/svg+xml",
        "png": "image/png", "apng": "image/apng", "gif": "image/gif", "jpg": "image/jpeg", "jpeg": "image/jpeg",
        "webp": "image/webp", "avif": "image/avif", "ico": "image/x-icon", "bmp": "image/bmp",
        "tif": "image/tiff", "tiff": "image/tiff",
        "woff": "font/woff", "woff2": "font/woff2", "ttf": "font/ttf", "otf": "font/otf",
        "eot": "application/vnd.ms-fontobject",
        "wasm": "application/wasm",
        "pdf": "application/pdf", "zip": "application/zip", "gz": "application/gzip", "tar": "application/x-tar",
        "mp4": "video/mp4", "webm": "video/webm", "ogv": "video/ogg", "mov": "video/quicktime",
        "mp3": "audio/mpeg", "ogg": "audio/ogg", "oga": "audio/ogg", "wav": "audio/wav", "m4a": "audio/mp4",
        "flac": "audio/flac", "aac": "audio/aac",
        "xhtml": "application/xhtml+xml",
    ]
}
