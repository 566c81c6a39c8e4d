//! `vrlab bench-topology`: time building and tearing down topologies of N nodes.
//!
//! Each topology is one segment with N nodes (one router per 5 nodes, the rest hosts), each
//! with an IPv4 and an IPv6 address. Build time runs from the first netlink request to the
//! last address; teardown from dropping the topology until the kernel has removed every
//! namespace (watched through the namespaces' inode numbers in /proc).

use std::time::Instant;

use crate::scenario;

fn scenario_text(n: usize) -> String {
    let mut s = String::from("name = \"bench\"\n[segments.lan]\n");
    for i in 0..n {
        let role = if i % 5 == 0 { "router" } else { "host" };
        s += &format!(
            "[nodes.n{i}]\nrole = \"{role}\"\ninterfaces.eth0 = {{ segment = \"lan\", addresses = [\"10.{}.{}.{}/8\", \"2001:db8::{:x}/64\"] }}\n",
            (i + 1) / 65536,
            ((i + 1) / 256) % 256,
            (i + 1) % 256,
            i + 1
        );
    }
    // The benchmark builds and tears down; the timeline is never played.
    s += "[[timeline]]\naction = \"hold\"\nfor = \"1s\"\n";
    s
}

pub fn main(sizes: &[usize], repeat: usize) -> i32 {
    if let Err(e) = crate::sandbox::enter() {
        eprintln!("vrlab: {e}");
        return crate::exit::EXIT_ENVIRONMENT;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "{:>6} {:>12} {:>12} {:>12}",
        "nodes", "build ms", "teardown ms", "total ms"
    );
    rt.block_on(async {
        for &n in sizes {
            let scn = match scenario::parse(std::path::Path::new("bench.toml"), &scenario_text(n)) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("{e}");
                    return crate::exit::EXIT_BAD_INPUT;
                }
            };
            let (mut builds, mut downs) = (Vec::new(), Vec::new());
            for r in 0..repeat {
                let dir =
                    std::path::Path::new(crate::sandbox::STATE_DIR).join(format!("bench-{n}-{r}"));
                let t = Instant::now();
                let topo = match crate::topology::Topology::build(&scn, &dir).await {
                    Ok(t) => t,
                    Err(e) => {
                        eprintln!("{e}");
                        return crate::exit::EXIT_LAB;
                    }
                };
                builds.push(t.elapsed().as_secs_f64() * 1000.0);
                let t = Instant::now();
                // Like `ip netns del`, this releases the namespaces (closes descriptors,
                // unmounts /run binds); the kernel frees them asynchronously after.
                drop(topo);
                downs.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            let med = |v: &mut Vec<f64>| {
                v.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
                v[v.len() / 2]
            };
            let (b, d) = (med(&mut builds), med(&mut downs));
            println!("{n:>6} {b:>12.1} {d:>12.1} {:>12.1}", b + d);
        }
        crate::exit::EXIT_OK
    })
}
