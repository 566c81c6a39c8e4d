//! Instances coming and going: preparing one (links, addresses, sockets,
//! trackers), starting its protocol, stopping it with priority 0, removing
//! it, and reloading the configuration without touching what did not change.

use super::*;

impl Daemon {
    pub(super) async fn ensure_rule(&mut self, family: Family) -> Result<(), DaemonError> {
        let i = family_index(family);
        if self.rules[i] {
            return Ok(());
        }
        let ipv6 = family == Family::Ipv6;
        let (table, priority) = (self.blackhole_table, self.blackhole_rule_priority);
        self.guard_add(Undo::Rule {
            ipv6,
            table,
            priority,
        });
        netlink::add_blackhole_rule(&self.h, ipv6, table, priority)
            .await
            .map_err(|e| DaemonError::Netlink {
                instance: "-".into(),
                source: Box::new(e),
            })?;
        self.rules[i] = true;
        Ok(())
    }

    /// Prepare and start an instance (reload).
    pub(super) async fn start(&mut self, cfg: InstanceConfig) -> Result<(), DaemonError> {
        let slot = self.prepare(cfg).await?;
        self.startup(slot);
        Ok(())
    }

    /// Run the protocol of a prepared instance: RFC 9568 §6.4.1 Startup.
    pub(super) fn startup(&mut self, slot: usize) {
        let now = self.now();
        let actions = self.slots[slot]
            .as_mut()
            .map(|r| r.core.handle(Event::Startup, now))
            .unwrap_or_default();
        self.execute(slot, actions);
    }

    /// Everything an instance needs before its protocol runs: its links,
    /// addresses, sockets and trackers. Returns its slot.
    pub(super) async fn prepare(&mut self, cfg: InstanceConfig) -> Result<usize, DaemonError> {
        let nl = |source| DaemonError::Netlink {
            instance: cfg.name.clone(),
            source: Box::new(source),
        };
        let h = self.h.clone();
        let parent = netlink::require_link(&h, &cfg.interface)
            .await
            .map_err(nl)?;
        let ipv6 = cfg.family == Family::Ipv6;
        let advertised = cfg.advertised();
        let (primary, source_index) = match cfg.unicast_source {
            Some(a) => match netlink::local_address(&h, a).await.map_err(nl)? {
                Some(i) => (a, i),
                None => return Err(nl(NetlinkError::NotLocal(a))),
            },
            None => (
                netlink::primary_address(
                    &h,
                    &cfg.interface,
                    parent.index,
                    ipv6,
                    global_v6_peers(&cfg),
                    &advertised,
                )
                .await
                .map_err(nl)?,
                parent.index,
            ),
        };
        if !ipv6 {
            if let Err(e) = sysctl::prepare_parent_v4(&cfg.interface) {
                tracing::warn!(instance = %cfg.name, "cannot set ARP sysctls on {}: {e}", cfg.interface);
            }
        }
        if needs_blackhole(&cfg) {
            self.ensure_rule(cfg.family).await?;
            // Left by a crashed run without its guardian: not ours to keep.
            for a in &advertised {
                let _ = netlink::del_blackhole(&h, *a, self.blackhole_table).await;
            }
        }
        let vmac = frame::vmac(ipv6, cfg.vrid);
        let (vmac_index, vip_index, send_mac) = if cfg.vmac {
            let name = vmac_name(&cfg, parent.index);
            self.guard_add(Undo::Link(name.clone()));
            let idx = netlink::create_vmac(&h, &name, parent.index, vmac, netlink::link_group())
                .await
                .map_err(nl)?;
            if let Err(e) = sysctl::prepare_vmac(&name, ipv6) {
                tracing::warn!(instance = %cfg.name, "cannot set sysctls on {name}: {e}");
            }
            // VIPs held locally go on lo, as host addresses: the VMAC
            // interface carries no address, so bringing it up or down
            // sends nothing (no MLD report for a VIP's solicited-node group).
            let lo = netlink::require_link(&h, "lo").await.map_err(nl)?;
            // Left by a crashed run: a backup must not hold them.
            for a in &advertised {
                let host = if a.is_ipv4() { 32 } else { 128 };
                let _ = netlink::del_address(&h, lo.index, *a, host).await;
            }
            (Some(idx), lo.index, vmac)
        } else {
            let vip_if = cfg
                .vip_interface
                .clone()
                .unwrap_or_else(|| cfg.interface.clone());
            let l = netlink::require_link(&h, &vip_if).await.map_err(nl)?;
            // VIPs left by a crashed run: a backup must not hold them.
            for (a, p) in &cfg.vips {
                let _ = netlink::del_address(&h, l.index, *a, *p).await;
            }
            (None, l.index, parent.mac.unwrap_or([0; 6]))
        };
        self.frame_socket(parent.index)?;
        let unicast = if cfg.unicast_peers.is_empty() {
            None
        } else {
            Some(UnicastSocket::open(primary, source_index).map_err(io_err("unicast socket"))?)
        };
        self.ensure_rx(parent.index, cfg.family, &cfg.interface)?;
        self.ensure_claims(parent.index)?;
        let id = self.next_id;
        self.next_id += 1;
        let slot = self
            .slots
            .iter()
            .position(Option::is_none)
            .unwrap_or_else(|| {
                self.slots.push(None);
                self.slots.len() - 1
            });
        let mut r = Running {
            core: Instance::new(params_of(&cfg, primary, random_seed())),
            generation: id,
            id,
            parent: parent.index,
            send_mac,
            vmac_index,
            vmac_name: cfg.vmac.then(|| vmac_name(&cfg, parent.index)),
            vip_index,
            unicast,
            primary,
            source_index,
            counters: Counters::new(),
            tasks: Vec::new(),
            scripts: vec![],
            files: vec![],
            ifaces: vec![],
            iface_names: vec![],
            left: false,
            last_defense: None,
            scheduled: [None; 5],
            pending_ops: 0,
            slow_ops: 0,
            deferred: Waiting::default(),
            advert: None,
            advert_queued: false,
            groups: Vec::new(),
            advert_due: None,
            cfg,
        };
        self.spawn_tracks(&mut r, slot);
        tracing::info!(instance = %r.cfg.name, vrid = r.cfg.vrid, version = ?r.cfg.version, primary = %r.primary, "starting");
        self.by_vrid
            .insert(r.parent, r.cfg.family, r.cfg.vrid, slot);
        for p in &r.cfg.unicast_peers {
            self.by_peer.insert((r.cfg.family, r.cfg.vrid, *p), slot);
        }
        let ra = r.cfg.router_advertisements.is_some();
        let parent_index = r.parent;
        self.slots[slot] = Some(r);
        if ra {
            // Router solicitations go to all-routers.
            self.join_group(slot, parent_index, ALL_ROUTERS);
        }
        Ok(slot)
    }

