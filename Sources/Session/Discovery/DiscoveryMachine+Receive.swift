import Identity
import Wire

extension DiscoveryMachine {
    /// A datagram from `source`. The checks run cheapest first, so that a flood costs little:
    /// size and layout, our own packets, replay, then the signature (under a global budget, with
    /// a small reserve for each listed peer), then the verified key's rate, then freshness; only
    /// a packet that passes them all changes the table. Nothing before the signature check is
    /// charged to a source address or a claimed key: both can be spoofed, and a flood in someone
    /// else's name must not silence them.
    public mutating func receive(
        _ datagram: [UInt8], from source: DiscoverySource, now: Instant, wallClock: UInt64
    ) -> [DiscoveryAction] {
        guard phase == .running else { return [] }
        stats.datagramsReceived += 1
        let received: ReceivedDiscoveryPacket
        do {
            received = try DiscoveryPacket.decode(datagram)
        } catch {
            switch error {
            case .oversized: return drop(.oversized)
            case .notParley: return drop(.notParley)
            case .unsupportedVersion: return drop(.unsupportedVersion)
            case .truncated, .malformed: return drop(.malformed)
            }
        }
        let packet = received.packet
        guard let sender = PeerID(bytes: packet.peerID) else { return drop(.malformed) }
        // Our own packets come back through multicast loopback. One identity may run both as a
        // peer and as a relay, so only packets of our own role are ours.
        if sender == peerID && packet.kind.isRelay == (config.role == .relay) {
            stats.own += 1
            return []
        }
        // A relay only answers queries: everything else is nothing to it.
        if config.role == .relay && packet.kind != .query {
            stats.ignored += 1
            return []
        }

        // Replay, before spending a signature check on it. Nothing changes until it verifies.
        let roster = Roster(packet.kind)
        let peerKey = PeerKey(sender)
        let key = DepartedInstances.Key(peer: peerKey, instance: packet.instance)
        let known = self[keyPath: roster.table][peerKey]?.instances[packet.instance]
        if let known {
            if packet.counter < known.counter
                || (packet.counter == known.counter
                    && known.linksAtCounter.contains(source.link))
            {
                return drop(.replay)
            }
        } else if let last = departed.lastCounter(key), packet.counter <= last {
            // A goodbye also arrives once per link it was sent on; the later copies are no attack.
            if (packet.kind == .goodbye || packet.kind == .relayGoodbye) && packet.counter == last {
                stats.duplicates += 1
                return []
            }
            return drop(.replay)
        }

        guard takeVerification(for: peerKey, in: roster, now: now) else { return drop(.overBudget) }
        guard DiscoverySignature.isValid(received) else { return drop(.badSignature) }
        guard senders.allow(peerKey, now: now) else { return drop(.rateLimited) }

        if let known, packet.counter == known.counter {
            // The same packet on another link: one more address, nothing else.
            stats.duplicates += 1
            self[keyPath: roster.table][peerKey]?.instances[packet.instance]?.heard(from: source, now: now)
            return report(sender, in: roster)
        }

        switch packet.kind {
        case .goodbye, .relayGoodbye:
            return goodbye(sender, packet: packet, known: known != nil, in: roster)
        case .query:
            var actions = scheduleAnswer(to: packet.nonces[0], on: source.link, now: now)
            if !packet.ports.isEmpty && config.role == .peer {
                actions += upsert(sender, packet, from: source, known: known != nil, now: now, wallClock: wallClock)
            } else {
                stats.accepted += 1
            }
            return actions
        case .announce, .relay:
            return upsert(sender, packet, from: source, known: known != nil, now: now, wallClock: wallClock)
        }
    }

    // MARK: Kinds

    private mutating func goodbye(
        _ sender: PeerID, packet: DiscoveryPacket, known: Bool, in roster: Roster
    ) -> [DiscoveryAction] {
        departed.record(.init(peer: PeerKey(sender), instance: packet.instance), counter: packet.counter)
        stats.accepted += 1
        guard known, var entry = self[keyPath: roster.table][PeerKey(sender)] else { return [] }
        let before = entry.reported
        entry.instances[packet.instance] = nil
        if entry.instances.isEmpty {
            self[keyPath: roster.table][PeerKey(sender)] = nil
            return before.map { [removal(of: $0, from: entry, in: roster, .goodbye)] } ?? []
        }
        self[keyPath: roster.table][PeerKey(sender)] = entry
        return report(sender, in: roster)
    }

