//! The send path: advertisements (built once per priority), gratuitous ARP
//! and unsolicited NA, router advertisements, all sent in one batch at the
//! end of a turn; frames that must wait for netlink changes are deferred.

use super::*;

impl Daemon {
    pub(super) fn advert_bytes(r: &Running, priority: u8, dst: IpAddr) -> Option<Vec<u8>> {
        let adv = Advertisement {
            version: r.cfg.version,
            vrid: r.cfg.vrid,
            priority,
            interval: if r.cfg.version == Version::V3 {
                r.cfg.interval_cs
            } else {
                r.cfg.interval_cs / 100
            },
            auth_type: r.cfg.auth.type_code(),
            auth_data: r.cfg.auth.data(),
            addresses: r.cfg.advertised(),
        };
        let ip = match (r.primary, dst) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => IpPair::V4 { src, dst },
            (IpAddr::V6(src), IpAddr::V6(dst)) => IpPair::V6 { src, dst },
            _ => return None,
        };
        match adv.emit(&ip, r.cfg.checksum) {
            Ok(b) => Some(b),
            Err(e) => {
                tracing::error!(instance = %r.cfg.name, "cannot encode advertisement: {e}");
                None
            }
        }
    }

    pub(super) fn multicast_advert(r: &Running, priority: u8) -> Option<Vec<u8>> {
        match r.primary {
            IpAddr::V4(src) => Self::advert_bytes(r, priority, IpAddr::V4(MCAST_V4))
                .map(|b| frame::advert_v4(r.send_mac, src, MCAST_V4, &b)),
            IpAddr::V6(src) => Self::advert_bytes(r, priority, IpAddr::V6(MCAST_V6))
                .map(|b| frame::advert_v6(r.send_mac, src, MCAST_V6, &b)),
        }
    }

    pub(super) fn send_advert(&mut self, slot: usize, priority: u8) {
        let Some(r) = self.slots[slot].as_mut() else {
            return;
        };
        if let Some(u) = &r.unicast {
            let mut ok = true;
            for peer in &r.cfg.unicast_peers {
                if let Some(b) = Self::advert_bytes(r, priority, *peer) {
                    if let Err(e) = u.send(*peer, &b, r.source_index) {
                        tracing::warn!(instance = %r.cfg.name, %peer, "unicast send failed: {e}");
                        ok = false;
                    }
                }
            }
            if ok {
                r.counters.tx_adverts += 1;
            } else {
                r.counters.tx_errors += 1;
            }
            return;
        }
        if r.advert.as_ref().is_some_and(|(p, _)| *p == priority) && !r.advert_queued {
            r.advert_queued = true;
            self.tx.push(TxItem::Advert(slot));
            return;
        }
        // Not built yet, another priority, or already in this batch (two
        // adverts in one turn): build it.
        let Some(f) = Self::multicast_advert(r, priority) else {
            return;
        };
        if r.advert_queued {
            self.tx.push(TxItem::Frame(slot, f, true));
        } else {
            r.advert = Some((priority, f));
            r.advert_queued = true;
            self.tx.push(TxItem::Advert(slot));
        }
    }

    pub(super) fn announce(&mut self, slot: usize, addresses: &[IpAddr]) {
        let Some(r) = self.slots[slot].as_ref() else {
            return;
        };
        if !r.announce_on_lan() {
            return;
        }
        // NA source: the virtual link-local address.
        let ll = r.virtual_link_local();
        let mac = r.send_mac;
        for a in addresses {
            let f = match a {
                IpAddr::V4(v4) => frame::gratuitous_arp(mac, *v4),
                IpAddr::V6(v6) => frame::unsolicited_na(mac, ll.unwrap_or(*v6), *v6),
            };
            self.tx.push(TxItem::Frame(slot, f, false));
        }
    }

    pub(super) fn router_advert(&mut self, slot: usize) {
        let Some(r) = self.slots[slot].as_mut() else {
            return;
        };
        let (Some(ll), Some(ra)) = (r.virtual_link_local(), r.cfg.router_advertisements) else {
            return;
        };
        let lifetime = ra.lifetime.as_secs().min(u64::from(u16::MAX)) as u16;
        let f = frame::router_advert(r.send_mac, ll, lifetime);
        r.counters.router_adverts += 1;
        self.tx.push(TxItem::Frame(slot, f, false));
    }

    /// Send the batch of frames built during this turn, in order, with as
    /// few system calls as possible.
    pub(super) fn flush_tx(&mut self) {
        if self.tx.is_empty() {
            return;
        }
        let items = std::mem::take(&mut self.tx);
        let mut i = 0;
        while i < items.len() {
            let slot_of = |it: &TxItem| match it {
                TxItem::Advert(s) | TxItem::Frame(s, _, _) => *s,
            };
            let parent = |it: &TxItem| {
                self.slots
                    .get(slot_of(it))
                    .and_then(Option::as_ref)
                    .map(|r| r.parent)
            };
            let Some(p) = parent(&items[i]) else {
                i += 1;
                continue;
            };
            let mut j = i;
            while j < items.len() && parent(&items[j]) == Some(p) {
                j += 1;
            }
            let run = &items[i..j];
            let frames: Vec<&[u8]> = run
                .iter()
                .map(|it| match it {
                    TxItem::Advert(s) => self.slots[*s]
                        .as_ref()
                        .and_then(|r| r.advert.as_ref())
                        .map_or(&[][..], |(_, f)| f.as_slice()),
                    TxItem::Frame(_, f, _) => f.as_slice(),
                })
                .collect();
            let sock = self.frame_sockets.get(&p).cloned();
            let mut start = 0;
            let mut results = vec![true; frames.len()];
            if let Some(sock) = sock {
                while start < frames.len() {
                    let (sent, err) = sock.send_many(&frames[start..]);
                    match err {
                        None => break,
                        Some(e) => {
                            let k = start + sent;
                            results[k] = false;
                            let s = slot_of(&run[k]);
                            if let Some(r) = self.slots[s].as_ref() {
                                tracing::warn!(instance = %r.cfg.name, "send failed: {e}");
                            }
                            start = k + 1;
                        }
                    }
                }
            }
            for (it, ok) in run.iter().zip(results) {
                let is_advert = matches!(it, TxItem::Advert(_) | TxItem::Frame(_, _, true));
                if let Some(r) = self.slots[slot_of(it)].as_mut() {
                    if matches!(it, TxItem::Advert(_)) {
                        r.advert_queued = false;
                    }
                    match (ok, is_advert) {
                        (true, true) => r.counters.tx_adverts += 1,
                        (true, false) => {}
                        (false, _) => r.counters.tx_errors += 1,
                    }
                }
            }
            i = j;
        }
    }

    /// How long advertisement sockets may stay parked after a turn that
    /// read from them: a twentieth of the shortest advertisement interval,
    /// from 0.5 to 5 ms. Packets are handled as of their arrival, so a
    /// Master_Down_Timer is as exact as ever; what waits is the reaction to
    /// a priority-0 or higher-priority advert, by at most this much.
    pub(super) fn coalesce_window(&self) -> Duration {
        let shortest = self
            .slots
            .iter()
            .flatten()
            .map(|r| r.cfg.interval_cs.min(r.core.master_adver_interval_cs()))
            .min()
            .unwrap_or(100);
        (crate::core::time::centis(shortest) / 20)
            .clamp(Duration::from_micros(500), Duration::from_millis(5))
    }

    /// Send a frame that waited.
    pub(super) fn send_deferred(&mut self, slot: usize, d: Deferred) {
        match d {
            Deferred::Advert(p) => self.send_advert(slot, p),
            Deferred::Announce(a) => self.announce(slot, &a),
            Deferred::RouterAdvert => self.router_advert(slot),
            Deferred::Reply(f) => self.tx.push(TxItem::Frame(slot, f, false)),
        }
    }

    /// The earliest deadline of a deferred advertisement.
    pub(super) fn advert_deadline(&self) -> Option<Time> {
        self.adverts_waiting
            .iter()
            .filter_map(|s| self.slots[*s].as_ref().and_then(|r| r.advert_due))
            .min()
    }

    /// Send the deferred advertisements whose wait is over, and the answers
    /// that waited behind them; announcements still wait for the netlink
    /// changes.
    pub(super) fn release_adverts(&mut self) {
        if self.adverts_waiting.is_empty() {
            return;
        }
        let now = self.now();
        let waiting = std::mem::take(&mut self.adverts_waiting);
        for slot in waiting {
            let Some(r) = self.slots[slot].as_mut() else {
                continue;
            };
            match r.advert_due {
                Some(t) if t <= now => {
                    r.advert_due = None;
                    for d in r.deferred.release_adverts() {
                        self.send_deferred(slot, d);
                    }
                }
                Some(_) => self.adverts_waiting.push(slot),
                None => {}
            }
        }
    }
}
