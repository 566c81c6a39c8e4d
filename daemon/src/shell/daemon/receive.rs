//! The receive path: protocol-112 sockets read in batches, ARP and ND
//! requests for the VIPs, claims by others on them, and the multicast groups
//! joined for them.

use super::*;

impl Daemon {
    pub(super) fn frame_socket(&mut self, ifindex: u32) -> Result<Arc<FrameSocket>, DaemonError> {
        if let Some(s) = self.frame_sockets.get(&ifindex) {
            return Ok(s.clone());
        }
        let s = Arc::new(FrameSocket::open(ifindex).map_err(io_err("AF_PACKET socket"))?);
        self.frame_sockets.insert(ifindex, s.clone());
        Ok(s)
    }

    pub(super) fn ensure_rx(
        &mut self,
        ifindex: u32,
        family: Family,
        ifname: &str,
    ) -> Result<(), DaemonError> {
        let i = family_index(family);
        if self.rx[i].is_none() {
            self.rx[i] = Some(RxSocket::open(family).map_err(io_err("VRRP socket"))?);
            self.rx_pending[i] = true;
        }
        let n = self.vrrp_joined.entry((family, ifindex)).or_default();
        if *n == 0 {
            if let Some(s) = self.rx[i].as_ref() {
                s.join_vrrp(ifindex)
                    .map_err(io_err(format!("joining the VRRP group on {ifname}")))?;
            }
        }
        *n += 1;
        Ok(())
    }

    pub(super) fn release_rx(&mut self, ifindex: u32, family: Family) {
        if let Some(n) = self.vrrp_joined.get_mut(&(family, ifindex)) {
            *n -= 1;
            if *n == 0 {
                self.vrrp_joined.remove(&(family, ifindex));
                if let Some(s) = self.rx[family_index(family)].as_ref() {
                    let _ = s.leave_vrrp(ifindex);
                }
            }
        }
    }

    pub(super) fn ensure_claims(&mut self, ifindex: u32) -> Result<(), DaemonError> {
        if self.claim_socks.iter().any(|(i, _)| *i == ifindex) {
            return Ok(());
        }
        let sock = ClaimSocket::open(ifindex).map_err(io_err("ARP/ND socket"))?;
        self.claim_socks.push((ifindex, sock));
        self.claim_pending.push(true);
        Ok(())
    }

    /// Join an IPv6 group on the parent for an instance (refcounted: two
    /// instances may share a solicited-node group).
    pub(super) fn join_group(&mut self, slot: usize, ifindex: u32, group: Ipv6Addr) {
        let n = self.groups.entry((ifindex, group)).or_default();
        if *n == 0 {
            if let Some(s) = self.rx[1].as_ref() {
                if let Err(e) = s.group_v6(&group, ifindex, true) {
                    tracing::warn!("cannot join {group} on interface {ifindex}: {e}");
                }
            }
        }
        *n += 1;
        if let Some(r) = self.slots[slot].as_mut() {
            r.groups.push(group);
        }
    }

    pub(super) fn leave_group(&mut self, slot: usize, ifindex: u32, group: Ipv6Addr) {
        if let Some(r) = self.slots[slot].as_mut() {
            match r.groups.iter().position(|g| *g == group) {
                Some(i) => {
                    r.groups.swap_remove(i);
                }
                None => return,
            }
        }
        if let Some(n) = self.groups.get_mut(&(ifindex, group)) {
            *n -= 1;
            if *n == 0 {
                self.groups.remove(&(ifindex, group));
                if let Some(s) = self.rx[1].as_ref() {
                    let _ = s.group_v6(&group, ifindex, false);
                }
            }
        }
    }

