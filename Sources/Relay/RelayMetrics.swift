import Session

/// Whether a metric only grows (a Prometheus counter) or goes up and down (a gauge).
public enum RelayMetricKind: Sendable, Equatable {
    case counter
    case gauge
}

/// One time series of the relay's metrics: a metric name and its labels (`reason="throttled"`).
public struct RelaySeries: Sendable, Hashable, CustomStringConvertible {
    public struct Label: Sendable, Hashable {
        public var name: String
        public var value: String
    }

    public var name: String
    public var labels: [Label]

    public init(_ name: String, labels: [Label] = []) {
        self.name = name
        self.labels = labels
    }

    /// `name{reason="x"}`, as the exposition writes it.
    public var description: String {
        guard !labels.isEmpty else { return name }
        return name + "{" + labels.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }
}

/// A series' value in one snapshot, with what its metric family is: kind and help text.
public struct RelayMetricSample: Sendable, Equatable {
    public var series: RelaySeries
    public var kind: RelayMetricKind
    public var help: String
    public var value: Int
}

/// What the relay's `/metrics` shows, read from a snapshot: every series with its name, kind,
/// help text, labels and value. Pure; `RelayMetricsExporter` turns it into the exposition.
public enum RelayMetrics {
    public static func samples(_ s: RelayMetricsSnapshot) -> [RelayMetricSample] {
        var out: [RelayMetricSample] = []
        func gauge(_ name: String, _ help: String, _ value: Int) {
            out.append(RelayMetricSample(series: RelaySeries(name), kind: .gauge, help: help, value: value))
        }
        func counter(_ name: String, _ help: String, _ value: Int) {
            out.append(RelayMetricSample(series: RelaySeries(name), kind: .counter, help: help, value: value))
        }
        func counters(_ name: String, _ help: String, byReason values: [(reason: String, value: Int)]) {
            for (reason, value) in values {
                let series = RelaySeries(name, labels: [.init(name: "reason", value: reason)])
                out.append(RelayMetricSample(series: series, kind: .counter, help: help, value: value))
            }
        }
        gauge("parley_relay_clients", "Client connections open.", s.clients)
        gauge("parley_relay_registered_clients", "Clients registered in a network.", s.registered)
        gauge("parley_relay_circuits", "Circuits open between two clients.", s.circuits)
        counter(
            "parley_relay_connections_accepted_total", "Client connections accepted.", s.counters.connectionsAccepted)
        counter("parley_relay_circuits_opened_total", "Circuits opened.", s.counters.circuitsOpened)
        counter(
            "parley_relay_offline_messages_stored_total", "Sealed offline messages accepted for storage.",
            s.counters.mailStored)
        counter(
            "parley_relay_frames_forwarded_total", "Data messages forwarded between clients.",
            s.counters.messagesForwarded)
        counter(
            "parley_relay_bytes_forwarded_total", "Payload bytes forwarded between clients.", s.counters.bytesForwarded)
        counter("parley_relay_room_posts_total", "Room posts taken for fan-out.", s.counters.posts)
        counter(
            "parley_relay_room_post_copies_total", "Copies of room posts sent to the members of a network.",
            s.counters.postCopies)
        counters(
            "parley_relay_drops_total", "Connections and messages dropped, and reads paused, by reason.",
            byReason: RelayDropReason.allCases.map { ($0.rawValue, s.counters[$0]) })
        gauge(
            "parley_relay_queued_bytes", "Bytes queued for all clients that have not read them yet.",
            s.queuedBytesTotal)
        gauge(
            "parley_relay_queued_bytes_max", "Bytes queued for the client with the longest queue.", s.queuedBytesMax)
        gauge(
            "parley_relay_stored_offline_messages", "Sealed offline messages held for recipients.",
            s.storedOfflineMessages)
        gauge("parley_relay_stored_offline_bytes", "Bytes of the sealed offline messages held.", s.storedOfflineBytes)
        counter(
            "parley_relay_mailbox_write_errors_total",
            "Batches of mailbox writes the store could not commit (full or failing disk).",
            s.counters.mailboxWriteErrors)
        counter(
            "parley_relay_presence_changes_sent_total",
            "Presence changes (a peer registered or left) pushed to clients that watch their network.",
            s.counters.presenceSent)
        counter(
            "parley_relay_presence_changes_merged_total",
            "Presence changes replaced by a later change of the same peer before their push went out.",
            s.counters.presenceMerged)
        gauge(
            "parley_relay_handshaking_clients", "Connections that have not finished the link handshake.",
            s.handshaking)
        counter(
            "parley_relay_metrics_connections_refused_total",
            "Metrics connections closed at once: as many were open as allowed.", s.metricsRefused)
        counter(
            "parley_relay_metrics_connections_idle_closed_total",
            "Metrics connections closed after the idle timeout without a request.", s.metricsIdleClosed)
        guard let a = s.announcement else { return out }
        gauge("parley_relay_announce_links", "Links the relay is announced on.", a.links)
        counter(
            "parley_relay_announce_packets_sent_total",
            "Announcements, answers to queries and goodbyes built (each sent once per link).", a.packetsSent)
        counter(
            "parley_relay_announce_datagrams_sent_total", "Announcement datagrams written to the links.",
            a.datagramsSent)
        counter("parley_relay_announce_bytes_sent_total", "Payload bytes of the announcement datagrams.", a.bytesSent)
        counter("parley_relay_announce_send_errors_total", "Announcement datagrams whose write failed.", a.sendErrors)
        counter(
            "parley_relay_announce_datagrams_received_total", "Discovery datagrams heard on the links.",
            a.datagramsReceived)
        counter(
            "parley_relay_announce_queries_total", "Discovery queries that passed every check.", a.queriesAccepted)
        counter(
            "parley_relay_announce_ignored_total",
            "Valid discovery packets a relay does not act on (anything but a query).", a.ignored)
        counter("parley_relay_announce_own_total", "The relay's own datagrams heard back, ignored.", a.own)
        counters(
            "parley_relay_announce_drops_total", "Discovery datagrams dropped, by reason.",
            byReason: DiscoveryDropReason.allCases.map { ($0.rawValue, a.drops[$0] ?? 0) })
        return out
    }
}
