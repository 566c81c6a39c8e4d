use super::*;

const MIN: &str = r#"
[[instance]]
name = "a"
interface = "eth0"
vrid = 7
version = 3
priority = 100
vips = ["10.0.0.1"]
"#;

fn problems(src: &str) -> Vec<String> {
    parse(src)
        .unwrap_err()
        .iter()
        .map(|p| p.to_string())
        .collect()
}

#[test]
fn annotated_example_is_valid() {
    let c = parse(include_str!("../../examples/vrlabd.toml")).unwrap();
    assert_eq!(c.instances.len(), 2);
    let v6 = &c.instances[1];
    assert_eq!(v6.family, Family::Ipv6);
    assert_eq!(v6.vips[0].0, "fe80::5e:2:33".parse::<IpAddr>().unwrap());
    assert_eq!(c.instances[0].track_scripts[0].fall, 2);
}

#[test]
fn defaults_are_the_rfc_defaults() {
    let c = parse(MIN).unwrap();
    let i = &c.instances[0];
    assert_eq!(i.interval_cs, 100);
    assert!(i.preempt);
    assert!(!i.accept);
    assert!(i.vmac);
    assert_eq!(i.checksum, ChecksumForm::PseudoHeader);
    assert!(i.advert_on_lower_priority);
    assert_eq!(i.vips, vec![("10.0.0.1".parse().unwrap(), 32)]);
}

#[test]
fn intervals_in_every_unit() {
    for (text, cs) in [
        ("\"10ms\"", 1),
        ("\"1cs\"", 1),
        ("\"1s\"", 100),
        ("250", 25),
        ("\"4095cs\"", 4095),
    ] {
        let src = MIN.replace(
            "priority = 100",
            &format!("priority = 100\ninterval = {text}"),
        );
        assert_eq!(parse(&src).unwrap().instances[0].interval_cs, cs, "{text}");
    }
}

#[test]
fn syntax_errors_have_line_and_column() {
    let p = problems("[[instance]]\nname = \"a\"\nvrid = \n");
    assert!(p[0].starts_with("3:"), "{p:?}");
}

#[test]
fn unknown_keys_are_refused_with_their_position() {
    let src = MIN.replace("priority = 100", "priority = 100\npreemt = false");
    let p = problems(&src);
    assert!(p[0].starts_with("8:1:") && p[0].contains("preemt"), "{p:?}");
}

#[test]
fn semantic_errors_point_at_the_value() {
    let src = MIN
        .replace("vrid = 7", "vrid = 0")
        .replace("priority = 100", "priority = 300");
    let p = problems(&src);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p[0].starts_with("5:8:") && p[0].contains("vrid"), "{p:?}");
    assert!(
        p[1].starts_with("7:12:") && p[1].contains("priority"),
        "{p:?}"
    );
}

#[test]
fn families_cannot_mix_and_v2_is_ipv4_only() {
    let p = problems(&MIN.replace("[\"10.0.0.1\"]", "[\"10.0.0.1\", \"2001:db8::1\"]"));
    assert!(p[0].contains("one family"), "{p:?}");
    let p = problems(
        &MIN.replace("version = 3", "version = 2")
            .replace("10.0.0.1", "2001:db8::1"),
    );
    assert!(p.iter().any(|x| x.contains("IPv4 only")), "{p:?}");
}

#[test]
fn bad_intervals_are_explained() {
    for (text, what) in [
        ("\"15ms\"", "multiple of 10"),
        ("\"41s\"", "4095"),
        ("\"1x\"", "unit"),
    ] {
        let src = MIN.replace(
            "priority = 100",
            &format!("priority = 100\ninterval = {text}"),
        );
        let p = problems(&src);
        assert!(p[0].contains(what), "{text}: {p:?}");
    }
    let v2 = MIN
        .replace("version = 3", "version = 2")
        .replace("priority = 100", "priority = 100\ninterval = \"150cs\"");
    assert!(problems(&v2)[0].contains("whole number of seconds"));
}

#[test]
fn duplicate_vrid_on_one_interface_and_family_is_refused() {
    let src = format!("{MIN}{}", MIN.replace("name = \"a\"", "name = \"b\""));
    let p = problems(&src);
    assert!(p[0].contains("already used"), "{p:?}");
    // Same VRID in the other family is a different virtual router.
    let src = format!(
        "{MIN}{}",
        MIN.replace("name = \"a\"", "name = \"b\"")
            .replace("10.0.0.1", "2001:db8::1")
    );
    assert!(parse(&src).is_ok());
}

#[test]
fn ipv6_link_local_goes_first_and_is_not_duplicated() {
    let src = MIN
        .replace("[\"10.0.0.1\"]", "[\"2001:db8::1\", \"fe80::1\"]")
        .replace("priority = 100", "priority = 100\nlink_local = \"fe80::1\"");
    let c = parse(&src).unwrap();
    let addrs = c.instances[0].advertised();
    assert_eq!(
        addrs,
        vec![
            "fe80::1".parse::<IpAddr>().unwrap(),
            "2001:db8::1".parse().unwrap()
        ]
    );
    let bad = MIN.replace("[\"10.0.0.1\"]", "[\"2001:db8::1\"]").replace(
        "priority = 100",
        "priority = 100\nlink_local = \"2001:db8::9\"",
    );
    assert!(problems(&bad)[0].contains("link-local"));
}

