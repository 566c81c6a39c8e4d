//! Every scenario in scenarios/ parses and validates.

#[test]
fn suite_scenarios_are_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut n = 0;
    let entries = std::fs::read_dir(&dir)
        .unwrap()
        .chain(std::fs::read_dir(dir.join("field")).unwrap());
    for e in entries {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            if let Err(err) = vrlab::scenario::load(&p) {
                panic!("{err}");
            }
            n += 1;
        }
    }
    assert!(n >= 1, "no scenarios found in {}", dir.display());
    // The benchmark's own lab (ci/bench-flood.sh) too.
    let flood = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ci/flood.toml");
    if let Err(err) = vrlab::scenario::load(&flood) {
        panic!("{err}");
    }
}

/// A host probes the VIPs of its own segments only: in `two-segments-no-leak`, h1 (on lan)
/// probes lan's gateways and h2 (on wan) wan's, never the other segment's, which it cannot
/// reach and whose silence would be a false service gap.
#[test]
fn hosts_probe_the_vips_of_their_own_segments() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios/two-segments-no-leak.toml");
    let s = vrlab::scenario::load(&p).unwrap();
    let vips_of = |seg: &str| -> Vec<std::net::IpAddr> {
        s.vrouters
            .iter()
            .filter(|v| v.segment == seg && v.answers_probes())
            .flat_map(|v| v.vips.iter().copied())
            .collect()
    };
    for host in s.hosts() {
        let seg = &host.interfaces[0].segment;
        assert_eq!(s.probe_targets(&host.name), vips_of(seg), "{}", host.name);
        assert!(!s.probe_targets(&host.name).is_empty(), "{}", host.name);
    }
    assert_ne!(vips_of("lan"), vips_of("wan"));
}

/// A host with a gateway probes the hosts behind the other segment's gateway through the
/// virtual routers (`sync-group-link-down`: h1 reaches u1 out by `inside` and back by
/// `outside`), and VIPs held on `lo` are probed only by the upstream that learns them by BGP
/// (`field/cloud-bgp-vip`).
#[test]
fn hosts_probe_through_their_gateways_and_routed_vips_from_the_upstream() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let scn = vrlab::scenario::load(&dir.join("sync-group-link-down.toml")).unwrap();
    let through: Vec<(String, Vec<&str>)> = scn
        .through_targets("h1")
        .into_iter()
        .map(|(ip, path)| {
            (
                ip.to_string(),
                path.iter().map(|v| v.name.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        through,
        [("198.51.100.10".to_string(), vec!["inside", "outside"])]
    );
    let h1: Vec<String> = scn
        .probe_targets("h1")
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(h1, ["192.0.2.100", "198.51.100.10"]);

    let cloud = vrlab::scenario::load(&dir.join("field/cloud-bgp-vip.toml")).unwrap();
    let up: Vec<String> = cloud
        .probe_targets("up")
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(up, ["203.0.113.10"]);
}
