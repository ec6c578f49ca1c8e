extension SessionMachine {
    /// Sends a ping now, outside the keepalive schedule, to measure the round trip at once
    /// (`parley peers --rtt`). Its pong arrives as `.deliver(.roundTrip(_))`, like a keepalive's;
    /// the next keepalive ping is due a full interval from now. A ping still unanswered is
    /// forgotten: only the newest one's pong is measured.
    public mutating func ping(now: Instant) throws(SendError) -> [SessionAction] {
        guard case .established(var e) = state else {
            if case .closed = state { throw .closed }
            throw .notEstablished
        }
        let token = e.keepalive.ping(now: now)
        state = .established(e)
        return sendFrame(.ping(token: token))
    }
}