    /// Read and handle whatever the sockets hold, up to a budget each.
    /// Only sockets the reactor saw data on are read (no system call for
    /// the others); the reactor's view is as fresh as the wake-up that got
    /// us here, which a packet arriving before a deadline has preceded.
    pub(super) fn drain_sockets(&mut self) {
        // An ARP or ND request for a VIP is answered only after the adverts
        // that arrived before it: a master pre-empted by an advert still
        // waiting in a parked socket must not answer for the VIPs (seen: an
        // NA from the old master 1.5 ms after its successor's first advert,
        // which pulled hosts' pings back to it). So a request read this turn
        // makes the advert sockets be read this turn too.
        let mut claims = false;
        for i in 0..self.claim_socks.len() {
            if self.claim_socks[i].1.take_ready() {
                self.claim_pending[i] = true;
            }
            claims |= self.claim_pending[i];
        }
        if claims && self.rx_resume_at.is_some() {
            for i in 0..2 {
                self.rx_pending[i] |= self.rx[i].is_some();
            }
        }
        for i in 0..2 {
            let Some(mut sock) = self.rx[i].take() else {
                continue;
            };
            if sock.take_ready() || self.rx_pending[i] {
                self.rx_pending[i] = true;
                let mut meta = std::mem::take(&mut self.rx_meta);
                for _ in 0..READ_BATCHES {
                    match sock.recv_batch(&mut meta) {
                        Ok(n) => {
                            self.rx_read |= n > 0;
                            let (now, real_now) = (self.now(), std::time::SystemTime::now());
                            for m in &meta {
                                // Handled as of its arrival, after whatever
                                // timer was due before it.
                                let at = self.arrival(m, now, real_now);
                                self.fire_timers(at);
                                self.on_rx(&sock, m, at);
                            }
                            if n < RX_BATCH {
                                // Drained: what comes next raises a new edge.
                                self.rx_pending[i] = false;
                                break;
                            }
                        }
                        Err(e) => {
                            if e.kind() != io::ErrorKind::WouldBlock {
                                tracing::warn!("receive error: {e}");
                            }
                            self.rx_pending[i] = false;
                            break;
                        }
                    }
                }
                self.rx_meta = meta;
            }
            self.rx[i] = Some(sock);
        }
        let mut buf = std::mem::take(&mut self.buf);
        for i in 0..self.claim_socks.len() {
            let parent = self.claim_socks[i].0;
            if !self.claim_pending[i] {
                continue;
            }
            for _ in 0..CLAIM_BUDGET {
                match self.claim_socks[i].1.try_recv(&mut buf) {
                    Ok(n) => self.on_frame(parent, &buf[..n.min(buf.len())]),
                    Err(e) => {
                        if e.kind() != io::ErrorKind::WouldBlock {
                            tracing::warn!("ARP/ND socket error: {e}");
                        }
                        self.claim_pending[i] = false;
                        break;
                    }
                }
            }
        }
        self.buf = buf;
    }

    /// After a turn that read advertisements: stop being woken by each
    /// one; the loop comes back for them when the window ends.
    pub(super) fn park_rx(&mut self) {
        if !self.rx_read || self.rx_resume_at.is_some() {
            return;
        }
        self.rx_read = false;
        let until = self.now() + self.coalesce_window();
        for s in self.rx.iter_mut().flatten() {
            if let Err(e) = s.park() {
                tracing::warn!("cannot park a socket: {e}");
            }
        }
        self.rx_resume_at = Some(until);
    }

    pub(super) fn unpark_rx(&mut self) {
        if self.rx_resume_at.is_some_and(|t| self.now() >= t) {
            self.rx_resume_at = None;
            for (i, s) in self.rx.iter_mut().enumerate() {
                if let Some(s) = s {
                    if let Err(e) = s.unpark() {
                        tracing::warn!("cannot watch a socket again: {e}");
                    }
                    self.rx_pending[i] = true;
                }
            }
        }
    }

    /// A packet's arrival on our clock (CLOCK_REALTIME from the kernel,
    /// moved to the monotonic clock), never in the future and never older
    /// than a parked window can explain.
    pub(super) fn arrival(&self, m: &Received, now: Time, real_now: std::time::SystemTime) -> Time {
        let Some(t) = m.arrival else {
            return now;
        };
        let ago = real_now.duration_since(t).unwrap_or_default();
        let ago = ago.min(Duration::from_millis(50));
        Time::from_micros(now.as_micros().saturating_sub(ago.as_micros() as u64))
    }

    pub(super) fn on_rx(&mut self, sock: &RxSocket, m: &Received, now: Time) {
        tracing::trace!(src = %m.ip.src(), ifindex = m.ifindex, late_us = self.now().as_micros().saturating_sub(now.as_micros()), "advertisement read");
        let pkt = RxPacket {
            ip: m.ip,
            ttl: m.ttl,
            payload: sock.data(m),
        };
        let family = m.ip.family();
        let src = m.ip.src();
        let multicast = m.ip.dst_is_multicast();
        // Multicast: the instance of that VRID on the interface it came in
        // on. Unicast: only the instance that has the sender as a peer, on
        // any interface; from anyone else it is discarded (not_a_peer).
        let find = |vrid: u8| {
            if multicast {
                self.by_vrid.get(m.ifindex, family, vrid)
            } else {
                self.by_peer.get(&(family, vrid, src)).copied()
            }
        };
        let result = check(&pkt, |vrid| {
            find(vrid)
                .and_then(|s| self.slots[s].as_ref())
                .map(|r| (r.cfg.version, r.cfg.auth))
        });
        match result {
            Ok(acc) => {
                let Some(slot) = find(acc.vrid) else { return };
                let Some(r) = self.slots[slot].as_mut() else {
                    return;
                };
                r.counters.rx_adverts += 1;
                // The two checksum readings only differ for VRRPv3 over IPv4.
                if r.cfg.version == Version::V3 && r.cfg.family == Family::Ipv4 {
                    match acc.checksum_form {
                        ChecksumForm::PseudoHeader => r.counters.rx_checksum_pseudo_header += 1,
                        ChecksumForm::MessageOnly => r.counters.rx_checksum_message_only += 1,
                    }
                }
                let actions = r.core.handle(Event::Advert(acc.advert), now);
                self.execute(slot, actions);
            }
            Err((reason, vrid)) => {
                // A stranger's unicast advert is counted by the instance it
                // was aimed at, when there is one on that interface.
                let slot =
                    vrid.and_then(|v| find(v).or_else(|| self.by_vrid.get(m.ifindex, family, v)));
                tracing::debug!(src = %src, "packet discarded: {}", reason.name());
                match slot.and_then(|s| self.slots[s].as_mut()) {
                    Some(r) => *r.counters.discards.entry(reason.name()).or_default() += 1,
                    None => *self.unattributed.entry(reason.name()).or_default() += 1,
                }
            }
        }
    }

