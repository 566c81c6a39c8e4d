//! Snapshots of what the judge reads in the recorded captures (captures/README.md): one line
//! per frame, and the verdict of `vrlab check FILE` on each; the verdicts of the trimmed real
//! run directories (captures/runs/README.md); and the findings on real daemons that the judge
//! must keep reporting.

use std::fmt::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use vrlab::checks::{CaptureHints, Status, Verdict};
use vrlab::wire::{self, ChecksumStatus, MldMessage, Ndp, Payload};

fn captures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures")
}

const FILES: &[&str] = &[
    "keepalived-v2-ipv4-vmac.pcap",
    "keepalived-v2-ipv4.sll.pcap",
    "keepalived-v3-ipv4-vmac.pcap",
    "keepalived-v3-ipv4.sll2.pcap",
    "keepalived-v3-ipv6-vmac.pcapng",
    "frr-vrrpd-v3-ipv4.pcap",
    "ucarp.pcap",
];

fn ck(c: ChecksumStatus) -> &'static str {
    match c {
        ChecksumStatus::Good => "ok",
        ChecksumStatus::PseudoHeader => "pseudo-header",
        ChecksumStatus::MessageOnly => "message-only",
        ChecksumStatus::Bad => "BAD",
    }
}

fn addrs(a: &[IpAddr]) -> String {
    a.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// One line: what the frame is, in the judge's terms.
fn summary(f: &wire::Frame) -> String {
    let ip =
        f.ip.as_ref()
            .map(|i| format!("{}>{} ttl {} ", i.src, i.dst, i.ttl))
            .unwrap_or_default();
    let what = match &f.payload {
        Payload::VrrpV2(a) => format!(
            "VRRPv2 vrid {} prio {} int {}s auth {} ck {} addrs {} len {:?}",
            a.vrid,
            a.priority,
            a.adver_int,
            a.auth_type,
            ck(a.checksum_status),
            addrs(&a.addrs),
            a.length
        ),
        Payload::VrrpV3(a) => format!(
            "VRRPv3 vrid {} prio {} int {}cs ck {} addrs {} len {:?}",
            a.vrid,
            a.priority,
            a.max_adver_int,
            ck(a.checksum_status),
            addrs(&a.addrs),
            a.length
        ),
        Payload::Carp(c) => format!(
            "CARP vhid {} advbase {} advskew {} ck {}",
            c.vhid,
            c.advbase,
            c.advskew,
            ck(c.checksum_status)
        ),
        Payload::Arp(a) => format!(
            "ARP op {} {} is-at {} -> {}{}",
            a.op.code(),
            a.sender_ip,
            a.sender_mac,
            a.target_ip,
            if a.gratuitous { " gratuitous" } else { "" }
        ),
        Payload::Ndp(n) => match &n.message {
            Ndp::NeighborAdvert {
                router,
                solicited,
                override_flag,
                target,
                options,
            } => format!(
                "NA {target} R={} S={} O={} tlla {:?}",
                *router as u8, *solicited as u8, *override_flag as u8, options.target_lla
            ),
            Ndp::NeighborSolicit { target, options } => {
                format!("NS {target} slla {:?}", options.source_lla)
            }
            Ndp::RouterAdvert {
                router_lifetime, ..
            } => format!("RA lifetime {router_lifetime}"),
            Ndp::RouterSolicit { .. } => "RS".into(),
            Ndp::Redirect { target, .. } => format!("redirect {target}"),
        },
        Payload::Mld(MldMessage { kind, .. }) => format!("MLD {kind:?}"),
        Payload::Igmp(g) => format!("IGMP {:?}", g.kind),
        Payload::Icmpv6 { icmp_type, .. } => format!("ICMPv6 type {icmp_type}"),
        Payload::OtherIp { protocol } => format!("IP protocol {protocol}"),
        Payload::Fragment => "fragment".into(),
        Payload::Llc { length } => format!("LLC length {length}"),
        Payload::OtherEthertype { ethertype } => format!("ethertype {ethertype:#06x}"),
        Payload::Malformed(e) => format!("MALFORMED {e}"),
    };
    format!(
        "{}>{} {ip}{what}",
        f.src_mac
            .map(|m| m.to_string())
            .unwrap_or_else(|| "-".into()),
        f.dst_mac
            .map(|m| m.to_string())
            .unwrap_or_else(|| "-".into()),
    )
}

#[test]
fn decoded_captures() {
    for name in FILES {
        let mut r = wire::open(captures().join(name)).unwrap();
        let mut out = String::new();
        let mut t0 = None;
        while let Some(p) = r.next_packet() {
            let p = p.unwrap();
            let t0 = *t0.get_or_insert(p.ts_ns);
            let f = wire::decode_lenient(p.linktype, p.data).unwrap();
            let _ = writeln!(
                out,
                "{:>3} {:>9.3} if{} {}",
                p.number,
                (p.ts_ns - t0) as f64 / 1e6,
                p.interface_id,
                summary(&f)
            );
        }
        insta::assert_snapshot!(format!("frames-{name}"), out);
    }
}

fn statuses(v: &Verdict) -> String {
    let mut out = String::new();
    for c in &v.checks {
        let s = match c.status {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::NotApplicable => "n/a ",
        };
        let _ = writeln!(out, "{s} {:<28} {}", c.id, c.subject);
    }
    for m in &v.metrics.masters {
        let _ = writeln!(
            out,
            "master {} {} {:.3}s-{:.3}s {} adverts ({})",
            m.vrouter, m.node, m.from_s, m.to_s, m.adverts, m.how
        );
    }
    out
}

#[test]
fn verdicts_of_captures() {
    for name in FILES {
        let v =
            vrlab::checks::judge_capture(&captures().join(name), &CaptureHints::default()).unwrap();
        insta::assert_snapshot!(format!("verdict-{name}"), statuses(&v));
    }
}

#[test]
fn verdicts_of_real_runs() {
    for run in ["keepalived-crash-and-return", "frr-crash-and-return"] {
        let v = vrlab::checks::judge_dir(&captures().join("runs").join(run)).unwrap();
        insta::assert_snapshot!(format!("verdict-run-{run}"), statuses(&v));
    }
}

fn failed(v: &Verdict) -> Vec<(String, String)> {
    v.checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| (c.id.to_string(), c.subject.clone()))
        .collect()
}

