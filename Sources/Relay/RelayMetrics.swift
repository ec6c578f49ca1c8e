import Session

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
        metric(
            "parley_relay_stored_offline_bytes", "gauge", "Bytes of the sealed offline messages held.",
            [("", s.storedOfflineBytes)])
        metric(
            "parley_relay_mailbox_write_errors_total", "counter",
            "Batches of mailbox writes the store could not commit (full or failing disk).",
            [("", s.counters.mailboxWriteErrors)])
        metric(
            "parley_relay_presence_changes_sent_total", "counter",
            "Presence changes (a peer registered or left) pushed to clients that watch their network.",
            [("", s.counters.presenceSent)])
        metric(
            "parley_relay_presence_changes_merged_total", "counter",
            "Presence changes replaced by a later change of the same peer before their push went out.",
            [("", s.counters.presenceMerged)])
        metric(
            "parley_relay_handshaking_clients", "gauge", "Connections that have not finished the link handshake.",
            [("", s.handshaking)])
        metric(
            "parley_relay_metrics_connections_refused_total", "counter",
            "Metrics connections closed at once: as many were open as allowed.", [("", s.metricsRefused)])
        metric(
            "parley_relay_metrics_connections_idle_closed_total", "counter",
            "Metrics connections closed after the idle timeout without a request.", [("", s.metricsIdleClosed)])
        if let a = s.announcement {
            metric("parley_relay_announce_links", "gauge", "Links the relay is announced on.", [("", a.links)])
            metric(
                "parley_relay_announce_packets_sent_total", "counter",
                "Announcements, answers to queries and goodbyes built (each sent once per link).",
                [("", a.packetsSent)])
            metric(
                "parley_relay_announce_datagrams_sent_total", "counter", "Announcement datagrams written to the links.",
                [("", a.datagramsSent)])
            metric(
                "parley_relay_announce_bytes_sent_total", "counter", "Payload bytes of the announcement datagrams.",
                [("", a.bytesSent)])
            metric(
                "parley_relay_announce_send_errors_total", "counter", "Announcement datagrams whose write failed.",
                [("", a.sendErrors)])
            metric(
                "parley_relay_announce_datagrams_received_total", "counter", "Discovery datagrams heard on the links.",
                [("", a.datagramsReceived)])
            metric(
                "parley_relay_announce_queries_total", "counter", "Discovery queries that passed every check.",
                [("", a.queriesAccepted)])
            metric(
                "parley_relay_announce_ignored_total", "counter",
                "Valid discovery packets a relay does not act on (anything but a query).", [("", a.ignored)])
            metric(
                "parley_relay_announce_own_total", "counter", "The relay's own datagrams heard back, ignored.",
                [("", a.own)])
            metric(
                "parley_relay_announce_drops_total", "counter", "Discovery datagrams dropped, by reason.",
                DiscoveryDropReason.allCases.map { ("{reason=\"\($0.rawValue)\"}", a.drops[$0] ?? 0) })
        }
        return out
    }
}
