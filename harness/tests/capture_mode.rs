//! `vrlab check FILE`: captures from anywhere — 802.1Q trunks, Linux cooked captures with the
//! copies `-i any` records, the flags, the exit codes and the three output forms.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use vrlab::checks::{CaptureHints, Status};
use vrlab::wire::emit::{self, AdvertFrame};
use vrlab::wire::vlan::VlanTag;
use vrlab::wire::MacAddr;

#[path = "support/cmd.rs"]
mod cmd;
use cmd::vrlab;

/// Writes a pcap of (µs, bytes) with `linktype`.
fn pcap(path: &Path, linktype: u32, frames: &[(u64, Vec<u8>)]) {
    let file = std::fs::File::create(path).unwrap();
    let header = PcapHeader {
        datalink: pcap_file::DataLink::from(linktype),
        ..Default::default()
    };
    let mut w = PcapWriter::with_header(file, header).unwrap();
    for (us, f) in frames {
        let ts = std::time::Duration::from_micros(1_700_000_000_000_000 + us);
        w.write_packet(&PcapPacket::new(ts, f.len() as u32, f))
            .unwrap();
    }
}

fn v4(n: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, 0, n)
}

/// A master's adverts (VRID 1, 100 cs, from the VMAC) on `vlan`, every second for 5 s,
/// preceded by its gratuitous ARP.
fn tenure(vlan: Option<u16>, src: u8, prio: u8, vip: u8, start_us: u64) -> Vec<(u64, Vec<u8>)> {
    let tags: Vec<VlanTag> = vlan
        .map(|vid| {
            vec![VlanTag {
                pcp: 0,
                dei: false,
                vid,
                tpid: 0x8100,
            }]
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for i in 0..5u64 {
        let mut a =
            AdvertFrame::vrrp_v3(IpAddr::V4(v4(src)), 1, prio, 100, vec![IpAddr::V4(v4(vip))]);
        a.vlans = tags.clone();
        out.push((start_us + i * 1_000_000, a.emit()));
    }
    let garp = vrlab::wire::arp::ArpPacket::gratuitous_request(MacAddr::vrrp_v4(1), v4(vip));
    out.push((
        start_us + 100,
        emit::arp_frame(MacAddr::vrrp_v4(1), MacAddr::BROADCAST, &tags, &garp),
    ));
    out.sort_by_key(|f| f.0);
    out
}

#[test]
fn each_vlan_of_a_trunk_is_its_own_segment() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("trunk.pcap");
    // The same VRID on VLANs 10 and 20, two masters at once: two virtual routers, no split brain.
    let mut frames = tenure(Some(10), 1, 200, 100, 0);
    frames.extend(tenure(Some(20), 2, 100, 200, 500_000));
    frames.sort_by_key(|f| f.0);
    pcap(&p, 1, &frames);
    let v = vrlab::checks::judge_capture(&p, &CaptureHints::default()).unwrap();
    let names: Vec<&str> = v
        .metrics
        .masters
        .iter()
        .map(|m| m.vrouter.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "VRID 1 (ipv4) on trunk.pcap VLAN 10",
            "VRID 1 (ipv4) on trunk.pcap VLAN 20"
        ]
    );
    assert!(v
        .checks
        .iter()
        .filter(|c| c.id.id() == "e4.dual-master")
        .all(|c| c.status == Status::Pass));
    // The same frames untagged: one virtual router with two masters, and the judge says so.
    let p = dir.path().join("flat.pcap");
    let mut flat = tenure(None, 1, 200, 100, 0);
    flat.extend(tenure(None, 2, 100, 100, 500_000));
    flat.sort_by_key(|f| f.0);
    pcap(&p, 1, &flat);
    let v = vrlab::checks::judge_capture(&p, &CaptureHints::default()).unwrap();
    assert!(v
        .checks
        .iter()
        .any(|c| c.id.id() == "e4.dual-master" && c.status == Status::Fail));
    assert!(v
        .checks
        .iter()
        .any(|c| c.id.id() == "c9.master-yields" && c.status == Status::Fail));
}

