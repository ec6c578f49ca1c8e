extension Duration {
    /// "10 s", "0.3 s": a timeout as messages name it.
    public var secondsText: String {
        let (whole, attoseconds) = components
        let s = Double(whole) + Double(attoseconds) / 1e18
        return s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }
}
