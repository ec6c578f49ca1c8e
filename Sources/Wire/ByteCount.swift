/// Sizes and rates as people read them: decimal units, one decimal ("512 B", "1.2 KB",
/// "200.0 MB"). Shared by the transfer lines and the status bar.
public enum ByteCount {
    public static func text(_ count: Double) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = count
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        guard unit > 0 else { return "\(Int(count)) B" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
