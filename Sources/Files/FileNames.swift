/// Names a received file may take (docs/PROTOCOL.md §15.6): what the sender called it, made
/// safe for the receiver's file system and terminal.
public enum FileNames {
    /// Longest name kept, in UTF-8 bytes: room for " (999)" and ".part.parley" within the usual
    /// 255-byte limit of a file name.
    public static let maxBytes = 200

    /// The last path component only (no directories, no absolute paths, no `..`), without
    /// control characters, bidirectional overrides or a leading dot (no hidden files, no `.`
    /// or `..`); "file" when nothing is left.
    public static func sanitize(_ name: String) -> String {
        clean(name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? "") ?? "file"
    }

    /// One path component made safe; nil when nothing is left.
    static func clean(_ last: String) -> String? {
        var scalars = String.UnicodeScalarView()
        for scalar in last.unicodeScalars where !isUnsafe(scalar) { scalars.append(scalar) }
        var clean = String(scalars).trimmingSpaces()
        while clean.hasPrefix(".") { clean.removeFirst() }
        clean = clean.trimmingSpaces()
        var bytes = 0
        var kept = ""
        for character in clean {
            bytes += character.utf8.count
            if bytes > maxBytes { break }
            kept.append(character)
        }
        return kept.isEmpty ? nil : kept
    }

    /// Most directory levels kept from an offered path: deeper ones are dropped, so the file
    /// lands in the sixteenth.
    public static let maxDirectories = 16

    /// The directories of an offered path ("photos/2024/a.jpg": ["photos", "2024"]), each made
    /// safe like a name; components that are empty, `.`, `..` or nothing once cleaned are
    /// dropped, so a path never leaves the downloads directory. At most `maxDirectories`.
    public static func directories(of name: String) -> [String] {
        let parts = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).dropLast()
        var kept: [String] = []
        for part in parts {
            guard let clean = clean(String(part)), kept.count < maxDirectories else { continue }
            kept.append(clean)
        }
        return kept
    }

    /// The offered path as it is kept: the safe directories and name joined with `/`.
    public static func relativePath(_ name: String) -> String {
        (directories(of: name) + [sanitize(name)]).joined(separator: "/")
    }

    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F..<0xA0: true  // C0 and C1 controls, DEL
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true  // bidirectional marks and overrides
        case 0xFEFF: true
        default: false
        }
    }

    /// `name`, or `name (1).ext`, `name (2).ext`... the first for which `taken` is false.
    public static func unique(_ name: String, taken: (String) -> Bool) -> String {
        guard taken(name) else { return name }
        let dot = name.lastIndex(of: ".").flatMap { $0 == name.startIndex ? nil : $0 }
        let stem = dot.map { String(name[..<$0]) } ?? name
        let ext = dot.map { String(name[$0...]) } ?? ""
        var n = 1
        while true {
            let candidate = "\(stem) (\(n))\(ext)"
            if !taken(candidate) { return candidate }
            n += 1
        }
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