    pub(super) fn spawn_tracks(&mut self, r: &mut Running, slot: usize) {
        self.tracked_dirty = true;
        for t in r.tasks.drain(..) {
            t.abort();
        }
        let g = r.generation;
        r.scripts = r
            .cfg
            .track_scripts
            .iter()
            .map(|t| (false, t.weight))
            .collect();
        r.files = r.cfg.track_files.iter().map(|t| (0, t.weight)).collect();
        // The VRRP interface itself is always tracked: down means fault.
        let mut ifaces = r.cfg.track_interfaces.clone();
        ifaces.push(TrackInterface {
            name: r.cfg.interface.clone(),
            weight: 0,
        });
        r.ifaces = ifaces.iter().map(|t| (false, t.weight)).collect();
        r.iface_names = ifaces.iter().map(|t| t.name.clone()).collect();
        for (i, t) in r.cfg.track_scripts.iter().enumerate() {
            r.tasks.push(track::spawn_script(
                t.clone(),
                slot,
                g,
                i,
                self.track_tx.clone(),
            ));
        }
        for (i, t) in r.cfg.track_files.iter().enumerate() {
            r.tasks.push(track::spawn_file(
                t.clone(),
                slot,
                g,
                i,
                self.track_tx.clone(),
            ));
        }
    }

    pub(super) fn stop_slot(&mut self, slot: usize) {
        let now = self.now();
        let actions = self.slots[slot]
            .as_mut()
            .map(|r| r.core.handle(Event::Shutdown, now))
            .unwrap_or_default();
        self.execute(slot, actions);
    }