fn has(v: &Verdict, id: &str, subject: &str, observed: &str) -> bool {
    v.checks.iter().any(|c| {
        c.status == Status::Fail
            && c.id.id() == id
            && c.subject.contains(subject)
            && c.observed.contains(observed)
            && !c.evidence.is_empty()
    })
}

/// The deviations real daemons showed in our captures, each with its evidence.
#[test]
fn real_findings_are_reported() {
    let cap = |n: &str| {
        vrlab::checks::judge_capture(&captures().join(n), &CaptureHints::default()).unwrap()
    };
    // keepalived: unsolicited NA with R=0 (D2, E3); IPv6 adverts whose first address is the
    // global VIP, not a link-local one (B11).
    let v = cap("keepalived-v3-ipv6-vmac.pcapng");
    assert!(
        has(&v, "d2.unsolicited-na", "VRID 51", "R=0"),
        "{:?}",
        failed(&v)
    );
    assert!(
        has(&v, "e3.ipv6-default-router", "VRID 51", "R=0"),
        "{:?}",
        failed(&v)
    );
    assert!(has(
        &v,
        "b11.ipv6-first-link-local",
        "VRID 51",
        "2001:db8:9::100 is not link-local"
    ));
    // keepalived without use_vmac: adverts and gratuitous ARP from the physical MAC.
    let v = cap("keepalived-v3-ipv4.sll2.pcap");
    assert!(has(
        &v,
        "a9.advert-source-mac",
        "VRID 51",
        "source MAC 02:00:00:00:00"
    ));
    assert!(has(
        &v,
        "d1.gratuitous-arp",
        "VRID 51",
        "sender hardware address 02:00:00:00:00"
    ));
    // FRR: the VMAC macvlans send MLD, NS and RS before any vrrpd is master (E1).
    let v = cap("frr-vrrpd-v3-ipv4.pcap");
    assert!(has(
        &v,
        "e1.vmac-on-master-port",
        "VRID 51",
        "while no router is master"
    ));
    // ucarp announces from the physical MAC: CARP binds no MAC for that (carp(4) uses
    // 00-00-5E-00-01-{VHID}, ucarp the interface's), so it is not flagged; a new CARP master
    // that announced nothing would be.
    let v = cap("ucarp.pcap");
    assert!(
        !failed(&v).iter().any(|(id, _)| id == "d1.gratuitous-arp"),
        "{:?}",
        failed(&v)
    );
    // Conforming captures stay clean where they conform.
    let v = cap("keepalived-v3-ipv4-vmac.pcap");
    assert!(failed(&v).is_empty(), "{:?}", failed(&v));

    let run = |n: &str| vrlab::checks::judge_dir(&captures().join("runs").join(n)).unwrap();
    // keepalived after SIGKILL: the dead r1 keeps the VIP and its VMAC, answers ARP from the
    // VMAC after r2 announced (E1 on the wire and in the FDB, E6) and pings from the VIP.
    let v = run("keepalived-crash-and-return");
    assert!(has(
        &v,
        "e1.vmac-on-master-port",
        "gw4",
        "r1 sent an ARP reply from 00:00:5e:00:01:33 while r2 is master"
    ));
    assert!(v
        .checks
        .iter()
        .any(|c| c.id.id() == "e1.vmac-on-master-port"
            && c.evidence
                .iter()
                .any(|e| e.frame.is_none() && e.note.contains("fdb"))));
    assert!(has(
        &v,
        "e6.no-vip-from-old-master",
        "gw4",
        "r1 sent an ARP reply naming 192.0.2.100"
    ));
    assert!(has(
        &v,
        "b11.ipv6-first-link-local",
        "gw6",
        "not link-local"
    ));
    // FRR: first IPv6 advert after becoming master lost (C2, C4), zebra's RAs from the VMAC
    // of a crashed or backup vrrpd (D5), MLD from the VMAC before any master (E1), and the
    // crashed r1 answering pings from the VIP once its RAs pulled the VMAC back (E6).
    let v = run("frr-crash-and-return");
    assert!(has(&v, "c2.master-down-interval", "gw6", "too late"));
    assert!(has(&v, "c2.takeover-time", "gw6", "took over"));
    assert!(has(
        &v,
        "c4.announce-after-advert",
        "gw6",
        "before its first advert"
    ));
    assert!(has(&v, "d5.router-adverts", "gw6", "while r2 is master"));
    assert!(has(&v, "e1.vmac-on-master-port", "gw6", "IGMP/MLD report"));
    assert!(has(
        &v,
        "e6.no-vip-from-old-master",
        "gw6",
        "naming 2001:db8:1::100"
    ));
    // And what both do right is not flagged.
    for v in [
        run("keepalived-crash-and-return"),
        run("frr-crash-and-return"),
    ] {
        for id in [
            "a9.advert-source-mac",
            "b9.checksum",
            "c7.advert-interval",
            "c11.leave-priority-zero",
            "d1.gratuitous-arp",
            "e2.host-neigh-vmac",
            "e4.dual-master",
        ] {
            let r: Vec<_> = v.checks.iter().filter(|c| c.id.id() == id).collect();
            assert!(
                r.iter().any(|c| c.status == Status::Pass)
                    && r.iter().all(|c| c.status != Status::Fail),
                "{id}: {:?}",
                failed(&v)
            );
        }
    }
}