    /// An ARP or ND frame heard on a parent interface.
    pub(super) fn on_frame(&mut self, parent: u32, f: &[u8]) {
        if let Some(req) = frame::parse_request(f) {
            self.on_request(parent, req);
        }
        if let Some(claim) = frame::parse_claim(f) {
            self.on_claim(parent, claim);
        }
    }

    /// Answer what the kernel will not: ARP requests and neighbour
    /// solicitations for the VIPs of masters without Accept_Mode (they are
    /// not local addresses), and router solicitations.
    pub(super) fn on_request(&mut self, parent: u32, req: Request) {
        let now = self.now();
        for slot in 0..self.slots.len() {
            let Some(r) = self.slots[slot].as_mut() else {
                continue;
            };
            if r.parent != parent || r.core.state() != State::Master {
                continue;
            }
            match &req {
                Request::Arp {
                    target,
                    sender_ip,
                    sender_mac,
                } => {
                    if r.answers_in_userspace()
                        && r.core.answers_solicitation_for(&IpAddr::V4(*target))
                        && *sender_mac != r.send_mac
                    {
                        // A probe (sender 0.0.0.0) is answered to its sender MAC too.
                        let f = frame::arp_reply(r.send_mac, *target, *sender_ip, *sender_mac);
                        r.counters.arp_replies += 1;
                        self.reply(slot, f);
                    }
                }
                Request::Neighbour {
                    target,
                    src,
                    src_mac,
                } => {
                    if r.answers_in_userspace()
                        && r.core.answers_solicitation_for(&IpAddr::V6(*target))
                        && *src_mac != r.send_mac
                    {
                        let f = frame::solicited_na(r.send_mac, *target, *src, *src_mac);
                        r.counters.na_replies += 1;
                        self.reply(slot, f);
                    }
                }
                Request::Router => {
                    if r.cfg.router_advertisements.is_some() {
                        let actions = r.core.handle(Event::RouterSolicitation, now);
                        self.execute(slot, actions);
                    }
                }
            }
        }
    }

    /// Send an answer for a VIP, after the tenure's first advertisement
    /// if that still waits: a router seen answering for the virtual router
    /// before the wire shows it master looks like a backup that answers.
    fn reply(&mut self, slot: usize, f: Vec<u8>) {
        let Some(r) = self.slots[slot].as_mut() else {
            return;
        };
        if let Some(f) = r.deferred.hold_reply(f) {
            self.tx.push(TxItem::Frame(slot, f, false));
        }
    }

    pub(super) fn on_claim(&mut self, parent: u32, claim: Claim) {
        let (ip, mac) = match claim {
            Claim::V4 { ip, mac } => (IpAddr::V4(ip), mac),
            Claim::V6 { ip, mac } => (IpAddr::V6(ip), mac),
        };
        let now = self.now();
        for slot in 0..self.slots.len() {
            let Some(r) = self.slots[slot].as_mut() else {
                continue;
            };
            if r.parent != parent || r.core.state() != State::Master || mac == r.send_mac {
                continue;
            }
            if !r.cfg.vips.iter().any(|(a, _)| *a == ip) {
                continue;
            }
            r.counters.vip_conflicts += 1;
            // The core paces the defence (one per Advertisement_Interval, the last claim
            // of a burst answered); the log says so at most once a second.
            if r.last_defense
                .is_none_or(|t| now >= t + Duration::from_secs(1))
            {
                r.last_defense = Some(now);
                tracing::warn!(instance = %r.cfg.name, %ip, mac = %frame::format_mac(&mac), "VIP claimed by another MAC: re-announcing");
            }
            let actions = r.core.handle(Event::VipConflict, now);
            self.execute(slot, actions);
        }
    }
}
