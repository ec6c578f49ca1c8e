import Identity
import Wire

extension DiscoveryMachine {
    /// A datagram from `source`. The checks run cheapest first, so that a flood costs little:
    /// the host's rate, size and layout, the sender's rate, our own packets, replay, then the
    /// signature (under a global budget), then freshness; only a packet that passes them all
    /// changes the table.
    public mutating func receive(
        _ datagram: [UInt8], from source: DiscoverySource, now: Instant, wallClock: UInt64
    ) -> [DiscoveryAction] {
        guard phase == .running else { return [] }
        stats.datagramsReceived += 1
        guard hosts.allow(source.host, now: now) else { return drop(.rateLimited) }
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
        if sender == peerID {
            stats.own += 1
            return []
        }
        guard senders.allow(SenderKey(host: source.host, peer: PeerKey(sender)), now: now) else {
            return drop(.rateLimited)
        }

        // Replay, before spending a signature check on it. Nothing changes until it verifies.
        let peerKey = PeerKey(sender)
        let key = DepartedInstances.Key(peer: peerKey, instance: packet.instance)
        let known = table[peerKey]?.instances[packet.instance]
        if let known {
            if packet.counter < known.counter
                || (packet.counter == known.counter
                    && known.linksAtCounter.contains(source.link))
            {
                return drop(.replay)
            }
        } else if let last = departed.lastCounter(key), packet.counter <= last {
            // A goodbye also arrives once per link it was sent on; the later copies are no attack.
            if packet.kind == .goodbye && packet.counter == last {
                stats.duplicates += 1
                return []
            }
            return drop(.replay)
        }

        guard verifications?.take(now: now) ?? false else { return drop(.overBudget) }
        guard DiscoverySignature.isValid(received) else { return drop(.badSignature) }

        if let known, packet.counter == known.counter {
            // The same packet on another link: one more address, nothing else.
            stats.duplicates += 1
            table[PeerKey(sender)]?.instances[packet.instance]?.heard(from: source, now: now)
            return report(sender)
        }

        switch packet.kind {
        case .goodbye:
            return goodbye(sender, packet: packet, known: known != nil)
        case .query:
            var actions = scheduleAnswer(to: packet.nonces[0], on: source.link, now: now)
            if !packet.ports.isEmpty {
                actions += upsert(sender, packet, from: source, known: known != nil, now: now, wallClock: wallClock)
            } else {
                stats.accepted += 1
            }
            return actions
        case .announce:
            return upsert(sender, packet, from: source, known: known != nil, now: now, wallClock: wallClock)
        }
    }

    // MARK: Kinds

    private mutating func goodbye(_ sender: PeerID, packet: DiscoveryPacket, known: Bool) -> [DiscoveryAction] {
        departed.record(.init(peer: PeerKey(sender), instance: packet.instance), counter: packet.counter)
        stats.accepted += 1
        guard known, var entry = table[PeerKey(sender)] else { return [] }
        let before = entry.reported
        entry.instances[packet.instance] = nil
        if entry.instances.isEmpty {
            table[PeerKey(sender)] = nil
            return before.map { [.peerRemoved($0, .goodbye)] } ?? []
        }
        table[PeerKey(sender)] = entry
        return report(sender)
    }

    /// Adds or refreshes the sender's instance from a packet that lists ports.
    private mutating func upsert(
        _ sender: PeerID, _ packet: DiscoveryPacket, from source: DiscoverySource, known: Bool, now: Instant,
        wallClock: UInt64
    ) -> [DiscoveryAction] {
        let answersUs =
            packet.kind == .announce
            && packet.nonces.contains { nonce in
                outstandingQueries.contains { $0.nonce == nonce && now < $0.until }
            }
        if known {
            var instance = table[PeerKey(sender)]!.instances[packet.instance]!
            instance.update(from: packet, source: source, now: now)
            table[PeerKey(sender)]!.instances[packet.instance] = instance
            if answersUs || now - instance.firstHeard >= config.confirmAfter {
                table[PeerKey(sender)]!.confirmed = true
            }
            stats.accepted += 1
            return report(sender)
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
        if var entry = table[PeerKey(sender)] {
            if entry.instances.count >= DiscoveryLimits.maxInstancesPerPeer,
                let oldest = entry.instances.min(by: { $0.value.lastHeard < $1.value.lastHeard })
            {
                entry.instances[oldest.key] = nil
                departed.record(.init(peer: PeerKey(sender), instance: oldest.key), counter: oldest.value.counter)
            }
            entry.instances[packet.instance] = InstanceEntry(packet: packet, source: source, now: now)
            if answersUs { entry.confirmed = true }
            table[PeerKey(sender)] = entry
            stats.accepted += 1
            return report(sender)
        }

        // A new peer.
        let fromHost = table.values.count { $0.wasHeard(from: source.host) }
        guard fromHost < DiscoveryLimits.maxPeersPerHost else { return drop(.tooManyFromHost) }
        if table.count >= DiscoveryLimits.maxPeers {
            guard let victim = evictionCandidate() else { return drop(.tableFull) }
            actions += evict(victim)
        }
        var entry = PeerEntry(id: sender)
        entry.instances[packet.instance] = InstanceEntry(packet: packet, source: source, now: now)
        entry.confirmed = answersUs
        table[PeerKey(sender)] = entry
        stats.accepted += 1
        actions += report(sender)
        // It may not know us yet (its query may have been lost, or it has none): announce soon.
        if packet.kind == .announce && !answersUs { scheduleTriggeredAnnounce(now: now) }
        return actions
    }

    private func isCloseToOurClock(_ timestamp: UInt64, wallClock: UInt64) -> Bool {
        let skew = timestamp > wallClock ? timestamp - wallClock : wallClock - timestamp
        return skew <= UInt64(DiscoveryLimits.maxClockSkew.nanoseconds / 1_000_000)
    }

    // MARK: Table maintenance

    /// The unconfirmed peer heard least recently, if any.
    private func evictionCandidate() -> PeerID? {
        table.values.filter { !$0.confirmed }.min { $0.lastSeen < $1.lastSeen }?.id
    }

    private mutating func evict(_ id: PeerID) -> [DiscoveryAction] {
        guard let entry = table.removeValue(forKey: PeerKey(id)) else { return [] }
        for (instance, state) in entry.instances {
            departed.record(.init(peer: PeerKey(id), instance: instance), counter: state.counter)
        }
        stats.evictions += 1
        return entry.reported.map { [.peerRemoved($0, .evicted)] } ?? []
    }

    /// Removes what has not been heard for its validity: addresses, instances, then peers.
    mutating func expire(now: Instant) -> [DiscoveryAction] {
        var actions: [DiscoveryAction] = []
        for (key, id) in table.map({ ($0.key, $0.value.id) }).sorted(by: { $0.1.description < $1.1.description }) {
            guard var entry = table[key] else { continue }
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
                table[key] = nil
                if let reported = entry.reported { actions.append(.peerRemoved(reported, .expired)) }
            } else {
                table[key] = entry
                actions += report(id)
            }
        }
        return actions
    }

    /// `.peerAdded` or `.peerUpdated` when what a user sees of the peer changed since it was
    /// last reported; nothing for a mere refresh.
    mutating func report(_ id: PeerID) -> [DiscoveryAction] {
        let key = PeerKey(id)
        guard let entry = table[key], let listing = entry.listing else { return [] }
        let previous = entry.reported
        table[key]?.reported = listing
        guard let previous else { return [.peerAdded(listing)] }
        return previous.listsTheSame(as: listing) ? [] : [.peerUpdated(listing)]
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