    /// Finish a leave at once (deadline reached, or a reload that replaces
    /// the instance).
    pub(super) fn finish_leave_now(&mut self, slot: usize) {
        let actions = match self.slots[slot].as_mut() {
            Some(r) if r.core.is_leaving() => {
                let at = r.core.deadline(Timer::Leave).unwrap_or_default();
                r.core.handle(Event::Timer(Timer::Leave), at)
            }
            _ => vec![],
        };
        self.execute(slot, actions);
    }

    /// Stop an instance at once and forget it (a reload that removes or
    /// replaces it). Its VMAC interface is deleted through the queue.
    pub(super) fn force_leave(&mut self, slot: usize) {
        self.stop_slot(slot);
        self.finish_leave_now(slot);
        self.remove_slot(slot);
    }

    pub(super) fn remove_slot(&mut self, slot: usize) {
        // Its frames go now, while the slot still says where.
        self.flush_tx();
        let groups = self.slots[slot]
            .as_ref()
            .map(|r| (r.parent, r.groups.clone()));
        if let Some((parent, groups)) = groups {
            for g in groups {
                self.leave_group(slot, parent, g);
            }
        }
        if let Some(mut r) = self.slots[slot].take() {
            self.by_vrid.remove(r.parent, r.cfg.family, r.cfg.vrid);
            for p in &r.cfg.unicast_peers {
                if self.by_peer.get(&(r.cfg.family, r.cfg.vrid, *p)) == Some(&slot) {
                    self.by_peer.remove(&(r.cfg.family, r.cfg.vrid, *p));
                }
            }
            self.release_rx(r.parent, r.cfg.family);
            self.tracked_dirty = true;
            for t in r.tasks.drain(..) {
                t.abort();
            }
            if let (Some(index), Some(name)) = (r.vmac_index, r.vmac_name.clone()) {
                self.nl.push(
                    NlJob {
                        slot,
                        id: r.id,
                        op: NlOp::Retire { index, name },
                        slow: false,
                    },
                    true,
                );
            }
        }
    }

    pub(super) async fn reload(&mut self, path: &std::path::Path) {
        let new = match config::load(path) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("reload refused, keeping the running configuration:\n{e}");
                return;
            }
        };
        let now = self.now();
        for slot in 0..self.slots.len() {
            let Some(r) = self.slots[slot].as_ref() else {
                continue;
            };
            match new.instances.iter().find(|n| n.name == r.cfg.name) {
                Some(n) if r.cfg == *n => {}
                Some(n) if r.cfg.same_identity(n) => {
                    let n = n.clone();
                    tracing::info!(instance = %n.name, "reloading in place");
                    if needs_blackhole(&n) {
                        if let Err(e) = self.ensure_rule(n.family).await {
                            tracing::error!(instance = %n.name, "cannot install the blackhole rule: {e}");
                        }
                    }
                    let next = self.next_id;
                    self.next_id += 1;
                    let Some(mut taken) = self.slots[slot].take() else {
                        continue;
                    };
                    let actions = taken
                        .core
                        .reconfigure(params_of(&n, taken.primary, random_seed()), now);
                    taken.cfg = n;
                    taken.generation = next;
                    taken.advert = None;
                    self.spawn_tracks(&mut taken, slot);
                    let ra = taken.cfg.router_advertisements.is_some();
                    let had_ra = taken.groups.contains(&ALL_ROUTERS);
                    let parent = taken.parent;
                    self.slots[slot] = Some(taken);
                    if ra && !had_ra {
                        self.join_group(slot, parent, ALL_ROUTERS);
                    } else if !ra && had_ra {
                        self.leave_group(slot, parent, ALL_ROUTERS);
                    }
                    self.execute(slot, actions);
                }
                _ => {
                    tracing::info!(instance = %r.cfg.name, "removed or changed identity: stopping it");
                    self.force_leave(slot);
                }
            }
        }
        for n in new.instances {
            let running = self.slots.iter().flatten().any(|r| r.cfg.name == n.name);
            if !running {
                let name = n.name.clone();
                if let Err(e) = self.start(n).await {
                    tracing::error!(instance = %name, "cannot start: {e}");
                }
            }
        }
    }
}
