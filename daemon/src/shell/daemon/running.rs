//! What the loop keeps per instance (`Running`), its counters, and the small
//! tables and helpers the other parts share.

use super::*;

#[derive(Default)]
pub(super) struct Counters {
    pub(super) rx_adverts: u64,
    pub(super) tx_adverts: u64,
    pub(super) tx_errors: u64,
    pub(super) became_master: u64,
    pub(super) became_backup: u64,
    pub(super) vip_conflicts: u64,
    pub(super) arp_replies: u64,
    pub(super) na_replies: u64,
    pub(super) router_adverts: u64,
    pub(super) rx_checksum_pseudo_header: u64,
    pub(super) rx_checksum_message_only: u64,
    pub(super) discards: BTreeMap<&'static str, u64>,
    pub(super) noted: BTreeMap<&'static str, u64>,
}

impl Counters {
    pub(super) fn new() -> Counters {
        let mut c = Counters::default();
        for r in DiscardReason::ALL {
            c.discards.insert(r.name(), 0);
        }
        c
    }
}

/// A frame that must wait until the instance's netlink changes are done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Deferred {
    Advert(u8),
    Announce(Vec<IpAddr>),
    RouterAdvert,
    /// An answer to an ARP request or a solicitation for a VIP, asked
    /// while the tenure's first advertisement still waits: it follows that
    /// advertisement, never precedes it (§6.4.2).
    Reply(Vec<u8>),
}

/// The frames an instance holds back while its netlink changes run, in
/// the order they were asked for.
#[derive(Debug, Default)]
pub(super) struct Waiting(Vec<Deferred>);

impl Waiting {
    pub(super) fn push(&mut self, d: Deferred) {
        self.0.push(d);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The tenure's first advertisement has not left yet (it waits for
    /// the VMAC): what the master would send now must wait behind it.
    pub(super) fn advert_waiting(&self) -> bool {
        self.0.iter().any(|d| matches!(d, Deferred::Advert(_)))
    }

    /// Where a frame for a VIP goes: behind a waiting advertisement, or
    /// out now (`None`).
    pub(super) fn hold_reply(&mut self, f: Vec<u8>) -> Option<Vec<u8>> {
        if self.advert_waiting() {
            self.0.push(Deferred::Reply(f));
            None
        } else {
            Some(f)
        }
    }

    /// The advertisement's wait is over: it goes, with the answers that
    /// waited behind it; announcements still wait for the VIPs.
    pub(super) fn release_adverts(&mut self) -> Vec<Deferred> {
        let (go, wait) = std::mem::take(&mut self.0)
            .into_iter()
            .partition(|d| matches!(d, Deferred::Advert(_) | Deferred::Reply(_)));
        self.0 = wait;
        go
    }

    /// The netlink changes are done: everything goes, in order.
    pub(super) fn release_all(&mut self) -> Vec<Deferred> {
        std::mem::take(&mut self.0)
    }
}

pub(super) struct Running {
    pub(super) cfg: InstanceConfig,
    pub(super) core: Instance,
    /// Changes on reload (tracker reports of an older one are ignored).
    pub(super) generation: u64,
    /// Unique per start: identifies this instance's timers and netlink
    /// changes when a slot is reused.
    pub(super) id: u64,
    pub(super) parent: u32,
    pub(super) send_mac: Mac,
    pub(super) vmac_index: Option<u32>,
    pub(super) vmac_name: Option<String>,
    pub(super) vip_index: u32,
    pub(super) unicast: Option<UnicastSocket>,
    pub(super) primary: IpAddr,
    /// The interface holding `primary` (link-local peers are reached there).
    pub(super) source_index: u32,
    pub(super) counters: Counters,
    pub(super) tasks: Vec<JoinHandle<()>>,
    pub(super) scripts: Vec<(bool, i32)>,
    pub(super) files: Vec<(i64, i32)>,
    pub(super) ifaces: Vec<(bool, i32)>,
    /// Names of `ifaces`, in the same order (polled by the main loop).
    pub(super) iface_names: Vec<String>,
    pub(super) left: bool,
    pub(super) last_defense: Option<Time>,
    /// Earliest heap entry per timer (Adver, MasterDown, Leave,
    /// RouterAdvert). A backup re-arms Master_Down on every advertisement,
    /// always later: instead of one heap entry per advertisement, the
    /// earlier entry is re-pushed with the current deadline when it pops.
    pub(super) scheduled: [Option<Time>; 5],
    /// Netlink changes queued or running, and how many of them in the slow
    /// lane; frames wait in `deferred` while any is pending.
    pub(super) pending_ops: u32,
    pub(super) slow_ops: u32,
    pub(super) deferred: Waiting,
    /// The multicast advertisement frame for a priority, built once.
    pub(super) advert: Option<(u8, Vec<u8>)>,
    /// `advert` is in the batch being sent.
    pub(super) advert_queued: bool,
    /// IPv6 groups joined on the parent for this instance.
    pub(super) groups: Vec<Ipv6Addr>,
    /// A deferred advertisement goes out at this time even if the netlink
    /// changes it waits for are not done.
    pub(super) advert_due: Option<Time>,
}

impl Running {
    pub(super) fn announce_on_lan(&self) -> bool {
        // VIPs kept on another interface (lo, for a routing daemon) are
        // not announced on the VRRP link.
        self.cfg.vmac
            || self
                .cfg
                .vip_interface
                .as_deref()
                .is_none_or(|i| i == self.cfg.interface)
    }

