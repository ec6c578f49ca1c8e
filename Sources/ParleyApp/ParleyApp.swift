public enum ParleyMain {
    public static func run() async {}
}
