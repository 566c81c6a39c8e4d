//! `vrlabd status`: the JSON the control socket answers with.

use super::*;

impl Daemon {
    pub(super) fn status(&self) -> Value {
        let instances: Vec<Value> = self
            .slots
            .iter()
            .flatten()
            .map(|r| {
                let c = &r.counters;
                json!({
                    "name": r.cfg.name,
                    "interface": r.cfg.interface,
                    "vrid": r.cfg.vrid,
                    "version": r.cfg.version.number(),
                    "family": r.cfg.family,
                    "state": state_name(r.core.state()),
                    "leaving": r.core.is_leaving(),
                    "priority": r.core.priority(),
                    "configured_priority": r.cfg.priority,
                    "primary_address": r.primary,
                    "current_master": r.core.current_master().map(|(a, p)| json!({"address": a, "priority": p})),
                    "advertisement_interval_cs": r.cfg.interval_cs,
                    "master_adver_interval_cs": r.core.master_adver_interval_cs(),
                    "accept_mode": r.cfg.accept,
                    "vips_local": r.core.accepts_vip_traffic(),
                    "router_advertisements": r.cfg.router_advertisements.is_some(),
                    "unicast_peers": r.cfg.unicast_peers,
                    "vmac": r.cfg.vmac.then(|| frame::format_mac(&r.send_mac)),
                    "vips": r.cfg.vips.iter().map(|(a, p)| format!("{a}/{p}")).collect::<Vec<_>>(),
                    "pending_netlink_changes": r.pending_ops,
                    "counters": {
                        "rx_adverts": c.rx_adverts,
                        "tx_adverts": c.tx_adverts,
                        "tx_errors": c.tx_errors,
                        "became_master": c.became_master,
                        "became_backup": c.became_backup,
                        "vip_conflicts": c.vip_conflicts,
                        "arp_replies": c.arp_replies,
                        "na_replies": c.na_replies,
                        "router_adverts": c.router_adverts,
                        "rx_checksum_pseudo_header": c.rx_checksum_pseudo_header,
                        "rx_checksum_message_only": c.rx_checksum_message_only,
                        "discarded": c.discards,
                        "noted": c.noted,
                    },
                })
            })
            .collect();
        json!({
            "pid": std::process::id(),
            "instances": instances,
            "discarded_unattributed": self.unattributed,
            "netlink_queue": self.nl.waiting(),
        })
    }
}