    /// Whether vrlabd, not the kernel, answers ARP and ND for the VIPs: with
    /// a VMAC always (the VMAC interface is IFF_NOARP and the VIPs held
    /// locally live on lo, so the kernel never answers for them, nor for a
    /// router that is no longer master), and for VIPs that are not local
    /// addresses (Accept_Mode false). VIPs kept on another interface (lo,
    /// `vmac = false`) are not for the link.
    pub(super) fn answers_in_userspace(&self) -> bool {
        self.announce_on_lan() && (self.cfg.vmac || !self.core.accepts_vip_traffic())
    }

    pub(super) fn virtual_link_local(&self) -> Option<Ipv6Addr> {
        self.cfg.vips.iter().find_map(|(a, _)| match a {
            IpAddr::V6(v6) if is_link_local(v6) => Some(*v6),
            _ => None,
        })
    }

    /// Where a VIP held locally goes: with a VMAC, on lo as a host
    /// address (link-local ones are not routed to lo: they stay ours for
    /// ND only); else on `vip_interface` with its configured prefix.
    pub(super) fn vip_target(&self, addr: &IpAddr) -> Option<(u32, u8)> {
        let host = if addr.is_ipv4() { 32 } else { 128 };
        if self.cfg.vmac {
            match addr {
                IpAddr::V6(v6) if is_link_local(v6) => None,
                _ => Some((self.vip_index, host)),
            }
        } else {
            let prefix = self
                .cfg
                .vips
                .iter()
                .find(|(x, _)| x == addr)
                .map_or(host, |(_, p)| *p);
            Some((self.vip_index, prefix))
        }
    }

    /// IPv6 groups to join on the parent while master: the solicited-node
    /// groups of the VIPs vrlabd answers solicitations for.
    pub(super) fn solicited_groups(&self, addresses: &[IpAddr]) -> Vec<Ipv6Addr> {
        if self.cfg.family != Family::Ipv6 || !self.answers_in_userspace() {
            return Vec::new();
        }
        addresses
            .iter()
            .filter_map(|a| match a {
                IpAddr::V6(v6) => Some(solicited_node(v6)),
                IpAddr::V4(_) => None,
            })
            .collect()
    }
}

/// A frame in the batch sent at the end of a turn, in order.
pub(super) enum TxItem {
    /// The instance's cached advertisement.
    Advert(usize),
    /// Another advertisement (counted as one), or another frame.
    Frame(usize, Vec<u8>, bool),
}

/// (interface index, family, VRID) -> slot, for the receive path: a
/// 256-entry table per interface and family (a hash per packet costs more
/// than the rest of the lookup).
#[derive(Default)]
pub(super) struct VridTable {
    pub(super) tables: Vec<(RxKey, Box<[u32; 256]>)>,
}

/// An interface and family.
pub(super) type RxKey = (u32, Family);

impl VridTable {
    pub(super) const NONE: u32 = u32::MAX;

    pub(super) fn get(&self, ifindex: u32, family: Family, vrid: u8) -> Option<usize> {
        self.tables
            .iter()
            .find(|(k, _)| *k == (ifindex, family))
            .map(|(_, t)| t[usize::from(vrid)])
            .filter(|s| *s != Self::NONE)
            .map(|s| s as usize)
    }

    pub(super) fn insert(&mut self, ifindex: u32, family: Family, vrid: u8, slot: usize) {
        let key = (ifindex, family);
        let i = match self.tables.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                self.tables.push((key, Box::new([Self::NONE; 256])));
                self.tables.len() - 1
            }
        };
        self.tables[i].1[usize::from(vrid)] = slot as u32;
    }

    pub(super) fn remove(&mut self, ifindex: u32, family: Family, vrid: u8) {
        if let Some((_, t)) = self
            .tables
            .iter_mut()
            .find(|(k, _)| *k == (ifindex, family))
        {
            t[usize::from(vrid)] = Self::NONE;
        }
    }
}

/// `Timer` with an order, for the heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum TimerKey {
    Adver,
    MasterDown,
    Leave,
    RouterAdvert,
    Defend,
}