#[test]
fn rfc9568_7_4_default_link_local_is_shared_and_not_made_from_the_vmac() {
    assert_eq!(
        default_link_local(1),
        "fe80::5e:2:1".parse::<IpAddr>().unwrap()
    );
    for vrid in 1..=255u8 {
        let IpAddr::V6(ll) = default_link_local(vrid) else {
            panic!("IPv6")
        };
        let m = crate::packet::frame::vmac(true, vrid);
        let eui64 = [m[0] ^ 2, m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]];
        assert_ne!(ll.octets()[8..], eui64, "VRID {vrid}");
        assert_eq!(ll.segments()[0], 0xfe80);
    }
}

#[test]
fn durations_parse() {
    assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
    assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
    assert!(parse_duration("5").is_err());
    assert!(parse_duration("-1s").is_err());
}

const V6: &str = r#"
[[instance]]
name = "b"
interface = "eth0"
vrid = 7
version = 3
priority = 100
vips = ["2001:db8::1/64"]
"#;

#[test]
fn router_advertisements_default_off_and_follow_rfc_4861_when_on() {
    let c = parse(V6).unwrap();
    assert_eq!(c.instances[0].router_advertisements, None);
    let on = V6.replace(
        "priority = 100",
        "priority = 100\nrouter_advertisements = true",
    );
    let ra = parse(&on).unwrap().instances[0]
        .router_advertisements
        .unwrap();
    assert_eq!(ra.max_interval, Duration::from_secs(600));
    assert_eq!(ra.min_interval, Duration::from_secs(198));
    assert_eq!(ra.lifetime, Duration::from_secs(1800));
    let short = on.replace(
        "router_advertisements = true",
        "router_advertisements = true\nra_interval = \"8s\"\nra_lifetime = \"0s\"",
    );
    let ra = parse(&short).unwrap().instances[0]
        .router_advertisements
        .unwrap();
    assert_eq!(
        ra.min_interval,
        Duration::from_secs(6),
        "0.75 × Max below 9 s"
    );
    assert_eq!(ra.lifetime, Duration::ZERO);
    let bad = on.replace(
        "router_advertisements = true",
        "router_advertisements = true\nra_interval = \"2s\"",
    );
    assert!(
        problems(&bad)[0].contains("4 to 1800"),
        "{:?}",
        problems(&bad)
    );
    let v4 = MIN.replace(
        "priority = 100",
        "priority = 100\nrouter_advertisements = true",
    );
    assert!(problems(&v4)[0].contains("IPv6"));
    let orphan = V6.replace("priority = 100", "priority = 100\nra_interval = \"30s\"");
    assert!(problems(&orphan)[0].contains("needs router_advertisements"));
}

#[test]
fn vips_on_another_interface_need_accept_mode() {
    let lo = MIN.replace(
        "priority = 100",
        "priority = 100\nvmac = false\nvip_interface = \"lo\"",
    );
    let p = problems(&lo);
    assert!(p[0].contains("accept = true"), "{p:?}");
    let ok = lo.replace(
        "vip_interface = \"lo\"",
        "vip_interface = \"lo\"\naccept = true",
    );
    assert_eq!(
        parse(&ok).unwrap().instances[0].vip_interface.as_deref(),
        Some("lo")
    );
    // The owner holds its addresses whatever Accept_Mode says.
    let owner = lo.replace("priority = 100", "priority = 255");
    assert!(parse(&owner).is_ok());
}

#[test]
fn unicast_source_must_come_with_peers_and_match_the_family() {
    let u = MIN.replace(
        "priority = 100",
        "priority = 100\nunicast_peers = [\"10.7.0.3\"]\nunicast_source = \"10.7.0.2\"",
    );
    let c = parse(&u).unwrap();
    assert_eq!(
        c.instances[0].unicast_source,
        Some("10.7.0.2".parse().unwrap())
    );
    let alone = MIN.replace(
        "priority = 100",
        "priority = 100\nunicast_source = \"10.7.0.2\"",
    );
    assert!(problems(&alone)[0].contains("needs unicast_peers"));
    let fam = u.replace(
        "unicast_source = \"10.7.0.2\"",
        "unicast_source = \"2001:db8::2\"",
    );
    assert!(problems(&fam)[0].contains("family"));
}

