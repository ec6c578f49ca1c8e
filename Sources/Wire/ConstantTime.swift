/// Comparisons of secrets and identities whose running time does not depend on where the
/// inputs first differ.
public enum ConstantTime {
    /// True when both sequences hold the same bytes. Runs in time proportional to the longer
    /// input; a length difference is folded into the result, not returned early. Inlinable, so
    /// each caller gets a version specialised for its collection types (unspecialised, every
    /// byte went through generic iterator calls: ≈ 3 µs to compare 64 bytes).
    @inlinable
    public static func equal(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        var difference = UInt64(a.count ^ b.count)
        var ia = a.makeIterator()
        var ib = b.makeIterator()
        for _ in 0..<max(a.count, b.count) {
            let x = ia.next() ?? 0
            let y = ib.next() ?? 0
            difference |= UInt64(x ^ y)
        }
        return difference == 0
    }

    /// The same for byte arrays (keys, signatures, peer IDs), over their contiguous storage: the
    /// generic version above, specialised for buffer pointers.
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in equal(a, b) } }
    }
}