impl TimerKey {
    pub(super) fn of(t: Timer) -> TimerKey {
        match t {
            Timer::Adver => TimerKey::Adver,
            Timer::MasterDown => TimerKey::MasterDown,
            Timer::Leave => TimerKey::Leave,
            Timer::RouterAdvert => TimerKey::RouterAdvert,
            Timer::Defend => TimerKey::Defend,
        }
    }
    pub(super) fn timer(self) -> Timer {
        match self {
            TimerKey::Adver => Timer::Adver,
            TimerKey::MasterDown => Timer::MasterDown,
            TimerKey::Leave => Timer::Leave,
            TimerKey::RouterAdvert => Timer::RouterAdvert,
            TimerKey::Defend => Timer::Defend,
        }
    }
}

pub(super) fn is_link_local(a: &Ipv6Addr) -> bool {
    (a.segments()[0] & 0xffc0) == 0xfe80
}

pub(super) fn family_index(f: Family) -> usize {
    match f {
        Family::Ipv4 => 0,
        Family::Ipv6 => 1,
    }
}

/// The solicited-node multicast group of an address (RFC 4291 §2.7.1).
pub(super) fn solicited_node(a: &Ipv6Addr) -> Ipv6Addr {
    let o = a.octets();
    Ipv6Addr::new(
        0xff02,
        0,
        0,
        0,
        0,
        1,
        0xff00 | u16::from(o[13]),
        (u16::from(o[14]) << 8) | u16::from(o[15]),
    )
}

pub(super) const ALL_ROUTERS: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2);

pub(super) fn params_of(c: &InstanceConfig, primary: IpAddr, seed: u64) -> Params {
    Params {
        version: c.version,
        family: c.family,
        vrid: c.vrid,
        priority: c.priority,
        adver_interval_cs: c.interval_cs,
        preempt: c.preempt,
        preempt_delay: c.preempt_delay,
        advert_on_lower_priority: c.advert_on_lower_priority,
        strict_address_check: c.strict_address_check,
        graceful_leave: c.graceful_leave,
        addresses: c.advertised(),
        primary,
        accept_mode: c.accept,
        router_adverts: c.router_advertisements.map(|r| RaParams {
            max_interval: r.max_interval,
            min_interval: r.min_interval,
        }),
        seed,
        // All masters with the same interval advertise at the same
        // instants (multiples of the interval since the daemon started).
        advert_phase: Some(Time::ZERO),
    }
}

pub(super) fn state_name(s: State) -> &'static str {
    match s {
        State::Initialize => "initialize",
        State::Backup => "backup",
        State::Master => "master",
        State::Fault => "fault",
    }
}

pub(super) fn vmac_name(c: &InstanceConfig, parent: u32) -> String {
    let mut n = c.vmac_interface.clone().unwrap_or_else(|| {
        format!(
            "vr{}.{}.{}",
            if c.family == Family::Ipv6 { 6 } else { 4 },
            c.vrid,
            parent
        )
    });
    n.truncate(15);
    n
}

/// Whether an instance needs the blackhole rule of its family: a non-owner
/// without Accept_Mode.
pub(super) fn needs_blackhole(c: &InstanceConfig) -> bool {
    !c.accept && c.priority != 255
}

/// Whether IPv6 unicast adverts go to global addresses: the advert source
/// must then be a global address too (a link-local one cannot leave the link).
pub(super) fn global_v6_peers(c: &InstanceConfig) -> bool {
    c.unicast_peers
        .iter()
        .any(|p| matches!(p, IpAddr::V6(v6) if !is_link_local(v6)))
}

pub(super) fn random_seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (t.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiting_advert() -> Waiting {
        let mut w = Waiting::default();
        w.push(Deferred::Advert(100));
        w.push(Deferred::Announce(vec!["192.0.2.1".parse().unwrap()]));
        w
    }

    #[test]
    fn rfc5798_6_4_2_an_answer_waits_behind_the_first_advertisement() {
        let mut w = waiting_advert();
        assert_eq!(w.hold_reply(vec![1]), None);
        assert_eq!(
            w.release_adverts(),
            vec![Deferred::Advert(100), Deferred::Reply(vec![1])]
        );
        // The advertisement is out: answers go at once, announcements still wait.
        assert_eq!(w.hold_reply(vec![2]), Some(vec![2]));
        assert_eq!(
            w.release_all(),
            vec![Deferred::Announce(vec!["192.0.2.1".parse().unwrap()])]
        );
    }

    #[test]
    fn rfc5798_6_4_2_the_netlink_changes_done_release_everything_in_order() {
        let mut w = waiting_advert();
        assert_eq!(w.hold_reply(vec![1]), None);
        assert_eq!(
            w.release_all(),
            vec![
                Deferred::Advert(100),
                Deferred::Announce(vec!["192.0.2.1".parse().unwrap()]),
                Deferred::Reply(vec![1]),
            ]
        );
        assert!(w.is_empty());
    }

    #[test]
    fn without_a_waiting_advertisement_an_answer_goes_at_once() {
        let mut w = Waiting::default();
        w.push(Deferred::Announce(vec![]));
        assert_eq!(w.hold_reply(vec![3]), Some(vec![3]));
    }
}
