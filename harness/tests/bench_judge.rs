//! Benchmark (docs/benchmarks.md): decode and judge a capture of 1 million frames, and decode
//! the same file with `tshark -V`.
//!
//! ```sh
//! cargo test --release -p vrlab --test bench_judge -- --ignored --nocapture
//! ```
//!
//! The capture is what `tcpdump -i br0` records on a busy lab segment: a host probing an IPv4
//! and an IPv6 virtual address every millisecond (echo request and reply: 4 frames per ms),
//! the master's VRRPv3 adverts for both every 100 ms, an ARP exchange every second, and every
//! 10 s the master leaving with priority 0 and the other router taking over with gratuitous
//! ARPs and unsolicited NAs. `VRLAB_BENCH_FILE` keeps the file at that path.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use vrlab::wire::arp::{ArpOp, ArpPacket};
use vrlab::wire::emit::{self, AdvertFrame};
use vrlab::wire::ipv4::Ipv4Repr;
use vrlab::wire::{self, Frame, MacAddr};

const N: usize = 1_000_000;

fn icmp4(t: u8, seq: u16) -> Vec<u8> {
    let mut m = vec![t, 0, 0, 0, 0x12, 0x34, (seq >> 8) as u8, seq as u8];
    m.extend_from_slice(&[0u8; 32]);
    let mut s: u32 = 0;
    for c in m.chunks(2) {
        s += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    let ck = !(s as u16);
    m[2..4].copy_from_slice(&ck.to_be_bytes());
    m
}

fn generate(path: &std::path::Path) -> u64 {
    let h1 = MacAddr([2, 0, 0, 0, 1, 1]);
    let routers = [MacAddr([2, 0, 0, 0, 2, 1]), MacAddr([2, 0, 0, 0, 3, 1])];
    let rip4 = [Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2)];
    let rll = [
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 0x201),
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 0x301),
    ];
    let h4 = Ipv4Addr::new(192, 0, 2, 10);
    let h6 = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0x10);
    let vip4 = Ipv4Addr::new(192, 0, 2, 100);
    let vip6 = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0x100);
    let vll = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x52);
    let (v4, v6) = (MacAddr::vrrp_v4(51), MacAddr::vrrp_v6(52));
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut w = pcap_file::pcapng::PcapNgWriter::new(file).unwrap();
    w.write_pcapng_block(InterfaceDescriptionBlock {
        linktype: pcap_file::DataLink::ETHERNET,
        snaplen: 0,
        options: vec![
            InterfaceDescriptionOption::IfName("br-lan".into()),
            InterfaceDescriptionOption::IfTsResol(9),
        ],
    })
    .unwrap();
    let t0: u64 = 1_800_000_000_000_000_000;
    let n = std::cell::Cell::new(0usize);
    let put = |w: &mut pcap_file::pcapng::PcapNgWriter<_>, t: u64, f: &[u8]| {
        w.write_pcapng_block(EnhancedPacketBlock {
            interface_id: 0,
            timestamp: std::time::Duration::from_nanos(t0 + t),
            original_len: f.len() as u32,
            data: std::borrow::Cow::Borrowed(f),
            options: vec![],
        })
        .unwrap();
        n.set(n.get() + 1);
    };
    let ms = 1_000_000u64;
    let mut master = 0usize;
    let mut tick = 0u64;
    while n.get() < N {
        let t = tick * ms;
        // Every 10 s: the master leaves, the other takes over after Skew_Time (60.9 ms) and
        // advertises on its own schedule from then on.
        let phase = tick % 10_000;
        if phase == 9_000 {
            for (fam, vmac) in [(0, v4), (1, v6)] {
                let src = if fam == 0 {
                    IpAddr::V4(rip4[master])
                } else {
                    IpAddr::V6(rll[master])
                };
                let addrs = if fam == 0 {
                    vec![IpAddr::V4(vip4)]
                } else {
                    vec![IpAddr::V6(vll), IpAddr::V6(vip6)]
                };
                let mut a = AdvertFrame::vrrp_v3(src, if fam == 0 { 51 } else { 52 }, 0, 10, addrs);
                a.src_mac = vmac;
                put(&mut w, t + 10, &a.emit());
            }
            master ^= 1;
        }
        let took_over = phase == 9_061 || tick == 0;
        let between = (9_000..9_061).contains(&phase);
        // Adverts every 100 ms from the master (and at once on taking over).
        if (tick % 100 == 0 && !between) || took_over {
            let prio = if master == 0 { 200 } else { 100 };
            put(
                &mut w,
                t + 20,
                &AdvertFrame::vrrp_v3(
                    IpAddr::V4(rip4[master]),
                    51,
                    prio,
                    10,
                    vec![IpAddr::V4(vip4)],
                )
                .emit(),
            );
            put(
                &mut w,
                t + 30,
                &AdvertFrame::vrrp_v3(
                    IpAddr::V6(rll[master]),
                    52,
                    prio,
                    10,
                    vec![IpAddr::V6(vll), IpAddr::V6(vip6)],
                )
                .emit(),
            );
        }
        if took_over {
            for i in 0..5 {
                put(&mut w, t + 40 + i, &emit::gratuitous_arp(v4, vip4));
                put(
                    &mut w,
                    t + 50 + i,
                    &emit::unsolicited_na(v6, rll[master], vip6),
                );
            }
        }
        // An ARP exchange every second.
        if tick % 1000 == 500 {
            put(&mut w, t + 60, &emit::arp_request(h1, h4, vip4));
            put(
                &mut w,
                t + 70,
                &emit::arp_frame(
                    v4,
                    h1,
                    &[],
                    &ArpPacket {
                        op: ArpOp::Reply,
                        sender_mac: v4,
                        sender_ip: vip4,
                        target_mac: h1,
                        target_ip: h4,
                        gratuitous: false,
                    },
                ),
            );
        }
        // Probes: echo request and reply, IPv4 and IPv6.
        let seq = tick as u16;
        let req4 = icmp4(8, seq);
        put(
            &mut w,
            t + 100,
            &emit::ipv4_frame(h1, v4, &[], &Ipv4Repr::new(h4, vip4, 1, req4.len()), &req4),
        );
        let rep4 = icmp4(0, seq);
        put(
            &mut w,
            t + 200,
            &emit::ipv4_frame(
                routers[master],
                h1,
                &[],
                &Ipv4Repr::new(vip4, h4, 1, rep4.len()),
                &rep4,
            ),
        );
        let mut e6 = vec![128, 0, 0, 0, 0x12, 0x34, (seq >> 8) as u8, seq as u8];
        e6.extend_from_slice(&[0u8; 32]);
        put(
            &mut w,
            t + 300,
            &emit::icmpv6_frame(h1, v6, h6, vip6, 64, e6.clone()),
        );
        e6[0] = 129;
        put(
            &mut w,
            t + 400,
            &emit::icmpv6_frame(routers[master], h1, vip6, h6, 64, e6),
        );
        tick += 1;
    }
    n.get() as u64
}