#[test]
fn copies_in_a_cooked_any_capture_are_dropped() {
    // keepalived-v3-ipv4.sll2.pcap holds each bridged frame once per port: without dropping
    // the copies every advert would be seen three times and c7 would see 0 ms intervals.
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/keepalived-v3-ipv4.sll2.pcap");
    let v = vrlab::checks::judge_capture(&p, &CaptureHints::default()).unwrap();
    assert!(
        v.daemon_version.contains("copies from `-i any` dropped"),
        "{}",
        v.daemon_version
    );
    let adverts: usize = v.metrics.masters.iter().map(|m| m.adverts).sum();
    assert_eq!(adverts, 15, "{:#?}", v.metrics.masters);
}

#[test]
fn flags_set_what_is_expected() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/keepalived-v3-ipv4-vmac.pcap");
    let hints = CaptureHints {
        version: Some(2),
        interval: Some(std::time::Duration::from_secs(1)),
        ..Default::default()
    };
    let v = vrlab::checks::judge_capture(&p, &hints).unwrap();
    let fail = |id: &str| {
        v.checks
            .iter()
            .any(|c| c.id.id() == id && c.status == Status::Fail)
    };
    assert!(fail("b1.version"));
    // A VRID the capture does not hold leaves nothing to judge: an error, not a green verdict.
    let e = vrlab::checks::judge_capture(
        &p,
        &CaptureHints {
            vrid: Some(7),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("no advert of VRID 7"), "{e}");
}

