//! VXLAN overlays and static routes: what a routed underlay with a tunnel across it needs,
//! refused where written when it could not be built.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use toml::Spanned;

use super::{list, span, Validator};
use crate::scenario::model::{Node, StaticRoute};
use crate::scenario::raw::{RawNode, RawSegment, RawVxlan};
use crate::scenario::IpNet;

/// VNIs are 24 bits (RFC 7348 §5); 0 is left unused.
const VNI_MAX: i64 = (1 << 24) - 1;

impl Validator<'_> {
    /// A segment's VNI, if it is an overlay: in range, and without a switch's options.
    pub(super) fn vxlan(&mut self, name: &Spanned<String>, s: &RawSegment) -> Option<u32> {
        let v: &Spanned<RawVxlan> = s.vxlan.as_ref()?;
        let vni = *v.get_ref().vni.get_ref();
        if !(1..=VNI_MAX).contains(&vni) {
            self.d.at(
                span(&v.get_ref().vni),
                format!("VNI {vni} is out of range 1-{VNI_MAX}"),
            );
            return None;
        }
        if s.vlan_aware || s.multicast_snooping {
            self.d.at(
                span(v),
                format!(
                    "segment `{}` is a VXLAN overlay: it has no switch, so no `vlan_aware` or `multicast_snooping`",
                    name.get_ref()
                ),
            );
        }
        Some(vni as u32)
    }

    /// Each overlay interface names an underlay interface of its node with an IPv4 address;
    /// each overlay joins two or more nodes, once each; no VNI is used twice.
    pub(super) fn overlays(
        &mut self,
        nodes: &BTreeMap<Spanned<String>, RawNode>,
        segments: &BTreeMap<Spanned<String>, RawSegment>,
    ) {
        let vni_of = |seg: &str| -> Option<i64> {
            segments
                .get(seg)
                .and_then(|s| s.vxlan.as_ref())
                .map(|v| *v.get_ref().vni.get_ref())
        };
        let mut members: HashMap<&str, Vec<&str>> = HashMap::new();
        for (n, node) in nodes {
            for (ifname, iface) in &node.interfaces {
                let seg = iface.segment.get_ref().as_str();
                if vni_of(seg).is_none() {
                    if let Some(u) = &iface.underlay {
                        self.d.at(
                            span(u),
                            format!("`underlay` belongs to an interface on a VXLAN segment; `{seg}` is switched"),
                        );
                    }
                    continue;
                }
                let who = format!("{}:{}", n.get_ref(), ifname.get_ref());
                let mine = members.entry(seg).or_default();
                if mine.contains(&n.get_ref().as_str()) {
                    self.d.at(
                        span(&iface.segment),
                        format!(
                            "`{}` already has an interface on VXLAN segment `{seg}`: one tunnel endpoint per node",
                            n.get_ref()
                        ),
                    );
                }
                mine.push(n.get_ref());
                if let Some(v) = &iface.vlan {
                    self.d.at(
                        span(v),
                        format!("{who} is a VXLAN interface: it has no VLAN"),
                    );
                }
                let Some(u) = &iface.underlay else {
                    self.d.at(
                        span(&iface.segment),
                        format!(
                            "{who} is on VXLAN segment `{seg}`: name the interface that carries its tunnel, e.g. `underlay = \"eth0\"`"
                        ),
                    );
                    continue;
                };
                self.underlay_of(n, node, u, &who, &vni_of);
            }
        }
        let mut vnis: HashMap<i64, &str> = HashMap::new();
        for (name, s) in segments {
            let Some(v) = &s.vxlan else { continue };
            let vni = *v.get_ref().vni.get_ref();
            if let Some(other) = vnis.insert(vni, name.get_ref()) {
                self.d.at(
                    span(&v.get_ref().vni),
                    format!("VNI {vni} is already segment `{other}`'s"),
                );
            }
            let n = members.get(name.get_ref().as_str()).map_or(0, Vec::len);
            if n < 2 {
                self.d.at(
                    span(name),
                    format!(
                        "VXLAN segment `{}` has {n} member{}: an overlay joins two or more nodes",
                        name.get_ref(),
                        if n == 1 { "" } else { "s" }
                    ),
                );
            }
        }
    }

    /// The underlay interface `u` of overlay interface `who`: another interface of the node,
    /// on a switched segment, with an IPv4 address (the tunnel's endpoint).
    fn underlay_of(
        &mut self,
        n: &Spanned<String>,
        node: &RawNode,
        u: &Spanned<String>,
        who: &str,
        vni_of: &dyn Fn(&str) -> Option<i64>,
    ) {
        let Some(under) = node.interfaces.get(u.get_ref().as_str()) else {
            self.d.at(
                span(u),
                format!(
                    "`{}` has no interface `{}`; its interfaces: {}",
                    n.get_ref(),
                    u.get_ref(),
                    list(node.interfaces.keys().map(|k| k.get_ref().as_str()))
                ),
            );
            return;
        };
        if vni_of(under.segment.get_ref()).is_some() {
            self.d.at(
                span(u),
                format!(
                    "{}:{} is itself on a VXLAN segment: the underlay of {who} must be switched",
                    n.get_ref(),
                    u.get_ref()
                ),
            );
            return;
        }
        let v4 = under
            .addresses
            .iter()
            .filter_map(|a| a.get_ref().parse::<IpNet>().ok())
            .any(|a| a.addr.is_ipv4());
        if !v4 {
            self.d.at(
                span(u),
                format!(
                    "{}:{} has no IPv4 address for {who}'s tunnel to start from",
                    n.get_ref(),
                    u.get_ref()
                ),
            );
        }
    }

    /// Each node's static routes: a network (no host bits) via a neighbour on one of the
    /// node's own subnets, of the same family.
    pub(super) fn routes(&mut self, raw: &BTreeMap<Spanned<String>, RawNode>, nodes: &mut [Node]) {
        for (n, node) in raw {
            let Some(out) = nodes.iter_mut().find(|x| &x.name == n.get_ref()) else {
                continue;
            };
            let subnets: Vec<IpNet> = out
                .interfaces
                .iter()
                .flat_map(|i| i.addresses.iter().copied())
                .collect();
            for r in &node.routes {
                let r = r.get_ref();
                let to: IpNet = match r.to.get_ref().parse() {
                    Ok(to) => to,
                    Err(e) => {
                        self.d.at(span(&r.to), e.to_string());
                        continue;
                    }
                };
                if to.host_bits_set() {
                    self.d.at(
                        span(&r.to),
                        format!("{to} is not a network: it has bits beyond /{}", to.prefix),
                    );
                    continue;
                }
                let via: IpAddr = match r.via.get_ref().parse() {
                    Ok(via) => via,
                    Err(_) => {
                        self.d.at(
                            span(&r.via),
                            format!("`{}` is not an IP address", r.via.get_ref()),
                        );
                        continue;
                    }
                };
                if via.is_ipv4() != to.addr.is_ipv4() {
                    self.d.at(
                        span(&r.via),
                        format!("{via} and {to} are of different families"),
                    );
                    continue;
                }
                if subnets.iter().any(|s| s.addr == via) {
                    self.d.at(
                        span(&r.via),
                        format!("{via} is {}'s own address, not a neighbour", n.get_ref()),
                    );
                    continue;
                }
                if !subnets.iter().any(|s| s.contains(&via)) {
                    self.d.at(
                        span(&r.via),
                        format!(
                            "{via} is on none of {}'s subnets ({}): a route goes via a neighbour",
                            n.get_ref(),
                            list(
                                subnets
                                    .iter()
                                    .map(|s| s.to_string())
                                    .collect::<Vec<_>>()
                                    .iter()
                                    .map(String::as_str)
                            )
                        ),
                    );
                    continue;
                }
                out.routes.push(StaticRoute { to, via });
            }
        }
    }
}
