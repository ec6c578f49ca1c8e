/// What can go wrong with a file on this machine, said to the user in these words.
public struct FileProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    static func errno(_ what: String, _ path: String, _ code: Int32 = Glibc.errno) -> FileProblem {
        FileProblem("\(what) \(path): \(String(cString: strerror(code)))")
    }
}

#if canImport(Glibc)
    import Glibc
#endif
