//! Interface sysctls, written through /proc/sys (no `sysctl` binary).

use std::io;
use std::path::PathBuf;

fn path(family: &str, ifname: &str, key: &str) -> PathBuf {
    // Interface names may contain dots, which /proc/sys keeps as they are.
    PathBuf::from(format!("/proc/sys/net/{family}/conf/{ifname}/{key}"))
}

pub fn set(family: &str, ifname: &str, key: &str, value: &str) -> io::Result<()> {
    let p = path(family, ifname, key);
    std::fs::write(&p, value).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))
}

/// On the physical interface: never answer ARP for an address that is not
/// on it (the VIPs live on the macvlan), and never use a VIP as the ARP
/// source, so the physical MAC is never tied to a VIP (checklist D3, E2).
pub fn prepare_parent_v4(ifname: &str) -> io::Result<()> {
    set("ipv4", ifname, "arp_ignore", "1")?;
    set("ipv4", ifname, "arp_announce", "2")?;
    Ok(())
}

/// On the VMAC interface: no DAD, no router solicitation, no SLAAC, no RA
/// acceptance, and IPv6 forwarding off on it (which only makes it a host
/// interface: it would otherwise join all-routers, whose MLD report would
/// leave from the VMAC whenever it comes up; packets it receives are still
/// forwarded). Nothing may leave it on its own: it has no address, vrlabd
/// sends what the virtual router sends.
pub fn prepare_vmac(ifname: &str, ipv6: bool) -> io::Result<()> {
    set("ipv4", ifname, "arp_ignore", "1")?;
    set("ipv4", ifname, "arp_announce", "2")?;
    if ipv6 {
        set("ipv6", ifname, "accept_dad", "0")?;
        set("ipv6", ifname, "dad_transmits", "0")?;
        set("ipv6", ifname, "router_solicitations", "0")?;
        set("ipv6", ifname, "accept_ra", "0")?;
        set("ipv6", ifname, "autoconf", "0")?;
        set("ipv6", ifname, "forwarding", "0")?;
    } else {
        // An IPv4 VMAC carries no IPv6 at all: no MLD, no DAD from it.
        set("ipv6", ifname, "disable_ipv6", "1")?;
    }
    Ok(())
}