#[test]
#[ignore = "benchmark: cargo test --release -p vrlab --test bench_judge -- --ignored --nocapture"]
fn bench_one_million_frames() {
    let keep = std::env::var("VRLAB_BENCH_FILE").ok();
    let path = keep
        .clone()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!("vrlab-bench-{}.pcapng", std::process::id()))
        });
    let t = Instant::now();
    let frames = generate(&path);
    let size = std::fs::metadata(&path).unwrap().len();
    println!(
        "generated {frames} frames, {size} bytes, in {:?}",
        t.elapsed()
    );

    // Read + decode only.
    let t = Instant::now();
    let mut r = wire::open(&path).unwrap();
    let mut f = Frame::default();
    let mut n = 0u64;
    while let Some(p) = r.next_packet() {
        let p = p.unwrap();
        wire::decode_into(p.linktype, p.data, &mut f).unwrap();
        n += 1;
    }
    let dt = t.elapsed();
    println!(
        "read + decode: {n} frames in {:.3}s: {:.2} M frames/s",
        dt.as_secs_f64(),
        n as f64 / dt.as_secs_f64() / 1e6
    );

    // The whole judge: read, decode, wire model, every check.
    let t = Instant::now();
    let v = vrlab::checks::judge_capture(&path, &Default::default()).unwrap();
    let judge = t.elapsed();
    println!(
        "vrlab check (read, decode, model, {} results): {frames} frames in {:.3}s: {:.2} M frames/s; {} masters, {} failed",
        v.checks.len(),
        judge.as_secs_f64(),
        frames as f64 / judge.as_secs_f64() / 1e6,
        v.metrics.masters.len(),
        v.count(vrlab::checks::Status::Fail)
    );
    assert!(
        v.metrics.masters.len() >= 40,
        "{:?}",
        v.metrics.masters.len()
    );

    // tshark -V on the same file, when it is there.
    let t = Instant::now();
    match std::process::Command::new("tshark")
        .args(["-r"])
        .arg(&path)
        .arg("-V")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
    {
        Ok(s) if s.success() => {
            let ts = t.elapsed();
            println!(
                "tshark -r FILE -V > /dev/null: {:.3}s: {:.3} M frames/s; vrlab check is {:.1}x faster",
                ts.as_secs_f64(),
                frames as f64 / ts.as_secs_f64() / 1e6,
                ts.as_secs_f64() / judge.as_secs_f64()
            );
        }
        other => println!("tshark not run: {other:?}"),
    }
    if keep.is_none() {
        let _ = std::fs::remove_file(&path);
    }
}