#[test]
fn blackhole_table_and_rule_priority_default_to_112_and_are_checked() {
    let c = parse(MIN).unwrap();
    assert_eq!((c.blackhole_table, c.blackhole_rule_priority), (112, 112));
    let custom = format!("blackhole_table = 1000\nblackhole_rule_priority = 900\n{MIN}");
    let c = parse(&custom).unwrap();
    assert_eq!((c.blackhole_table, c.blackhole_rule_priority), (1000, 900));
    let main = format!("blackhole_table = 254\n{MIN}");
    assert_eq!(problems(&main).len(), 1);
    assert!(
        problems(&main)[0].starts_with("1:19:"),
        "{:?}",
        problems(&main)
    );
    let late = format!("blackhole_rule_priority = 32766\n{MIN}");
    assert!(problems(&late)[0].contains("before main"));
}

#[test]
fn interface_names_the_kernel_would_refuse_are_refused_with_their_location() {
    for (name, says) in [
        ("", "is 0 bytes; Linux allows 1 to 15"),
        ("../../../../kernel", "is 18 bytes"),
        ("../kernel", "cannot name an interface"),
        ("eth 0", "cannot name an interface"),
    ] {
        let src = MIN.replace("interface = \"eth0\"", &format!("interface = \"{name}\""));
        let p = problems(&src);
        assert!(
            p.iter()
                .any(|x| x.starts_with("4:13: ") && x.contains(says)),
            "{name}: {p:?}"
        );
    }
}

#[test]
fn addresses_no_router_can_hold_are_not_vips() {
    for (vip, says) in [
        ("0.0.0.0", "it is the unspecified address"),
        ("224.0.0.18", "it is a multicast address"),
        ("127.0.0.1", "it is a loopback address"),
        ("10.0.0.1/0", "bad prefix length in `10.0.0.1/0`: 1 to 32"),
        ("10.0.0.1/33", "bad prefix length"),
    ] {
        let src = MIN.replace("10.0.0.1", vip);
        let p = problems(&src);
        assert!(p.iter().any(|x| x.contains(says)), "{vip}: {p:?}");
    }
}

#[test]
fn columns_count_characters_not_bytes() {
    // "é" is two bytes: the second address starts at character 14 (byte 15).
    let src = MIN.replace("vips = [\"10.0.0.1\"]", "vips = [\"é\", \"0.0.0.0\"]");
    let p = parse(&src).unwrap_err();
    let at: Vec<_> = p
        .iter()
        .filter(|x| x.message.contains("0.0.0.0"))
        .map(|x| (x.line, x.column))
        .collect();
    assert_eq!(at, [(8, 14)], "{p:?}");
}

#[test]
fn a_device_or_a_fifo_is_not_read_as_a_configuration() {
    let e = load(Path::new("/dev/zero")).unwrap_err().to_string();
    assert!(e.contains("not a regular file"), "{e}");
    let dir = std::env::temp_dir().join(format!("vrlabd-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("conf");
    let _ = std::fs::remove_file(&fifo);
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    let e = load(&fifo).unwrap_err().to_string();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(e.contains("not a regular file"), "{e}");
}

#[test]
fn sync_groups_name_their_members_and_are_checked_where_written() {
    let two = format!(
        "{MIN}{}",
        MIN.replace("name = \"a\"", "name = \"b\"")
            .replace("eth0", "eth1")
    );
    let src = format!("{two}\n[[sync_group]]\nname = \"fw\"\ninstances = [\"a\", \"b\"]\n");
    let c = parse(&src).unwrap();
    assert!(c
        .instances
        .iter()
        .all(|i| i.sync_group.as_deref() == Some("fw")));
    assert_eq!(parse(&two).unwrap().instances[0].sync_group, None);

    let bad = format!(
        "{two}\n[[sync_group]]\nname = \"fw\"\ninstances = [\"a\", \"c\"]\n\
         [[sync_group]]\nname = \"fw\"\ninstances = [\"a\"]\n"
    );
    let p = problems(&bad);
    let line = |needle: &str| {
        p.iter()
            .find(|m| m.contains(needle))
            .unwrap_or_else(|| panic!("no `{needle}` in {p:?}"))
            .clone()
    };
    assert!(
        line("no instance is named `c`").starts_with("20:19"),
        "{p:?}"
    );
    assert!(line("used twice").starts_with("22:8"), "{p:?}");
    assert!(line("needs two instances").starts_with("23:13"), "{p:?}");
    assert!(
        line("already in sync group `fw`").starts_with("23:14"),
        "{p:?}"
    );
}

#[test]
fn auth_pass_is_vrrpv2_only_and_at_most_8_characters() {
    let v2 = MIN.replace("version = 3", "version = 2\ninterval = \"1s\"");
    let c = parse(&format!("{v2}auth_pass = \"s3cret\"\n")).unwrap();
    assert_eq!(c.instances[0].auth.type_code(), 1);
    assert_eq!(&c.instances[0].auth.data()[..7], b"s3cret\0");
    assert_eq!(parse(&v2).unwrap().instances[0].auth, Auth::None);
    let p = problems(&format!("{v2}auth_pass = \"much-too-long\"\n"));
    assert!(p[0].contains("1 to 8 printable ASCII"), "{p:?}");
    let p = problems(&format!("{MIN}auth_pass = \"s3cret\"\n"));
    assert!(p[0].contains("VRRPv3 has no authentication"), "{p:?}");
}