    /// Adds or refreshes the sender's instance from a packet that lists ports: a peer's
    /// announce or query, or a relay's announcement.
    private mutating func upsert(
        _ sender: PeerID, _ packet: DiscoveryPacket, from source: DiscoverySource, known: Bool, now: Instant,
        wallClock: UInt64
    ) -> [DiscoveryAction] {
        let roster = Roster(packet.kind)
        let table = roster.table
        let answersUs =
            (packet.kind == .announce || packet.kind == .relay)
            && packet.nonces.contains { nonce in
                outstandingQueries.contains { $0.nonce == nonce && now < $0.until }
            }
        if known {
            var instance = self[keyPath: table][PeerKey(sender)]!.instances[packet.instance]!
            instance.update(from: packet, source: source, now: now)
            self[keyPath: table][PeerKey(sender)]!.instances[packet.instance] = instance
            if answersUs || now - instance.firstHeard >= config.confirmAfter {
                self[keyPath: table][PeerKey(sender)]!.confirmed = true
            }
            stats.accepted += 1
            return report(sender, in: roster)
        }

        // An instance we do not know: it must be fresh, by our nonce or by its clock.
        guard answersUs || isCloseToOurClock(packet.timestamp, wallClock: wallClock) else {
            var actions = drop(.stale)
            if lastStaleQuery.map({ now - $0 >= config.minStaleQueryGap }) ?? true {
                lastStaleQuery = now
                actions += query(on: .link(source.link), now: now, wallClock: wallClock)
            }
            return actions
        }

        var actions: [DiscoveryAction] = []
        if var entry = self[keyPath: table][PeerKey(sender)] {
            if entry.instances.count >= DiscoveryLimits.maxInstancesPerPeer,
                let oldest = entry.instances.min(by: { $0.value.lastHeard < $1.value.lastHeard })
            {
                entry.instances[oldest.key] = nil
                departed.record(.init(peer: PeerKey(sender), instance: oldest.key), counter: oldest.value.counter)
            }
            entry.instances[packet.instance] = InstanceEntry(packet: packet, source: source, now: now)
            if answersUs { entry.confirmed = true }
            self[keyPath: table][PeerKey(sender)] = entry
            stats.accepted += 1
            return report(sender, in: roster)
        }

        // A new peer, or a new relay. A source address can be spoofed, so a host's full share
        // makes room (its least valuable entry goes) rather than turning the newcomer away.
        // (Relays, which no session proves, keep the older rule: a confirmed relay is spared
        // and a host's full share turns newcomers away, so a flood cannot displace the relay
        // in use.)
        let fromHost = self[keyPath: table].values.filter { $0.wasHeard(from: source.host) }
        if fromHost.count >= roster.perHost {
            guard roster == .peers, let victim = Self.evictionCandidate(among: fromHost) else {
                return drop(.tooManyFromHost)
            }
            actions += evict(victim, from: roster)
        }
        if self[keyPath: table].count >= roster.capacity {
            let candidates = self[keyPath: table].values.filter { roster == .peers || !$0.confirmed }
            guard let victim = Self.evictionCandidate(among: candidates) else { return drop(.tableFull) }
            actions += evict(victim, from: roster)
        }
        var entry = PeerEntry(id: sender, firstSeen: now)
        entry.instances[packet.instance] = InstanceEntry(packet: packet, source: source, now: now)
        entry.proven = proven.contains(PeerKey(sender))
        entry.confirmed = answersUs || entry.proven
        self[keyPath: table][PeerKey(sender)] = entry
        stats.accepted += 1
        actions += report(sender, in: roster)
        // It may not know us yet (its query may have been lost, or it has none): announce soon.
        if packet.kind == .announce && !answersUs { scheduleTriggeredAnnounce(now: now) }
        return actions
    }

    private func isCloseToOurClock(_ timestamp: UInt64, wallClock: UInt64) -> Bool {
        let skew = timestamp > wallClock ? timestamp - wallClock : wallClock - timestamp
        return skew <= UInt64(DiscoveryLimits.maxClockSkew.nanoseconds / 1_000_000)
    }

    // MARK: Table maintenance