#[test]
fn bad_input_is_an_error_with_file_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    // Not a capture at all.
    let p = dir.path().join("notes.pcap");
    std::fs::write(&p, b"hello, world").unwrap();
    let e = vrlab::checks::judge_capture(&p, &CaptureHints::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("notes.pcap") && e.contains("byte offset 0"),
        "{e}"
    );
    // A real capture cut in the middle of its last record (tcpdump stopped hard): judged up
    // to the cut, which the verdict states.
    let data = std::fs::read(captures().join("ucarp.pcap")).unwrap();
    let p = dir.path().join("cut.pcap");
    std::fs::write(&p, &data[..data.len() - 30]).unwrap();
    let v = vrlab::checks::judge_capture(&p, &CaptureHints::default()).unwrap();
    assert_eq!(
        v.notes,
        ["cut.pcap ends inside a block: judged up to its last whole block (16 frames); the 40 bytes after it are an incomplete block (the capture was stopped while writing)"]
    );
    // A pcapng whose block length is garbage.
    let mut data = std::fs::read(captures().join("keepalived-v3-ipv6-vmac.pcapng")).unwrap();
    let n = data.len();
    data[n / 2..n / 2 + 64].fill(0xff);
    let p = dir.path().join("garbled.pcapng");
    std::fs::write(&p, &data).unwrap();
    match vrlab::checks::judge_capture(&p, &CaptureHints::default()) {
        Err(e) => assert!(e.to_string().contains("garbled.pcapng"), "{e}"),
        // Garbage inside a packet's bytes is a malformed frame, judged, not a bad file.
        Ok(v) => assert!(!v.checks.is_empty()),
    }
}