#[test]
fn exit_codes_and_outputs() {
    let caps = Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures");
    let clean = caps.join("keepalived-v3-ipv4-vmac.pcap");
    let (code, out, _) = vrlab(&["check", clean.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PASSED"), "{out}");
    let failing = caps.join("keepalived-v3-ipv6-vmac.pcapng");
    let (code, out, _) = vrlab(&["check", failing.to_str().unwrap(), "--json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["status"] == "fail"));
    let (code, out, _) = vrlab(&["check", failing.to_str().unwrap(), "--junit"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("<testsuite") && out.contains("<failure") && out.contains("frame"),
        "{out}"
    );
    let run = caps.join("runs/keepalived-crash-and-return");
    let (code, _, _) = vrlab(&["check", run.to_str().unwrap()]);
    assert_eq!(code, 1);
    // Bad input: exit 2 with the file named, never a panic.
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pcapng");
    std::fs::write(&junk, [0x0a, 0x0d, 0x0d, 0x0a, 0xff, 0xff]).unwrap();
    let (code, _, err) = vrlab(&["check", junk.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("junk.pcapng") && !err.contains("panicked"),
        "{err}"
    );
    let (code, _, err) = vrlab(&["check", "/no/such/file.pcap"]);
    assert_eq!(code, 2);
    assert!(err.contains("no such file"), "{err}");
    let (code, _, _) = vrlab(&["check", clean.to_str().unwrap(), "--version", "4"]);
    assert_eq!(code, 2);
    let (code, _, err) = vrlab(&["check", run.to_str().unwrap(), "--vrid", "3"]);
    assert_eq!(code, 2);
    assert!(err.contains("for capture files"), "{err}");
    // The catalogue.
    let (code, out, _) = vrlab(&["checks"]);
    assert_eq!(code, 0);
    assert!(out.contains("e6.no-vip-from-old-master") && out.contains("requires: injection"));
}

/// Real frames with random bytes changed, out of time order, in one capture: the judge
/// reports what it can and never panics.
#[test]
fn mutated_captures_never_panic() {
    let caps = Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures");
    let mut frames: Vec<Vec<u8>> = Vec::new();
    for name in [
        "keepalived-v2-ipv4-vmac.pcap",
        "keepalived-v3-ipv4-vmac.pcap",
        "frr-vrrpd-v3-ipv4.pcap",
        "ucarp.pcap",
    ] {
        let mut r = vrlab::wire::open(caps.join(name)).unwrap();
        while let Some(p) = r.next_packet() {
            frames.push(p.unwrap().data.to_vec());
        }
    }
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let dir = tempfile::tempdir().unwrap();
    for round in 0..20 {
        let mut out = Vec::new();
        for f in &frames {
            let mut f = f.clone();
            for _ in 0..(rnd() % 4) {
                let i = (rnd() as usize) % f.len();
                f[i] = rnd() as u8;
            }
            if rnd() % 5 == 0 {
                f.truncate((rnd() as usize) % f.len().max(1));
            }
            out.push((rnd() % 20_000_000, f));
        }
        let p = dir.path().join(format!("m{round}.pcap"));
        pcap(&p, 1, &out);
        let v = vrlab::checks::judge_capture(&p, &CaptureHints::default()).unwrap();
        assert!(!v.checks.is_empty());
    }
}

/// A judge with nothing to judge says so and fails: a capture without one VRRP or CARP advert
/// (taken on the wrong interface) or without the VRID asked for is no green verdict.
#[test]
fn nothing_to_judge_is_no_pass() {
    let dir = tempfile::tempdir().unwrap();
    let arp_only = dir.path().join("arp-only.pcap");
    let garp = vrlab::wire::arp::ArpPacket::gratuitous_request(MacAddr([2, 0, 0, 0, 0, 1]), v4(1));
    pcap(
        &arp_only,
        1,
        &[(
            0,
            emit::arp_frame(MacAddr([2, 0, 0, 0, 0, 1]), MacAddr::BROADCAST, &[], &garp),
        )],
    );
    // Exit 5: its own code, so a pipeline can tell "wrong interface" from a broken file.
    let (code, out, err) = vrlab(&["check", arp_only.to_str().unwrap()]);
    assert_eq!(code, 5, "{out}{err}");
    assert!(
        err.contains("nothing to judge: 1 frames and not one VRRP or CARP advert"),
        "{err}"
    );
    let caps = Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures");
    let clean = caps.join("keepalived-v3-ipv4-vmac.pcap");
    let (code, _, err) = vrlab(&["check", clean.to_str().unwrap(), "--vrid", "99"]);
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains("no advert of VRID 99; the capture holds VRID 51"),
        "{err}"
    );
}

/// A capture that begins in the middle of a master's tenure (as a production tcpdump almost
/// always does) does not blame that master for announcements made before the capture began:
/// it was already master. The takeover later in the same capture is judged in full.
#[test]
fn a_capture_that_begins_mid_tenure_judges_only_what_it_saw() {
    let caps = Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures");
    let all = vrlab::wire::capture::read_all(caps.join("keepalived-v3-ipv4-vmac.pcap")).unwrap();
    // From frame 19 on: 10.9.1.1 has been master since 2.557 s (frame 13) and announced then.
    let dir = tempfile::tempdir().unwrap();
    let slice = dir.path().join("slice.pcap");
    let t0 = all[0].ts_ns as u64 / 1000;
    let frames: Vec<(u64, Vec<u8>)> = all[18..]
        .iter()
        .map(|p| (p.ts_ns as u64 / 1000 - t0, p.data.clone()))
        .collect();
    pcap(&slice, 1, &frames);
    let v = vrlab::checks::judge_capture(&slice, &CaptureHints::default()).unwrap();
    for id in ["c4.announce-after-advert", "d1.gratuitous-arp"] {
        let r: Vec<_> = v.checks.iter().filter(|c| c.id.id() == id).collect();
        assert!(
            r.iter().all(|c| c.status == Status::Pass),
            "{id}: {:?}",
            r.iter()
                .map(|c| (&c.status, &c.observed))
                .collect::<Vec<_>>()
        );
    }
    let first = &v.metrics.masters[0];
    assert_eq!(
        first.how, "already master when the capture began",
        "{first:?}"
    );
    assert_eq!(v.metrics.masters.len(), 2, "{:?}", v.metrics.masters);
}

/// A capture filtered to the adverts (`tcpdump vrrp`) holds no ARP: the checks judged from
/// ARP say their evidence is not in the file, instead of failing for the missing
/// announcements.
#[test]
fn a_capture_of_adverts_only_says_its_arp_evidence_is_missing() {
    let caps = Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures");
    let all = vrlab::wire::capture::read_all(caps.join("keepalived-v3-ipv4-vmac.pcap")).unwrap();
    let t0 = all[0].ts_ns as u64 / 1000;
    let adverts: Vec<(u64, Vec<u8>)> = all
        .iter()
        .filter(|p| vrlab::capture::live::vrrp_of(&p.data).is_some())
        .map(|p| (p.ts_ns as u64 / 1000 - t0, p.data.clone()))
        .collect();
    assert!(adverts.len() > 5 && adverts.len() < all.len());
    let dir = tempfile::tempdir().unwrap();
    let filtered = dir.path().join("vrrp-only.pcap");
    pcap(&filtered, 1, &adverts);
    let v = vrlab::checks::judge_capture(&filtered, &CaptureHints::default()).unwrap();
    for id in ["c4.announce-after-advert", "d1.gratuitous-arp"] {
        let r: Vec<_> = v.checks.iter().filter(|c| c.id.id() == id).collect();
        assert!(
            !r.is_empty()
                && r.iter().all(|c| c.status == Status::NotApplicable
                    && c.observed.contains("the capture holds no ARP frame at all")),
            "{id}: {:?}",
            r.iter()
                .map(|c| (&c.status, &c.observed))
                .collect::<Vec<_>>()
        );
    }
    // The adverts themselves are still judged.
    assert!(v
        .checks
        .iter()
        .any(|c| c.id.id() == "c7.advert-interval" && c.status == Status::Pass));
}

/// `--expect`: the failures a file lists are KNOWN and pass; a listed deviation that passed
/// fails the run (unless `intermittent`); a bad file is bad input with its line and column.
#[test]
fn expected_findings_pass_known_failures_and_fail_stale_ones() {
    let run =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/runs/keepalived-crash-and-return");
    let run = run.to_str().unwrap();
    let (code, out, _) = vrlab(&["check", run, "--json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ids = |status: &str| -> Vec<String> {
        let mut ids: Vec<String> = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == status)
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect();
        ids.dedup();
        ids
    };
    let (failed, passed) = (ids("fail"), ids("pass"));
    assert!(!failed.is_empty() && !passed.is_empty());
    let entry = |check: &str, extra: &str| {
        format!("[[deviation]]\nscenario = \"crash-and-return\"\ncheck = \"{check}\"\nevidence = \"seen in this recording\"\n{extra}\n")
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keepalived.toml");
    let all: String = failed.iter().map(|c| entry(c, "")).collect();
    std::fs::write(&file, &all).unwrap();

    let (code, out, err) = vrlab(&["check", run, "--expect", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("KNOWN") && !out.contains("  FAIL"), "{out}");
    assert!(
        out.contains(&format!(
            "PASSED: {} passed, 0 failed",
            v["checks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["status"] == "pass")
                .count()
        )),
        "{out}"
    );
    assert!(
        out.contains("known deviation (") && out.contains("keepalived.toml:1)"),
        "{out}"
    );
    // A directory of files named after daemons: the run's daemon's file applies.
    let (code, _, _) = vrlab(&["check", run, "--expect", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0);
    let (code, out, _) = vrlab(&["check", run, "--junit", "--expect", file.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        out.contains("<skipped message=\"known deviation (") && !out.contains("<failure"),
        "{out}"
    );

    // One failure left out: it is unexpected.
    let fewer: String = failed.iter().skip(1).map(|c| entry(c, "")).collect();
    std::fs::write(&file, &fewer).unwrap();
    let (code, out, _) = vrlab(&["check", run, "--expect", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("  FAIL"), "{out}");

    // A passing check listed: stale, the run fails; marked intermittent, it may pass.
    std::fs::write(&file, format!("{all}{}", entry(&passed[0], ""))).unwrap();
    let (code, out, _) = vrlab(&["check", run, "--expect", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("STALE {}", passed[0])), "{out}");
    std::fs::write(
        &file,
        format!(
            "{all}{}",
            entry(
                &passed[0],
                "intermittent = true\nrace = \"a host may not ask\""
            )
        ),
    )
    .unwrap();
    let (code, _, _) = vrlab(&["check", run, "--expect", file.to_str().unwrap()]);
    assert_eq!(code, 0);

    // Bad files: exit 2, the place named.
    std::fs::write(
        &file,
        "[[deviation]]\ncheck = \"z9.none\"\nevidence = \"x\"\n",
    )
    .unwrap();
    let (code, _, err) = vrlab(&["check", run, "--expect", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("keepalived.toml:2:9: error: `z9.none` is not a check"),
        "{err}"
    );
    std::fs::write(&file, "[[deviation]\n").unwrap();
    let (code, _, err) = vrlab(&["check", run, "--expect", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("keepalived.toml:1:"), "{err}");
}

/// ucarp's adverts (captures/ucarp.pcap, password `secret`) carry the HMAC of the password
/// they share: `--carp-pass secret` verifies all of them, another password flags every one,
/// and without a password the check says what it needs.
#[test]
fn carp_adverts_are_held_to_the_password_they_share() {
    let cap = Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/ucarp.pcap");
    let cap = cap.to_str().unwrap();
    let b14 = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["check", cap, "--json"];
        all.extend_from_slice(args);
        let (_, out, err) = vrlab(&all);
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "b14.carp-hmac")
            .cloned()
            .unwrap()
    };
    let right = b14(&["--carp-pass", "secret"]);
    assert_eq!(right["status"], "pass", "{right}");
    assert!(
        right["expected"]
            .as_str()
            .unwrap()
            .contains("VHID 7, 10.9.1.100"),
        "{right}"
    );
    let wrong = b14(&["--carp-pass", "guess"]);
    assert_eq!(wrong["status"], "fail", "{wrong}");
    assert_eq!(
        wrong["evidence"].as_array().unwrap().len(),
        5,
        "every advert: {wrong}"
    );
    let unknown = b14(&[]);
    assert_eq!(unknown["status"], "not_applicable");
    assert!(
        unknown["observed"]
            .as_str()
            .unwrap()
            .contains("--carp-pass"),
        "{unknown}"
    );
}

/// A deployment outside the RFCs' defaults (keepalived with `unicast_peer` and without
/// `use_vmac`, captures/README.md) is judged as it is meant to work once the judge is told:
/// without the flags its unicast destination and physical MACs fail a1, a9, d1 and d3; with
/// `--unicast --no-vmac` those do not apply, with the flag as the reason, and nothing fails.
/// `--name` shows senders by name, merges two addresses given one name, and says which
/// address named no sender.
#[test]
fn a_unicast_deployment_without_vmac_is_judged_as_told() {
    let cap =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/keepalived-v3-ipv4-unicast.pcap");
    let cap = cap.to_str().unwrap();
    let failed = |v: &serde_json::Value| -> Vec<String> {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "fail")
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (code, out, err) = vrlab(&["check", cap, "--json"]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // What the capture held, as fields.
    assert_eq!(v["capture"]["frames"], 86);
    assert_eq!(
        v["capture"]["vrouters"],
        serde_json::json!(["VRID 51 (ipv4)"])
    );
    assert_eq!(v["capture"]["senders_named_by"], "source address");
    assert_eq!(v["capture"]["tolerance_ms"], 50.0);
    // Evidence times: seconds since the capture's first frame (as Wireshark's relative
    // times), and the same moment absolute.
    let first_ns = vrlab::wire::capture::read_all(cap).unwrap()[0].ts_ns as u64;
    for e in v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["evidence"].as_array().unwrap())
    {
        let (at_s, t_ns) = (e["at_s"].as_f64().unwrap(), e["t_ns"].as_u64().unwrap());
        assert!(((t_ns - first_ns) as f64 / 1e9 - at_s).abs() < 1e-6, "{e}");
    }
    assert_eq!(
        failed(&v),
        [
            "a1.ipv4-advert-destination",
            "a9.advert-source-mac",
            "d1.gratuitous-arp",
            "d3.arp-reply-vmac"
        ]
    );

    let (code, out, err) = vrlab(&[
        "check",
        cap,
        "--json",
        "--unicast",
        "--no-vmac",
        "--name",
        "02:00:00:00:02:01=r1",
        "--name",
        "02:00:00:00:03:01=r2",
        "--name",
        "192.0.2.1=r1",
        "--name",
        "02:00:00:00:09:09=r9",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(failed(&v).is_empty());
    let reason = |id: &str| -> String {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["observed"].as_str().unwrap_or_default().to_string())
            .unwrap()
    };
    assert!(reason("a1.ipv4-advert-destination").contains("--unicast"));
    assert!(reason("a9.advert-source-mac").contains("--no-vmac"));
    let masters: Vec<&str> = v["metrics"]["masters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["node"].as_str().unwrap())
        .collect();
    assert_eq!(masters, ["r1", "r2"]);
    let notes = v["notes"].to_string();
    // Senders here go by their MACs: an IP address names none of them, and says so.
    assert!(
        notes.contains("--name 02:00:00:00:09:09: no sender")
            && notes.contains("--name 192.0.2.1: no sender")
            && !notes.contains("--name 02:00:00:00:02:01"),
        "{notes}"
    );

    // A bad --name is bad input, a run directory takes none of these flags.
    let (code, _, err) = vrlab(&["check", cap, "--name", "r1"]);
    assert_eq!(code, 2);
    assert!(err.contains("ADDRESS=NAME"), "{err}");
    let (code, _, err) = vrlab(&["check", cap, "--name", "02:00:00:00:02=r1"]);
    assert_eq!(code, 2);
    assert!(err.contains("neither a MAC nor an IP address"), "{err}");
    let run =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/runs/keepalived-crash-and-return");
    let (code, _, err) = vrlab(&["check", run.to_str().unwrap(), "--unicast"]);
    assert_eq!(code, 2);
    assert!(err.contains("are for capture files"), "{err}");
}

/// The reports people read beside the text: `--markdown` (a job summary) names the run, its
/// counts, each failed or known check with its clause and first evidence, and the failover
/// figures; `--html FILE` is one page that needs nothing from elsewhere, with the timeline
/// inline and one row per check result, failures first.
#[test]
fn markdown_and_html_reports_of_a_recorded_run() {
    let run =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/runs/keepalived-crash-and-return");
    let run = run.to_str().unwrap();
    let known = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/known-deviations");
    let (_, json, _) = vrlab(&["check", run, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let results = v["checks"].as_array().unwrap();
    let failed = results.iter().filter(|c| c["status"] == "fail").count();

    let (code, md, err) = vrlab(&["check", run, "--markdown"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        md.starts_with("### ❌ FAILED crash-and-return × keepalived"),
        "{md}"
    );
    let rows = md.lines().filter(|l| l.starts_with("| ❌ FAIL |")).count();
    assert_eq!(rows, failed, "{md}");
    assert!(
        md.contains("| `e6.no-vip-from-old-master` | RFC 3768 §6.4.2"),
        "{md}"
    );
    assert!(md.contains("lan.pcapng frame"), "{md}");
    assert!(md.contains("| gw6 | crash r1 | r1 → r2 |"), "{md}");
    // With the suite's expectations the keepalived behaviours are KNOWN, each cited.
    let (_, md, _) = vrlab(&[
        "check",
        run,
        "--markdown",
        "--expect",
        known.to_str().unwrap(),
    ]);
    assert!(
        md.contains("| ⚠️ KNOWN | `e6.no-vip-from-old-master` |")
            && md.contains("known deviation (keepalived vips-left-on-vmac on r1,"),
        "{md}"
    );

    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let (code, _, err) = vrlab(&["check", run, "--html", page.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    let text = std::fs::read_to_string(&page).unwrap();
    let doc = roxmltree::Document::parse_with_options(
        &text,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("report.html is not well-formed: {e}"));
    // Offline: nothing is fetched (the SVG namespace is a name, not a fetch).
    for n in doc.descendants().filter(|n| n.is_element()) {
        for a in ["src", "href"] {
            assert!(n.attribute(a).is_none(), "<{}> {a}", n.tag_name().name());
        }
        assert!(!["script", "link", "img", "iframe"].contains(&n.tag_name().name()));
    }
    assert!(doc.descendants().any(|n| n.tag_name().name() == "svg"
        && n.tag_name().namespace() == Some("http://www.w3.org/2000/svg")));
    let trs: Vec<_> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "tr" && n.attribute("class").is_some())
        .collect();
    assert_eq!(trs.len(), results.len());
    assert!(trs[..failed]
        .iter()
        .all(|r| r.attribute("class") == Some("fail")));
    assert!(
        doc.descendants()
            .any(|n| n.tag_name().name() == "pre"
                && n.text().is_some_and(|t| t.contains("takeover:")))
    );
}

/// CARP adverts carry no addresses and their HMAC covers them: given the password and the
/// address (`--carp-pass`, `--vip`), a capture is enough to tell a router with another
/// password apart and to judge what it does with the address (e7), as in a run directory.
#[test]
fn a_carp_stranger_is_judged_on_a_capture_given_the_addresses() {
    let runs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/runs");
    let hints = |vips: Vec<std::net::IpAddr>| CaptureHints {
        carp_pass: Some("s3cret".into()),
        vips,
        ..Default::default()
    };
    let e7 = |dir: &str, h: &CaptureHints| {
        let v =
            vrlab::checks::judge_capture(&runs.join(dir).join("segments/lan.pcapng"), h).unwrap();
        v.checks
            .iter()
            .find(|c| c.id.id() == "e7.stranger-never-claims")
            .map(|c| c.status)
            .unwrap()
    };
    let vip = vec!["192.0.2.53".parse().unwrap()];
    assert_eq!(
        e7("ucarp-wrong-password", &hints(vip.clone())),
        Status::Fail
    );
    assert_eq!(
        e7("ucarp-wrong-password-unclaimed", &hints(vip)),
        Status::Pass
    );
    // Without the address, the stranger cannot be told apart: not applicable, never a pass.
    assert_eq!(
        e7("ucarp-wrong-password", &hints(Vec::new())),
        Status::NotApplicable
    );
}

/// A capture of an overlay's underlay (captures/vxlan-underlay.pcap: segment a of a real
/// cloud-vxlan-overlay run, its VXLAN datagrams as `tcpdump -i eth0` on r1 would have them):
/// the frames inside are judged on the VNI's segment, their senders named by their addresses.
#[test]
fn an_underlay_capture_is_judged_inside_its_vxlan_datagrams() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/vxlan-underlay.pcap");
    let hints = CaptureHints {
        no_vmac: true,
        ..Default::default()
    };
    let v = vrlab::checks::judge_capture(&p, &hints).unwrap();
    let facts = v.capture.as_ref().unwrap();
    assert_eq!(facts.tunnelled, 137, "{}", v.daemon_version);
    assert_eq!(
        facts.vrouters,
        ["VRID 92 (ipv4) on vxlan-underlay.pcap VXLAN 100"]
    );
    let senders: std::collections::BTreeSet<&str> =
        v.metrics.masters.iter().map(|m| m.node.as_str()).collect();
    assert_eq!(senders.len(), 2, "{:#?}", v.metrics.masters);
    assert!(v.passed(), "{:#?}", v.checks);
}

/// A VXLAN endpoint sends each frame to every peer: a capture on its underlay holds one
/// datagram per peer, and the frame is judged once.
#[test]
fn frames_replicated_to_several_peers_count_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("replicated.pcap");
    let outer = (MacAddr([2, 0, 0, 0, 9, 1]), MacAddr([2, 0, 0, 0, 9, 254]));
    let frames: Vec<(u64, Vec<u8>)> = tenure(None, 1, 200, 100, 0)
        .into_iter()
        .flat_map(|(us, f)| {
            [2u8, 3].map(|peer| {
                let dg = vrlab::wire::vxlan::encapsulate(
                    outer,
                    Ipv4Addr::new(198, 51, 100, 1),
                    Ipv4Addr::new(198, 51, 100, peer),
                    4789,
                    7,
                    &f,
                );
                (us + u64::from(peer), dg)
            })
        })
        .collect();
    pcap(&file, 1, &frames);
    let v = vrlab::checks::judge_capture(&file, &CaptureHints::default()).unwrap();
    let facts = v.capture.as_ref().unwrap();
    assert_eq!(facts.tunnelled * 2, frames.len() as u64);
    assert_eq!(facts.copies_dropped * 2, frames.len() as u64);
    let adverts: usize = v.metrics.masters.iter().map(|m| m.adverts).sum();
    assert_eq!(adverts, 5, "{:#?}", v.metrics.masters);
}