    private mutating func evict(_ id: PeerID, from roster: Roster) -> [DiscoveryAction] {
        guard let entry = self[keyPath: roster.table].removeValue(forKey: PeerKey(id)) else { return [] }
        for (instance, state) in entry.instances {
            departed.record(.init(peer: PeerKey(id), instance: instance), counter: state.counter)
        }
        stats.evictions += 1
        return entry.reported.map { [removal(of: $0, from: entry, in: roster, .evicted)] } ?? []
    }

    /// Removes what has not been heard for its validity: addresses, instances, then peers and
    /// relays.
    mutating func expire(now: Instant) -> [DiscoveryAction] {
        Roster.allCases.flatMap { expire(roster: $0, now: now) }
    }

    private mutating func expire(roster: Roster, now: Instant) -> [DiscoveryAction] {
        var actions: [DiscoveryAction] = []
        let table = roster.table
        let ids = self[keyPath: table].map { ($0.key, $0.value.id) }.sorted { $0.1.description < $1.1.description }
        for (key, id) in ids {
            guard var entry = self[keyPath: table][key] else { continue }
            var changed = false
            for (instanceID, var instance) in entry.instances {
                if now >= instance.expiry || !instance.pruneAddresses(now: now) {
                    entry.instances[instanceID] = nil
                    departed.record(.init(peer: PeerKey(id), instance: instanceID), counter: instance.counter)
                    changed = true
                } else if instance.addresses.count != entry.instances[instanceID]?.addresses.count {
                    entry.instances[instanceID] = instance
                    changed = true
                }
            }
            guard changed else { continue }
            if entry.instances.isEmpty {
                self[keyPath: table][key] = nil
                if let reported = entry.reported {
                    actions.append(removal(of: reported, from: entry, in: roster, .expired))
                }
            } else {
                self[keyPath: table][key] = entry
                actions += report(id, in: roster)
            }
        }
        return actions
    }

    /// `.peerAdded` or `.peerUpdated` (`.relayAdded`, `.relayUpdated`) when what a user sees
    /// changed since it was last reported; nothing for a mere refresh.
    mutating func report(_ id: PeerID, in roster: Roster) -> [DiscoveryAction] {
        let key = PeerKey(id)
        guard let entry = self[keyPath: roster.table][key], let listing = entry.listing else { return [] }
        let previous = entry.reported
        self[keyPath: roster.table][key]?.reported = listing
        if let previous, previous.listsTheSame(as: listing) { return [] }
        switch roster {
        case .peers: return [previous == nil ? .peerAdded(listing) : .peerUpdated(listing)]
        case .relays: return [previous == nil ? .relayAdded(entry.relay(listing)) : .relayUpdated(entry.relay(listing))]
        }
    }

    private func removal(
        of reported: DiscoveredPeer, from entry: PeerEntry, in roster: Roster, _ why: DiscoveryDeparture
    ) -> DiscoveryAction {
        roster == .peers ? .peerRemoved(reported, why) : .relayRemoved(entry.relay(reported), why)
    }

    // MARK: Answers and announcements

    /// Answers a query after a random delay; queries on the same link meanwhile share the answer.
    private mutating func scheduleAnswer(to nonce: UInt64, on link: DiscoveryLink, now: Instant) -> [DiscoveryAction] {
        guard !config.isPassive else { return [] }
        if pendingAnswers[link] != nil {
            if pendingAnswers[link]!.nonces.count < DiscoveryLimits.maxEchoedNonces {
                pendingAnswers[link]!.nonces.append(nonce)
            }
            return []
        }
        var due = now + randomDelay(upTo: config.maxAnswerDelay)
        if let last = lastAnswer[link] { due = max(due, last + config.minAnswerGap) }
        pendingAnswers[link] = PendingAnswer(due: due, nonces: [nonce])
        return []
    }

    private mutating func scheduleTriggeredAnnounce(now: Instant) {
        guard !config.isPassive, triggeredAnnounce == nil else { return }
        var due = now + randomDelay(upTo: config.maxAnswerDelay)
        if let last = lastTriggeredAnnounce { due = max(due, last + config.minTriggeredAnnounceGap) }
        if let next = nextAnnounce, next <= due { return }
        triggeredAnnounce = due
    }

    private mutating func drop(_ reason: DiscoveryDropReason) -> [DiscoveryAction] {
        stats.drops[reason, default: 0] += 1
        return []
    }
}
