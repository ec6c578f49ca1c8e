/// The relay's counters in the Prometheus text exposition format (version 0.0.4). Pure.
public enum RelayMetrics {
    public static func render(_ s: RelayMetricsSnapshot) -> String {
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: Int)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples { out += "\(name)\(sample.labels) \(sample.value)\n" }
        }
        metric("parley_relay_clients", "gauge", "Client connections open.", [("", s.clients)])
        metric("parley_relay_registered_clients", "gauge", "Clients registered in a network.", [("", s.registered)])
        metric("parley_relay_circuits", "gauge", "Circuits open between two clients.", [("", s.circuits)])
        metric(
            "parley_relay_connections_accepted_total", "counter", "Client connections accepted.",
            [("", s.counters.connectionsAccepted)])
        metric(
            "parley_relay_circuits_opened_total", "counter", "Circuits opened.", [("", s.counters.circuitsOpened)])
        metric(
            "parley_relay_offline_messages_stored_total", "counter", "Sealed offline messages accepted for storage.",
            [("", s.counters.mailStored)])
        metric(
            "parley_relay_frames_forwarded_total", "counter", "Data messages forwarded between clients.",
            [("", s.counters.messagesForwarded)])
        metric(
            "parley_relay_bytes_forwarded_total", "counter", "Payload bytes forwarded between clients.",
            [("", s.counters.bytesForwarded)])
        metric(
            "parley_relay_drops_total", "counter", "Connections and messages dropped, and reads paused, by reason.",
            RelayDropReason.allCases.map { ("{reason=\"\($0.rawValue)\"}", s.counters[$0]) })
        metric(
            "parley_relay_queued_bytes", "gauge", "Bytes queued for all clients that have not read them yet.",
            [("", s.queuedBytesTotal)])
        metric(
            "parley_relay_queued_bytes_max", "gauge", "Bytes queued for the client with the longest queue.",
            [("", s.queuedBytesMax)])
        metric(
            "parley_relay_stored_offline_messages", "gauge", "Sealed offline messages held for recipients.",
            [("", s.storedOfflineMessages)])
        return out
    }
}
