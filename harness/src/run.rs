//! One run: build the lab, start the daemons, record, play the timeline, tear down, judge.
//!
//! What it leaves is the run directory whose contract [`crate::rundir`] owns.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::capture::live::LiveWire;
use crate::capture::packets::{CaptureStats, PacketCapture, SegmentFile};
use crate::capture::tables;
use crate::daemons::{
    Assignment, InterfaceSpec, LinkSpec, NodePaths, Plan, RouterSpec, VrouterSpec,
};
use crate::events::{self, now_ns, Fault, Harness, Recorder, What};
use crate::faults;
use crate::probe::Prober;
use crate::process::{self, Processes};
use crate::rundir::{
    CaptureMeta, InterfaceMeta, Layout, NodeMeta, Outcome, RunMeta, SegmentFileMeta, SysctlMeta,
};
use crate::sandbox;
use crate::scenario::{FaultKind, Flow, Role, Scenario, Step, Until};
use crate::topology::{self, node_mac, SysctlRecord, Topology};

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{daemon} cannot run scenario {scenario}: {reasons}")]
    Unsupported {
        daemon: String,
        scenario: String,
        reasons: String,
    },
    #[error("{0}")]
    Setup(String),
    #[error("cannot write the run directory {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl From<&SegmentFile> for SegmentFileMeta {
    fn from(s: &SegmentFile) -> Self {
        SegmentFileMeta {
            segment: s.segment.clone(),
            file: s.file.clone(),
            interfaces: s
                .interfaces
                .iter()
                .map(|i| InterfaceMeta {
                    id: i.id,
                    node: i.node.clone(),
                    interface: i.interface.clone(),
                    port: i.port.clone(),
                    mac: i.mac,
                })
                .collect(),
        }
    }
}

impl From<&SysctlRecord> for SysctlMeta {
    fn from(s: &SysctlRecord) -> Self {
        SysctlMeta {
            node: s.node.clone(),
            key: s.key.clone(),
            value: s.value.clone(),
        }
    }
}

/// What a person sees while a run goes on.
pub trait Progress: Send + Sync {
    fn step(&self, text: &str);
}

pub struct Options<'a> {
    pub out: PathBuf,
    pub progress: &'a dyn Progress,
    /// Set to true when the user asks to stop (Ctrl-C, SIGTERM).
    pub interrupt: watch::Receiver<bool>,
    /// `vrlab up`: keep the lab until interrupted, after the timeline or before a step.
    pub keep: Keep,
}

/// Whether a run keeps its lab up for a person to look inside (`vrlab up`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// `vrlab run`: tear down when the timeline ends.
    No,
    /// Keep the lab after the timeline (or a failed step) until interrupted.
    AfterTimeline,
    /// Play the timeline up to this step (0-based), then keep the lab as it is before it.
    BeforeStep(usize),
}

/// The daemon-neutral spec of one router node.
pub fn router_spec(scn: &Scenario, node: &str) -> RouterSpec {
    let ni = scn
        .nodes
        .iter()
        .position(|n| n.name == node)
        .expect("router exists");
    let n = &scn.nodes[ni];
    let interfaces: Vec<InterfaceSpec> = n
        .interfaces
        .iter()
        .enumerate()
        .map(|(ii, i)| InterfaceSpec {
            name: i.name.clone(),
            segment: i.segment.clone(),
            mac: node_mac(ni, ii),
            addresses: i.addresses.clone(),
        })
        .collect();
    let vrouters = scn
        .vrouters
        .iter()
        .filter_map(|v| {
            let priority = v.priority_of(node)?;
            let iface = n.interfaces.iter().find(|i| i.segment == v.segment)?;
            // Unicast peers: the other routers' addresses of the same family on the segment.
            let peers: Vec<IpAddr> = if v.unicast {
                v.priorities
                    .iter()
                    .filter(|(other, _)| other != node)
                    .filter_map(|(other, _)| scn.node(other))
                    .flat_map(|o| o.interfaces.iter().filter(|i| i.segment == v.segment))
                    .flat_map(|i| i.addresses.iter().map(|a| a.addr))
                    .filter(|a| crate::scenario::Family::of(a) == v.family)
                    .collect()
            } else {
                Vec::new()
            };
            Some(VrouterSpec {
                vr: v.clone(),
                interface: iface.name.clone(),
                priority,
                unicast_peers: peers,
                sync_group: scn.sync_group_of(&v.name).map(|g| g.name.clone()),
            })
        })
        .collect();
    RouterSpec {
        node: node.to_string(),
        interfaces,
        vrouters,
        configs: n.configs.clone(),
        files: n.files.clone(),
    }
}

/// Everything a running lab holds; dropped at the end of the run, which frees it all.
struct Lab {
    run_dir: PathBuf,
    /// The next injection's id.
    injections: std::sync::atomic::AtomicUsize,
    seed: u64,
    net: faults::netfilter::NetFaults,
    topo: Topology,
    plans: BTreeMap<String, Plan>,
    node_dirs: BTreeMap<String, PathBuf>,
    procs: Processes,
    rec: Recorder,
    live: Arc<LiveWire>,
    /// The timeline step being played, for what the lab does on its own (provocations).
    step: std::sync::atomic::AtomicUsize,
}

impl Lab {
    fn next_injection(&self) -> usize {
        self.injections
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> RunError + '_ {
    move |source| RunError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn timestamp() -> String {
    let t = now_ns() / 1_000_000_000;
    let (d, s) = (t / 86400, t % 86400);
    // Civil date from days since epoch (Howard Hinnant's algorithm).
    let z = d as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}{m:02}{day:02}T{:02}{:02}{:02}",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// Runs one scenario against the assigned daemons and returns the run directory.
/// What the assigned daemons cannot render of the scenario, router by router (empty: they
/// can run it).
pub fn cannot_render(scn: &Scenario, daemons: &Assignment) -> Vec<String> {
    let mut reasons = Vec::new();
    for r in scn.routers() {
        let Some(adapter) = daemons.for_node(&r.name) else {
            continue;
        };
        let spec = router_spec(scn, &r.name);
        for vr in &spec.vrouters {
            let (speaks, what) = match vr.protocol.is_carp() {
                true => (adapter.speaks_carp(), "CARP"),
                false => (adapter.speaks_vrrp(), "VRRP"),
            };
            if !speaks {
                reasons.push(format!(
                    "{} ({}): {} is {what}, which {} does not speak",
                    r.name,
                    adapter.name(),
                    vr.name,
                    adapter.name()
                ));
            }
        }
        reasons.extend(
            adapter
                .unsupported(&spec)
                .into_iter()
                .map(|x| format!("{} ({}): {x}", r.name, adapter.name())),
        );
    }
    reasons
}

/// Where a router's own configuration (scenario `config.DAEMON`) cannot be used, each with
/// its place in the file and where the scenario names it: a daemon that takes none, a
/// placeholder that does not fill, notify hooks the lab would have to add to it, or a
/// disagreement with the scenario's virtual routers, which the judge holds the run to.
/// Checked whichever daemons this run uses: the scenario is refused the same way every time.
pub fn own_config_findings(scn: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    for r in scn.routers() {
        let spec = router_spec(scn, &r.name);
        for c in &spec.configs {
            let adapter = match crate::daemons::by_name(&c.daemon) {
                Some(a) if a.takes_own_config() => a,
                found => {
                    out.push(format!(
                        "{}: error: {}: {}",
                        c.named_at,
                        r.name,
                        match found {
                            None => format!("no daemon is called `{}` (see `vrlab list`)", c.daemon),
                            Some(_) => format!(
                                "{} does not run with a configuration of yours yet (keepalived and vrlabd do)",
                                c.daemon
                            ),
                        }
                    ));
                    continue;
                }
            };
            if let Some(v) = spec.vrouters.iter().find(|v| v.notify.is_some()) {
                out.push(format!(
                    "{}: error: {}: the scenario gives {} notify hooks, which the lab would have to add to your configuration: put them in it, or drop `notify`",
                    c.named_at, r.name, v.name
                ));
            }
            let dir = Path::new("RUN_DIR/nodes").join(&r.name);
            match crate::daemons::own::fill(&c.text, &spec, &dir) {
                Err(bad) => out.extend(bad.iter().map(|f| f.cite(c))),
                Ok(text) => out.extend(
                    adapter
                        .own_config_findings(&text, &spec)
                        .iter()
                        .map(|f| f.cite(c)),
                ),
            }
        }
    }
    out
}

pub async fn run(
    scn: &Scenario,
    daemons: &Assignment,
    opts: Options<'_>,
) -> Result<(PathBuf, RunMeta), RunError> {
    let (label, version) = refuse_before_building(scn, daemons)?;
    let (run_dir, rec) = create_run_dir(scn, &opts.out, &label)?;
    let started_ns = now_ns();
    rec.harness(Harness::Run {
        scenario: scn.name.clone(),
        daemon: label.clone(),
        daemons: daemons.per_router(scn),
        daemon_version: version.clone(),
    });
    opts.progress.step("building topology");
    let (mut lab, build_ms) = build_lab(scn, &run_dir, &rec).await?;
    let _monitors = tables::start(&lab.topo, &rec)
        .map_err(|e| RunError::Setup(format!("starting netlink monitors: {e}")))?;
    let layout = Layout::new(&run_dir);
    let capture = PacketCapture::start(&lab.topo, &layout.segments(), lab.live.clone())
        .map_err(|e| RunError::Setup(format!("starting capture: {e}")))?;
    let mut meta = RunMeta {
        vrlab_version: env!("CARGO_PKG_VERSION").into(),
        scenario: scn.name.clone(),
        daemon: label,
        daemons: daemons.per_router(scn),
        daemon_version: version,
        started_ns,
        ended_ns: started_ns,
        kernel: nix::sys::utsname::uname()
            .map(|u| u.release().to_string_lossy().into_owned())
            .unwrap_or_default(),
        segments: capture.files.iter().map(Into::into).collect(),
        nodes: node_meta(scn, &lab.topo),
        sysctls: lab.topo.sysctls.iter().map(Into::into).collect(),
        outcome: Outcome::Unfinished,
        capture: CaptureMeta::default(),
        topology_build_ms: build_ms,
        seed: scn.seed,
        mechanisms: mechanisms(scn),
    };
    // Written now, so that a run killed from here on can still be judged; completed below.
    meta.write(&run_dir).map_err(io_err(&run_dir))?;

    let started = start_daemons(scn, daemons, &mut lab, &run_dir, opts.progress).await;
    let prober = match started.and_then(|()| start_probes(scn, &lab)) {
        Ok(p) => p,
        Err(e) => {
            rec.harness(Harness::SetupFailed {
                error: e.to_string(),
            });
            teardown(&lab).await;
            drop(capture);
            let _ = rec.flush();
            return Err(e);
        }
    };
    let (outcome, prober) = play_timeline(scn, daemons, &lab, &opts, prober).await;

    opts.progress.step("tearing down");
    if let Some(p) = prober {
        p.stop();
    }
    rec.harness(Harness::Teardown);
    // Partitions and loss still in effect end before the daemons stop, with their counts.
    if let Err(e) = lab.net.heal(None, &lab.topo, &lab.rec) {
        rec.harness(Harness::TeardownError { error: e });
    }
    teardown(&lab).await;
    // Let the last frames (priority-0 adverts of the stopping daemons) reach the capture.
    let stats: CaptureStats = tokio::task::spawn_blocking(move || capture.finish())
        .await
        .map_err(|e| RunError::Setup(e.to_string()))?
        .map_err(|e| RunError::Setup(format!("capture: {e}")))?;
    rec.harness(Harness::End {
        outcome: outcome.clone(),
        frames: stats.frames,
        kernel_drops: stats.kernel_drops,
    });
    rec.flush().map_err(io_err(&run_dir))?;
    meta.ended_ns = now_ns();
    meta.outcome = outcome;
    meta.capture = CaptureMeta {
        frames: stats.frames,
        kernel_drops: stats.kernel_drops,
    };
    meta.write(&run_dir).map_err(io_err(&run_dir))?;
    Ok((run_dir, meta))
}

/// Everything that can be refused is refused before anything is built: a router without a
/// daemon, a daemon not installed, what a daemon cannot render, a rootless lab for a daemon
/// that needs its own user, network faults without nftables. Returns the run's label and the
/// daemons' versions.
fn refuse_before_building(
    scn: &Scenario,
    daemons: &Assignment,
) -> Result<(String, String), RunError> {
    daemons.check(scn).map_err(RunError::Setup)?;
    let label = daemons.label(scn);
    let mut versions = Vec::new();
    for a in daemons.adapters() {
        let v = a.installed().map_err(|m| {
            RunError::Setup(format!(
                "{} is not installed: {}; fix: {}",
                m.daemon, m.what, m.fix
            ))
        })?;
        versions.push(v.0);
    }
    let mut reasons = cannot_render(scn, daemons);
    for r in scn.routers() {
        let (r, adapter) = (&r.name, daemons.for_node(&r.name).expect("checked"));
        if sandbox::rootless() && !adapter.needs_users().is_empty() {
            reasons.push(format!(
                "{r}: {} runs as user {}, which a rootless lab cannot have (only root is mapped in its user namespace): run vrlab as root",
                adapter.name(),
                adapter.needs_users().join(", ")
            ));
        }
    }
    if scn.nodes.iter().any(|n| n.bgp.is_some()) {
        reasons.extend(crate::daemons::bgp::missing());
    }
    if !mechanisms(scn).is_empty() {
        if let Err(e) = faults::netfilter::available() {
            reasons.push(e);
        }
    }
    if !reasons.is_empty() {
        return Err(RunError::Unsupported {
            daemon: label,
            scenario: scn.name.clone(),
            reasons: reasons.join("; "),
        });
    }
    Ok((label, versions.join("; ")))
}

/// `OUT/SCENARIO-LABEL-TIMESTAMP/` with the scenario's source, `nodes/` and the event log.
fn create_run_dir(
    scn: &Scenario,
    out: &Path,
    label: &str,
) -> Result<(PathBuf, Recorder), RunError> {
    let run_dir = out.join(format!("{}-{}-{}", scn.name, label, timestamp()));
    std::fs::create_dir_all(out).map_err(io_err(out))?;
    let run_dir = create_unique_dir(&run_dir).map_err(io_err(&run_dir))?;
    let layout = Layout::new(&run_dir);
    std::fs::create_dir(layout.nodes()).map_err(io_err(&run_dir))?;
    std::fs::write(layout.scenario(), &scn.source).map_err(io_err(&run_dir))?;
    let rec = Recorder::create(&layout.events()).map_err(io_err(&run_dir))?;
    Ok((run_dir, rec))
}

/// The topology, every namespace published for `vrlab exec` (the switch too, for tcpdump on
/// the bridges), and the time it took to build in ms.
async fn build_lab(scn: &Scenario, run_dir: &Path, rec: &Recorder) -> Result<(Lab, f64), RunError> {
    let state_dir = Path::new(sandbox::STATE_DIR)
        .join("labs")
        .join(run_dir.file_name().unwrap_or_default());
    let t0 = Instant::now();
    let topo = Topology::build(scn, &state_dir)
        .await
        .map_err(|e| RunError::Setup(e.to_string()))?;
    let build_ms = t0.elapsed().as_secs_f64() * 1000.0;
    rec.harness(Harness::Topology {
        nodes: scn.nodes.len(),
        segments: scn.segments.len(),
        ms: build_ms,
    });
    let mut lab = Lab {
        run_dir: run_dir.to_path_buf(),
        injections: Default::default(),
        seed: scn.seed,
        net: Default::default(),
        topo,
        plans: BTreeMap::new(),
        node_dirs: BTreeMap::new(),
        procs: Processes::default(),
        rec: rec.clone(),
        live: Arc::new(LiveWire::new(
            vr_keys(scn).into_iter().map(|(key, _, v)| (key, v)),
            scn.expect.tolerance,
        )),
        step: Default::default(),
    };
    for ns in lab
        .topo
        .nodes
        .values_mut()
        .chain(std::iter::once(&mut lab.topo.switch))
    {
        ns.publish(&sandbox::node_paths(&ns.name))
            .map_err(|e| RunError::Setup(format!("publishing namespace {}: {e}", ns.name)))?;
    }
    Ok((lab, build_ms))
}

/// Renders each router's configuration, asks every router for every VIP while no daemon runs,
/// then starts the routers one at a time.
async fn start_daemons(
    scn: &Scenario,
    daemons: &Assignment,
    lab: &mut Lab,
    run_dir: &Path,
    progress: &dyn Progress,
) -> Result<(), RunError> {
    write_node_files(scn, lab)?;
    prepare_routers(scn, daemons, lab, run_dir).await?;
    ask_before_start(scn, lab).await.map_err(RunError::Setup)?;
    progress.step("starting daemons");
    // The upstream's BGP speakers first, so that the routers' sessions come up at once.
    for h in scn.hosts().filter(|h| h.bgp.is_some()) {
        start_node(lab, &h.name).await.map_err(RunError::Setup)?;
    }
    let routers: Vec<&str> = scn.routers().map(|r| r.name.as_str()).collect();
    start_routers(scn, lab, &routers)
        .await
        .map_err(RunError::Setup)
}

/// The hosts' probes of the VIPs they can reach, when the scenario probes.
fn start_probes(scn: &Scenario, lab: &Lab) -> Result<Option<Prober>, RunError> {
    if !scn.probe.enabled || scn.probe.from.is_empty() {
        return Ok(None);
    }
    let hosts: Vec<(&str, &crate::topology::Namespace, Vec<IpAddr>)> = scn
        .probe
        .from
        .iter()
        .map(|h| (h.as_str(), &lab.topo.nodes[h], scn.probe_targets(h)))
        .collect();
    Prober::start(&hosts, scn.probe.interval, &lab.rec)
        .map(Some)
        .map_err(|e| RunError::Setup(format!("starting probes: {e}")))
}

/// Plays the timeline, records the daemons' status, and for `vrlab up` keeps the lab until
/// interrupted (also after a failed step: that is when one most wants to look inside; only an
/// interruption tears it down at once). The prober is handed back unless a kept lab stopped it.
async fn play_timeline(
    scn: &Scenario,
    daemons: &Assignment,
    lab: &Lab,
    opts: &Options<'_>,
    mut prober: Option<Prober>,
) -> (Outcome, Option<Prober>) {
    let mut interrupt = opts.interrupt.clone();
    let pause = match opts.keep {
        Keep::BeforeStep(i) => Some(i),
        _ => None,
    };
    let outcome = play(scn, lab, opts.progress, &mut interrupt, pause).await;
    daemon_status(scn, daemons, lab).await;
    let kept = match &outcome {
        Outcome::Completed => Some("lab is up (probes stopped); Ctrl-C to tear it down".to_string()),
        Outcome::Paused { step } => Some(format!(
            "paused before step {}{}; the lab is up as the steps before left it (probes stopped); Ctrl-C to tear it down",
            step + 1,
            scn.timeline[*step]
                .label()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default()
        )),
        Outcome::StepFailed { step, reason } => Some(format!(
            "step {} failed ({reason}); the lab stays up as it is (probes stopped); Ctrl-C to tear it down",
            step + 1
        )),
        _ => None,
    };
    if let (true, Some(message)) = (opts.keep != Keep::No, kept) {
        // Probes measure the service gap of the timeline's faults; a kept lab that probed on
        // would write about 0.4 MB/s of echo traffic to its capture.
        if let Some(p) = prober.take() {
            p.stop();
            lab.rec.harness(Harness::ProbesStopped {
                why: "the timeline is over; the lab is kept for inspection".into(),
            });
        }
        // Everything so far on disk, for whoever inspects the kept lab.
        let _ = lab.rec.flush();
        opts.progress.step(&message);
        keep_serving(scn, lab, &mut interrupt, opts.progress).await;
    }
    (outcome, prober)
}

/// Keeps the lab until interrupted, playing each step the operator sends
/// (`vrlab fault`, [`crate::operator`]) as the timeline's next, while the lab goes on asking
/// the routers after every change of master ([`provoke_on_change`]), as during the timeline:
/// the checks that judge the answers apply to the operator's faults too.
async fn keep_serving(
    scn: &Scenario,
    lab: &Lab,
    interrupt: &mut watch::Receiver<bool>,
    progress: &dyn Progress,
) {
    let provoking = async {
        if let Outcome::StepFailed { reason, .. } = provoke_on_change(scn, lab).await {
            progress.step(&format!(
                "(the lab stopped asking the routers after changes of master: {reason})"
            ));
        }
        std::future::pending::<()>().await
    };
    // What the kept lab records reaches the disk within a second, for whoever inspects it.
    let flushing = async {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let _ = lab.rec.flush();
        }
    };
    tokio::select! {
        _ = serve_operators(lab, interrupt, progress) => {}
        _ = provoking => {}
        _ = flushing => {}
    }
}

/// Plays each step the operator sends until interrupted.
async fn serve_operators(
    lab: &Lab,
    interrupt: &mut watch::Receiver<bool>,
    progress: &dyn Progress,
) {
    use crate::operator::CONTROL_SOCKET;
    let _ = std::fs::remove_file(CONTROL_SOCKET);
    let listener = match tokio::net::UnixListener::bind(CONTROL_SOCKET) {
        Ok(l) => {
            progress.step(
                "`vrlab fault NODE ACTION [KEY=VALUE]...` acts on it and records what it did",
            );
            l
        }
        Err(e) => {
            progress.step(&format!("(`vrlab fault` cannot reach this lab: {e})"));
            let _ = interrupt.wait_for(|i| *i).await;
            return;
        }
    };
    loop {
        let conn = tokio::select! {
            _ = interrupt.wait_for(|i| *i) => break,
            conn = listener.accept() => conn,
        };
        if let Ok((stream, _)) = conn {
            serve_operator(lab, stream, interrupt, progress).await;
        }
    }
    let _ = std::fs::remove_file(CONTROL_SOCKET);
}

/// One operator's step: read, validated, played, answered.
async fn serve_operator(
    lab: &Lab,
    stream: tokio::net::UnixStream,
    interrupt: &mut watch::Receiver<bool>,
    progress: &dyn Progress,
) {
    use crate::operator::{Reply, Status, STEP_LIMIT};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (rd, mut wr) = stream.into_split();
    let mut text = String::new();
    let read = rd.take(STEP_LIMIT).read_to_string(&mut text).await;
    let reply = match read {
        Err(e) => Reply {
            status: Status::Refused,
            message: format!("reading the step: {e}"),
        },
        Ok(_) => match operator_step(lab, &text) {
            Err(message) => Reply {
                status: Status::Refused,
                message,
            },
            Ok((played, index)) => {
                let step = &played.timeline[index];
                progress.step(&format!(
                    "operator's step {}: {}",
                    index + 1,
                    describe_step(step)
                ));
                match play_recorded(&played, lab, index, interrupt).await {
                    Ok(()) => Reply {
                        status: Status::Done,
                        message: format!("step {}: {}", index + 1, describe_step(step)),
                    },
                    Err(reason) => Reply {
                        status: Status::Failed,
                        message: format!("step {}: {reason}", index + 1),
                    },
                }
            }
        },
    };
    let line = serde_json::to_string(&reply).unwrap_or_default() + "\n";
    let _ = wr.write_all(line.as_bytes()).await;
}

/// The operator's step as the recorded scenario's next timeline step: validated with the
/// scenario (refused with its line and column), then appended to `RUN_DIR/scenario.toml`, so
/// that the judge sees it. Returns the scenario with it, and its index.
fn operator_step(lab: &Lab, step: &str) -> Result<(Scenario, usize), String> {
    let path = crate::rundir::Layout::new(&lab.run_dir).scenario();
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let head = format!("{}\n\n# vrlab fault\n[[timeline]]\n", text.trim_end());
    let first = head.lines().count() + 1;
    let combined = format!("{head}{}\n", step.trim_end());
    let played = crate::scenario::parse_recorded(&path, &combined).map_err(|e| {
        let numbered: Vec<String> = step
            .lines()
            .enumerate()
            .map(|(k, l)| format!("  {:>4} | {l}", first + k))
            .collect();
        format!(
            "the step, as it would follow line {} of {}:\n{}\n{e}",
            first - 1,
            path.display(),
            numbered.join("\n")
        )
    })?;
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, &combined)
        .and_then(|_| std::fs::rename(&tmp, &path))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let index = played.timeline.len() - 1;
    Ok((played, index))
}

/// Plays step `index` of `scn` and records it as the timeline's own are.
async fn play_recorded(
    scn: &Scenario,
    lab: &Lab,
    index: usize,
    interrupt: &mut watch::Receiver<bool>,
) -> Result<(), String> {
    let step = &scn.timeline[index];
    lab.step.store(index, std::sync::atomic::Ordering::Relaxed);
    let began = now_ns();
    lab.rec.at(
        began,
        What::Harness(Harness::Step {
            index,
            step: serde_json::to_value(step).unwrap_or_default(),
        }),
    );
    let res = play_step(scn, lab, index, step, began, None, interrupt).await;
    let ended = now_ns();
    let out = match res {
        Ok(()) => {
            lab.rec
                .at(ended, What::Harness(Harness::StepDone { index, began }));
            Ok(())
        }
        Err(StepEnd::Failed(reason)) => {
            lab.rec.at(
                ended,
                What::Harness(Harness::StepFailed {
                    index,
                    began,
                    reason: reason.clone(),
                }),
            );
            Err(reason)
        }
        Err(StepEnd::Interrupted) => Err("interrupted".into()),
    };
    let _ = lab.rec.flush();
    out
}

/// Each node's role and MACs, for run.json.
fn node_meta(scn: &Scenario, topo: &Topology) -> BTreeMap<String, NodeMeta> {
    scn.nodes
        .iter()
        .map(|n| {
            let macs = topo
                .ports
                .iter()
                .filter(|p| p.node == n.name)
                .map(|p| p.mac)
                .chain(
                    topo.tunnels
                        .iter()
                        .filter(|t| t.node == n.name)
                        .map(|t| t.mac),
                )
                .collect();
            let role = if n.role == Role::Router {
                "router"
            } else {
                "host"
            };
            (
                n.name.clone(),
                NodeMeta {
                    role: role.into(),
                    macs,
                },
            )
        })
        .collect()
}

/// Which mechanism serves each network fault the timeline uses.
fn mechanisms(scn: &Scenario) -> BTreeMap<String, String> {
    scn.timeline
        .iter()
        .filter(|s| {
            matches!(
                s,
                Step::Partition { .. } | Step::Loss { .. } | Step::Delay(_) | Step::Heal
            )
        })
        .map(|s| {
            let m = match s {
                Step::Delay(_) => faults::netfilter::RELAY_MECHANISM,
                _ => faults::netfilter::MECHANISM,
            };
            (s.action().to_string(), m.to_string())
        })
        .collect()
}

/// Creates `base`, or `base-1`, `base-2` … if it exists: `mkdir` either creates the directory
/// or fails, so two runs started in the same second never share one.
fn create_unique_dir(base: &Path) -> std::io::Result<PathBuf> {
    let mut p = base.to_path_buf();
    for i in 1.. {
        match std::fs::create_dir(&p) {
            Ok(()) => return Ok(p),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                p = PathBuf::from(format!("{}-{i}", base.display()));
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("an unbounded range")
}

/// The scenario's `files`, each into its node's private /run (what a track script watches),
/// before any daemon starts.
fn write_node_files(scn: &Scenario, lab: &Lab) -> Result<(), RunError> {
    for node in &scn.nodes {
        let run = &lab.topo.run_dirs[&node.name];
        for (path, text) in &node.files {
            let full = run.join(path.strip_prefix("/run/").unwrap_or(path));
            if let Some(dir) = full.parent() {
                std::fs::create_dir_all(dir).map_err(io_err(dir))?;
            }
            std::fs::write(&full, text).map_err(io_err(&full))?;
        }
    }
    Ok(())
}

async fn prepare_routers(
    scn: &Scenario,
    daemons: &Assignment,
    lab: &mut Lab,
    run_dir: &Path,
) -> Result<(), RunError> {
    for r in scn.routers() {
        let adapter = daemons.for_node(&r.name).expect("checked before the run");
        let spec = router_spec(scn, &r.name);
        let paths = node_paths(lab, run_dir, &r.name)?;
        let mut plan = adapter
            .prepare(&spec, &paths)
            .map_err(|e| RunError::Setup(e.to_string()))?;
        if let Some(b) = &r.bgp {
            crate::daemons::bgp::add(&mut plan, scn, &r.name, b, &paths);
        }
        install_plan(lab, &r.name, plan, &paths, run_dir, adapter.name()).await?;
    }
    // Hosts run no daemon under test; one with `bgp` runs the lab's BGP speaker (an upstream).
    for h in scn.hosts() {
        if let Some(b) = &h.bgp {
            let paths = node_paths(lab, run_dir, &h.name)?;
            let mut plan = Plan::default();
            crate::daemons::bgp::add(&mut plan, scn, &h.name, b, &paths);
            install_plan(lab, &h.name, plan, &paths, run_dir, "bgpd").await?;
        }
    }
    Ok(())
}

/// The node's directory in the run directory (created) and its private /run.
fn node_paths(lab: &Lab, run_dir: &Path, node: &str) -> Result<NodePaths, RunError> {
    let dir = Layout::new(run_dir).node(node);
    std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
    Ok(NodePaths {
        dir,
        run: lab.topo.run_dirs[node].clone(),
    })
}

/// Does what a plan asks before its processes start — links, sysctls, run directories,
/// files — and keeps it for starting them.
async fn install_plan(
    lab: &mut Lab,
    node: &str,
    plan: Plan,
    paths: &NodePaths,
    run_dir: &Path,
    who: &str,
) -> Result<(), RunError> {
    // Links are created down; their sysctls (disable_ipv6, arp_ignore) are set before they
    // come up, so nothing leaves them in a state the adapter did not ask for.
    for link in &plan.links {
        let LinkSpec::Macvlan {
            name,
            parent,
            mac,
            addresses,
            ..
        } = link;
        lab.topo
            .add_macvlan(node, name, parent, *mac, addresses)
            .await
            .map_err(|e| RunError::Setup(e.to_string()))?;
    }
    for (k, v) in &plan.sysctls {
        lab.topo
            .set_sysctl(node, k, v)
            .map_err(|e| RunError::Setup(e.to_string()))?;
    }
    for link in &plan.links {
        let LinkSpec::Macvlan { name, up, .. } = link;
        if *up {
            lab.topo
                .link_up(node, name)
                .await
                .map_err(|e| RunError::Setup(e.to_string()))?;
        }
    }
    for (d, owner) in &plan.run_dirs {
        let full = paths.run.join(d.strip_prefix("/run").unwrap_or(d));
        std::fs::create_dir_all(&full).map_err(io_err(&full))?;
        if let Some(user) = owner {
            let u = nix::unistd::User::from_name(user)
                .ok()
                .flatten()
                .ok_or_else(|| {
                    RunError::Setup(format!("user `{user}` (needed by {who}) does not exist"))
                })?;
            nix::unistd::chown(&full, Some(u.uid), Some(u.gid))
                .map_err(|e| RunError::Setup(format!("chown {}: {e}", full.display())))?;
        }
    }
    for (path, text) in &plan.files {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        std::fs::write(path, text).map_err(io_err(path))?;
        if text.starts_with("#!") {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
                .map_err(io_err(path))?;
        }
    }
    lab.rec.harness(Harness::Prepared {
        node: node.to_string(),
        files: plan
            .files
            .iter()
            .map(|(p, _)| p.strip_prefix(run_dir).unwrap_or(p).display().to_string())
            .collect(),
    });
    lab.node_dirs.insert(node.to_string(), paths.dir.clone());
    lab.plans.insert(node.to_string(), plan);
    Ok(())
}

/// Starts the routers' daemons at the beginning of a run one router at a time, each once the
/// wire shows the routers before it settled: routers joining a running network, as in a
/// rolling deployment. Started back to back, a router's virtual routers began some 50 ms
/// after the previous one's — about the 39 ms by which a priority-200 router's
/// Master_Down_Interval undercuts a priority-100 one's at a 100 ms interval (RFC 5798 §6.1);
/// started together, their start-up jitter met margins of 20 ms (priorities 150 and 100).
/// Either way which router became master first, and what the others did meanwhile, changed
/// from run to run. Joining one at a time, the RFC decides: a newcomer backs up a master, or
/// pre-empts it when it outranks it.
async fn start_routers(scn: &Scenario, lab: &Lab, routers: &[&str]) -> Result<(), String> {
    for k in 0..routers.len() {
        let since = now_ns();
        start_node(lab, routers[k]).await?;
        wait_settled(scn, lab, &routers[..=k], since).await;
    }
    Ok(())
}

/// Waits until every virtual router of the `started` routers has a single master on the wire
/// — the router started last if it outranks the others and the virtual router pre-empts (or
/// is its owner), else any started one — seen in adverts sent since `since`. A daemon that
/// never settles is not the lab's failure: after the RFC's time for it (Master_Down_Interval
/// at the lowest priority, plus the pre-emption delay and two intervals) the run goes on, the
/// record says so, and the scenario's own waits and the checks judge it.
async fn wait_settled(scn: &Scenario, lab: &Lab, started: &[&str], since: u64) {
    let newest = started.last().copied().unwrap_or_default();
    let index = |n: &str| scn.nodes.iter().position(|x| x.name == n);
    let keys = vr_keys(scn);
    let concerned: Vec<_> = keys
        .iter()
        .filter(|(_, _, v)| started.iter().any(|r| v.priority_of(r).is_some()))
        .collect();
    let expected = |v: &crate::scenario::Vrouter| -> Option<usize> {
        let mine = v.priority_of(newest)?;
        let outranks = started
            .iter()
            .filter(|r| **r != newest)
            .filter_map(|r| v.priority_of(r))
            .all(|p| p < mine);
        (outranks && (v.preempt || mine == 255))
            .then(|| index(newest))
            .flatten()
    };
    let settled = || {
        let now = now_ns();
        concerned.iter().all(|(key, window, v)| {
            let m = lab.live.master(*key, now, *window, since);
            match (m, expected(v)) {
                (Some(m), Some(e)) => m == e,
                (Some(m), None) => started.iter().any(|r| index(r) == Some(m)),
                (None, _) => false,
            }
        })
    };
    let patience = concerned
        .iter()
        .map(|(_, _, v)| {
            let lowest = v.priorities.iter().map(|(_, p)| *p).min().unwrap_or(1);
            v.master_down_interval(lowest)
                + Duration::from_millis(u64::from(v.preempt_delay_cs) * 10)
                + v.interval() * 2
        })
        .max()
        .unwrap_or_default();
    let deadline = tokio::time::Instant::now() + patience + Duration::from_secs(1);
    while !settled() {
        if tokio::time::Instant::now() >= deadline {
            lab.rec.harness(Harness::Unsettled {
                started: started.iter().map(|s| s.to_string()).collect(),
                waited_ms: (patience + Duration::from_secs(1)).as_millis() as u64,
            });
            return;
        }
        tokio::select! {
            _ = lab.live.changed.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(10)) => {}
        }
    }
    lab.rec.harness(Harness::Settled {
        started: started.iter().map(|s| s.to_string()).collect(),
    });
}

/// How many lines of a daemon's log a start-up failure quotes.
const LOG_TAIL: usize = 6;

/// Starts every process of the node's plan that is not running, in order, each waiting for
/// its readiness condition.
async fn start_node(lab: &Lab, node: &str) -> Result<(), String> {
    let plan = &lab.plans[node];
    let running: Vec<String> = lab
        .procs
        .of(node)
        .iter()
        .map(|p| p.spec.name.clone())
        .collect();
    for spec in &plan.processes {
        if running.contains(&spec.name) {
            continue;
        }
        let dir = &lab.node_dirs[node];
        let log = process::log_path(dir, &spec.name);
        // A path left by an earlier instance (zebra's socket after a crash) would make the
        // new one look ready before it is.
        if let crate::daemons::Ready::PathExists(p) = &spec.ready {
            let _ = std::fs::remove_file(p);
        }
        let r = process::spawn(&lab.topo.nodes[node], node, spec, &log, dir, &lab.rec)
            .map_err(|e| e.to_string())?;
        let r = lab.procs.add(r);
        process::wait_ready(&r, &spec.ready, Duration::from_secs(10))
            .await
            .map_err(|e| {
                format!(
                    "{node}: {e}; the last lines of {}:\n{}",
                    log.display(),
                    process::log_tail(&log, LOG_TAIL)
                )
            })?;
    }
    Ok(())
}

/// Stops every daemon gracefully, then kills what is left.
async fn teardown(lab: &Lab) {
    let all = lab.procs.all_running();
    // What each daemon cost while it ran, before it is asked to stop.
    for p in &all {
        let u = process::group_usage(p.pid);
        let wall_ms = p.started.elapsed().as_secs_f64() * 1000.0;
        let cpu_percent = if wall_ms > 0.0 {
            100.0 * u.cpu_ms / wall_ms
        } else {
            0.0
        };
        lab.rec.now(What::Process(events::Process::Usage {
            who: p.who(),
            usage: u,
            wall_ms,
            cpu_percent,
        }));
    }
    for p in all.iter().rev() {
        p.signal(nix::sys::signal::Signal::SIGCONT, &lab.rec, "teardown");
        p.signal(nix::sys::signal::Signal::SIGTERM, &lab.rec, "teardown");
    }
    for p in all.iter().rev() {
        if !p.wait_exit(Duration::from_secs(3)).await {
            p.signal_group(
                nix::sys::signal::Signal::SIGKILL,
                &lab.rec,
                "teardown: did not stop",
            );
            p.wait_exit(Duration::from_secs(1)).await;
        }
    }
    // Processes the daemons left in their groups.
    for p in &all {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(p.pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

/// The live-wire key and node indices a wait needs.
fn vr_keys(
    scn: &Scenario,
) -> Vec<(
    crate::capture::live::VrKey,
    Duration,
    &crate::scenario::Vrouter,
)> {
    scn.vrouters
        .iter()
        .map(|v| {
            let seg = scn
                .segments
                .iter()
                .position(|s| s.name == v.segment)
                .expect("validated segment");
            // A master advertises every interval: three intervals hold at least two adverts.
            ((seg, v.family, v.vrid), v.interval() * 3, v)
        })
        .collect()
}

/// Plays the timeline while the lab provokes after every change of master, then asks every
/// router once more before the run ends.
async fn play(
    scn: &Scenario,
    lab: &Lab,
    progress: &dyn Progress,
    interrupt: &mut watch::Receiver<bool>,
    pause: Option<usize>,
) -> Outcome {
    let outcome = tokio::select! {
        o = play_steps(scn, lab, progress, interrupt, pause) => o,
        e = provoke_on_change(scn, lab) => e,
    };
    if outcome != Outcome::Completed {
        return outcome;
    }
    let last = scn.timeline.len().saturating_sub(1);
    if let Err(reason) = provoke(scn, lab, last).await {
        return Outcome::StepFailed { step: last, reason };
    }
    tokio::time::sleep(ANSWER_TIME).await;
    Outcome::Completed
}

/// Asks each router's daemon for its own status (counters, state) where its adapter can, into
/// `nodes/NODE/status.json`: what the daemon says about itself, kept beside what the wire
/// shows (the judge reports it, never trusts it).
async fn daemon_status(scn: &Scenario, daemons: &Assignment, lab: &Lab) {
    for r in scn.routers() {
        let Some(argv) = daemons.for_node(&r.name).and_then(|a| a.status_argv()) else {
            continue;
        };
        let (Some(ns), Some(dir)) = (lab.topo.nodes.get(&r.name), lab.node_dirs.get(&r.name))
        else {
            continue;
        };
        let file = dir.join(crate::checks::DAEMON_STATUS_FILE);
        let result = process::output_in(ns, &argv, STATUS_DEADLINE)
            .await
            .map_err(|e| e.to_string())
            .and_then(|out| std::fs::write(&file, out).map_err(|e| e.to_string()));
        let (file, error) = match result {
            Ok(()) => (
                Some(
                    file.strip_prefix(&lab.run_dir)
                        .unwrap_or(&file)
                        .display()
                        .to_string(),
                ),
                None,
            ),
            Err(e) => (None, Some(e)),
        };
        lab.rec.harness(Harness::DaemonStatus {
            node: r.name.clone(),
            file,
            error,
        });
    }
}

const STATUS_DEADLINE: Duration = Duration::from_secs(2);

/// How long the lab waits for the answers to its last questions before tearing down: a
/// router answers an ARP request or NS within a millisecond on an idle lab.
const ANSWER_TIME: Duration = Duration::from_millis(50);

async fn play_steps(
    scn: &Scenario,
    lab: &Lab,
    progress: &dyn Progress,
    interrupt: &mut watch::Receiver<bool>,
    pause: Option<usize>,
) -> Outcome {
    let mut previous_began: Option<u64> = None;
    for (i, step) in scn.timeline.iter().enumerate() {
        if *interrupt.borrow() {
            return Outcome::Interrupted { step: i };
        }
        if pause == Some(i) {
            lab.rec.harness(Harness::Paused { before: i });
            return Outcome::Paused { step: i };
        }
        lab.step.store(i, std::sync::atomic::Ordering::Relaxed);
        let began = now_ns();
        let after_previous = previous_began.replace(began);
        lab.rec.at(
            began,
            What::Harness(Harness::Step {
                index: i,
                step: serde_json::to_value(step).unwrap_or_default(),
            }),
        );
        // On disk at once: a run killed during this step is judged as cut short in it.
        let _ = lab.rec.flush();
        progress.step(&format!("step {}: {}", i + 1, describe_step(step)));
        let mut res = play_step(scn, lab, i, step, began, after_previous, interrupt).await;
        // A wait that saw a new master is followed by the lab's questions to every router.
        if res.is_ok()
            && matches!(
                step,
                Step::Wait {
                    until: Until::Master { .. },
                    ..
                }
            )
        {
            res = provoke(scn, lab, i).await.map_err(StepEnd::Failed);
        }
        let ended = now_ns();
        match res {
            Ok(()) => lab
                .rec
                .at(ended, What::Harness(Harness::StepDone { index: i, began })),
            Err(StepEnd::Interrupted) => return Outcome::Interrupted { step: i },
            Err(StepEnd::Failed(reason)) => {
                lab.rec.at(
                    ended,
                    What::Harness(Harness::StepFailed {
                        index: i,
                        began,
                        reason: reason.clone(),
                    }),
                );
                return Outcome::StepFailed { step: i, reason };
            }
        }
    }
    Outcome::Completed
}

/// Why a step did not complete.
enum StepEnd {
    /// It failed, saying why: the run ends.
    Failed(String),
    /// The user interrupted the run during it.
    Interrupted,
}

impl From<String> for StepEnd {
    fn from(reason: String) -> StepEnd {
        StepEnd::Failed(reason)
    }
}

/// What the progress line says of a step.
fn describe_step(step: &Step) -> String {
    let human = crate::scenario::duration::human;
    match step {
        Step::Hold { duration } => format!("hold {}", human(*duration)),
        Step::Wait { until, .. } => format!("wait until {}", describe_until(until)),
        Step::Fault { .. } => step.label().unwrap_or_default(),
        Step::Partition { groups } => {
            let names: Vec<String> = groups.iter().map(|g| g.join(" ")).collect();
            format!("partition {}", names.join(" | "))
        }
        Step::Loss { permille, .. } => format!("loss {}.{} %", permille / 10, permille % 10),
        Step::Delay(d) => format!("delay {}", human(d.delay)),
        Step::Snooping {
            segment,
            enabled,
            querier,
        } => format!(
            "snooping {} on {segment}{}",
            if *enabled { "on" } else { "off" },
            if *querier { ", bridge as querier" } else { "" }
        ),
        Step::Heal => "heal".into(),
        Step::Exec { node, command, .. } => format!("exec on {node}: {}", command.join(" ")),
        Step::Inject(inj) => format!(
            "inject {} × {} from {} ({})",
            inj.count,
            inj.frame.name(),
            inj.node,
            inj.vrouter
        ),
    }
}

/// Plays step `i`, which began at `began` (the step before it at `after_previous`).
async fn play_step(
    scn: &Scenario,
    lab: &Lab,
    i: usize,
    step: &Step,
    began: u64,
    after_previous: Option<u64>,
    interrupt: &mut watch::Receiver<bool>,
) -> Result<(), StepEnd> {
    match step {
        Step::Hold { duration } => tokio::select! {
            _ = tokio::time::sleep(*duration) => Ok(()),
            _ = interrupt.wait_for(|i| *i) => Err(StepEnd::Interrupted),
        },
        Step::Wait { until, timeout } => {
            wait_until(scn, lab, until, *timeout, began, interrupt).await
        }
        Step::Fault {
            fault,
            node,
            interface,
        } => Ok(apply_fault(lab, *fault, node, interface.as_deref()).await?),
        Step::Partition { groups } => Ok(start_net_fault(
            scn,
            lab,
            i,
            "partition",
            Flow::partition(groups),
            1000,
        )?),
        Step::Loss { permille, flows } => Ok(start_net_fault(
            scn,
            lab,
            i,
            "loss",
            flows.clone(),
            *permille,
        )?),
        Step::Delay(d) => Ok(start_delay(lab, i, d)?),
        Step::Snooping {
            segment,
            enabled,
            querier,
        } => Ok(set_snooping(lab, i, segment, *enabled, *querier).await?),
        Step::Heal => Ok(lab.net.heal(Some(i), &lab.topo, &lab.rec)?),
        Step::Exec {
            node,
            command,
            track,
            background,
            deadline,
        } => {
            let e = faults::exec::Exec {
                step: i,
                node,
                command,
                track: *track,
                background: *background,
                deadline: *deadline,
            };
            let dir = Layout::new(&lab.run_dir).node(node);
            Ok(faults::exec::run(&e, &lab.topo.nodes[node], &dir, &lab.procs, &lab.rec).await?)
        }
        Step::Inject(inj) => {
            if let (Some(offset), Some(from)) = (inj.offset, after_previous) {
                at_offset(from, offset).await?;
            }
            Ok(inject(scn, lab, i, inj).await?)
        }
    }
}

/// `wait`: until the live wire shows the condition (checked on every advert, and every
/// 10 ms for conditions that become true by time passing), or fails at `timeout`.
async fn wait_until(
    scn: &Scenario,
    lab: &Lab,
    until: &Until,
    timeout: Duration,
    began: u64,
    interrupt: &mut watch::Receiver<bool>,
) -> Result<(), StepEnd> {
    let node_index = |n: &str| scn.nodes.iter().position(|x| x.name == n);
    let keys = vr_keys(scn);
    let cond = || -> bool {
        let now = now_ns();
        keys.iter().all(|(key, window, v)| {
            let m = lab.live.master(*key, now, *window, began);
            match until {
                Until::Steady => m.is_some(),
                Until::Master { node, vrouter } => {
                    let concerned = v.priority_of(node).is_some()
                        && vrouter.as_ref().is_none_or(|n| *n == v.name);
                    !concerned || m == node_index(node)
                }
            }
        })
    };
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if cond() {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(StepEnd::Failed(format!(
                "wait until {} did not hold within {}",
                describe_until(until),
                crate::scenario::duration::human(timeout)
            )));
        }
        // An old master's adverts ageing out of the window make a condition true by time
        // passing alone.
        tokio::select! {
            _ = lab.live.changed.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(10)) => {}
            _ = interrupt.wait_for(|i| *i) => return Err(StepEnd::Interrupted),
        }
    }
}

/// A fault of a node: its daemon started, stopped, signalled, or its cables pulled.
async fn apply_fault(
    lab: &Lab,
    fault: FaultKind,
    node: &str,
    interface: Option<&str>,
) -> Result<(), String> {
    match fault {
        FaultKind::Start => {
            lab.rec.harness(Harness::Fault(Fault::Start {
                node: node.to_string(),
            }));
            start_node(lab, node).await
        }
        FaultKind::LinkDown | FaultKind::LinkUp => {
            faults::set_links(fault, node, interface, &lab.topo, &lab.rec).await
        }
        FaultKind::Restart => {
            faults::apply(fault, node, &lab.procs, &lab.rec).await?;
            start_node(lab, node).await
        }
        _ => faults::apply(fault, node, &lab.procs, &lab.rec).await,
    }
}

/// `delay`: the lab's relay on the flows, seeded from the run's seed and the step.
fn start_delay(lab: &Lab, i: usize, d: &crate::scenario::Delay) -> Result<(), String> {
    let seed = faults::netfilter::step_seed(lab.seed, i);
    let a = faults::netfilter::Active {
        step: i,
        kind: "delay",
        flows: d.flows.clone(),
        permille: 0,
        seed,
        impair: Some(faults::relay::Impairment {
            delay: d.delay,
            jitter: d.jitter,
            reorder_permille: d.reorder_permille,
            duplicate_permille: d.duplicate_permille,
            seed,
        }),
        adverts: Vec::new(),
    };
    lab.net.start(a, &lab.topo, &lab.rec)
}

/// `snooping`: IGMP/MLD snooping (and the bridge as querier) on a segment, recorded.
async fn set_snooping(
    lab: &Lab,
    i: usize,
    segment: &str,
    enabled: bool,
    querier: bool,
) -> Result<(), String> {
    lab.topo
        .set_snooping(segment, enabled, querier)
        .await
        .map_err(|e| e.to_string())?;
    lab.rec.harness(Harness::Fault(Fault::Snooping {
        step: i,
        segment: segment.to_string(),
        enabled,
        querier,
    }));
    Ok(())
}

/// Waits until `offset` after `from` (the previous step's start, on the run's clock); an
/// offset already past is a step failure that says by how much, never a late injection.
async fn at_offset(from: u64, offset: Duration) -> Result<(), String> {
    let due = from + offset.as_nanos() as u64;
    let now = now_ns();
    if now > due + OFFSET_SLACK.as_nanos() as u64 {
        return Err(format!(
            "the step before took {:.1}ms, longer than the offset {}: the frames would go late",
            (now - from) as f64 / 1e6,
            crate::scenario::duration::human(offset)
        ));
    }
    tokio::time::sleep(Duration::from_nanos(due.saturating_sub(now))).await;
    Ok(())
}

/// How late an injection at an offset may still go (the timer's own resolution).
const OFFSET_SLACK: Duration = Duration::from_millis(1);

/// Builds an `inject` step's frames with the harness's encoder and sends them.
async fn inject(
    scn: &Scenario,
    lab: &Lab,
    step: usize,
    inj: &crate::scenario::Inject,
) -> Result<(), String> {
    inject_as(scn, lab, step, inj, false, None).await
}

/// Sends an injection's frames from `inj.node`'s port, or — `via` — out of the switch's
/// port to that node, as a switch whose FDB still names it would.
async fn inject_as(
    scn: &Scenario,
    lab: &Lab,
    step: usize,
    inj: &crate::scenario::Inject,
    provoked: bool,
    via: Option<&str>,
) -> Result<(), String> {
    use crate::faults::inject::{self as injector, Endpoint};
    use crate::scenario::FrameKind;
    let vr = scn.vrouter(&inj.vrouter).expect("validated virtual router");
    let endpoint = |n: &str| {
        Endpoint::of(scn, n, &vr.segment)
            .ok_or_else(|| format!("inject: {n} has no interface on segment {}", vr.segment))
    };
    let sender = endpoint(&inj.node)?;
    let to = inj.to.as_deref().map(endpoint).transpose()?;
    let claim = match &inj.frame {
        FrameKind::StaleNa { claim } | FrameKind::Garp { claim } => Some(endpoint(claim)?),
        _ => None,
    };
    // What a conforming router of the virtual router advertises (the virtual link-local
    // first, for IPv6), as every adapter renders it.
    let advertised = vr
        .priorities
        .first()
        .map(|(r, _)| router_spec(scn, r))
        .and_then(|spec| spec.vrouters.into_iter().find(|x| x.name == vr.name))
        .map(|x| x.advertised())
        .unwrap_or_else(|| vr.vips.clone());
    let frames = injector::frames(inj, vr, &advertised, &sender, to.as_ref(), claim.as_ref());
    let discard = match &inj.frame {
        FrameKind::Advert(spoof) => spoof.discard_rule(vr, advertised.len()),
        _ => None,
    };
    let (ns, ifindex) = match via {
        Some(at) => {
            let port = lab
                .topo
                .ports
                .iter()
                .find(|p| p.node == at && p.segment == vr.segment)
                .ok_or_else(|| {
                    format!("inject: {at} has no switch port on segment {}", vr.segment)
                })?;
            (&lab.topo.switch, port.port_ifindex)
        }
        None => {
            let idx = lab
                .topo
                .node_ifindex(&inj.node, &vr.segment)
                .ok_or_else(|| {
                    format!(
                        "inject: {} has no interface on segment {}",
                        inj.node, vr.segment
                    )
                })?;
            (&lab.topo.nodes[&inj.node], idx)
        }
    };
    lab.live.injecting(&frames);
    let fd = injector::open(ns)
        .map_err(|e| format!("inject: opening a packet socket in {}: {e}", ns.name))?;
    let origin = injector::Origin {
        id: lab.next_injection(),
        step,
        provoked,
        discard,
        via: via.map(String::from),
    };
    injector::send(&origin, inj, &frames, &fd, ifindex, &lab.rec).await
}

/// Provoke, don't wait (DESIGN principle 10): the lab asks every router for every VIP of
/// each virtual router — right after a wait has seen a new master, [`provoke_after`] every
/// change of master the wire shows, and once more at the end of the run. A router that
/// is not master and still answers, or a master that answers with its own MAC, then shows
/// every run instead of when a host happens to ask.
async fn provoke(scn: &Scenario, lab: &Lab, step: usize) -> Result<(), String> {
    for vr in &scn.vrouters {
        provoke_vrouter(scn, lab, step, vr).await?;
    }
    Ok(())
}

/// A host of the virtual router's segment asks for each VIP (ARP for IPv4, NS for IPv6):
/// each router directly at its physical MAC, and the segment once (broadcast /
/// solicited-node group).
async fn provoke_vrouter(
    scn: &Scenario,
    lab: &Lab,
    step: usize,
    vr: &crate::scenario::Vrouter,
) -> Result<(), String> {
    use crate::scenario::{Family, FrameKind, Inject};
    let Some(host) = scn
        .hosts()
        .find(|h| h.interfaces.iter().any(|i| i.segment == vr.segment))
    else {
        return Ok(());
    };
    let frame = match vr.family {
        Family::Ipv4 => FrameKind::ArpRequest,
        Family::Ipv6 => FrameKind::Ns,
    };
    let targets = std::iter::once(None).chain(vr.priorities.iter().map(|(r, _)| Some(r.clone())));
    for to in targets {
        let inj = Inject {
            node: host.name.clone(),
            vrouter: vr.name.clone(),
            frame: frame.clone(),
            to,
            count: 1,
            every: Duration::from_millis(1),
            offset: None,
        };
        inject_as(scn, lab, step, &inj, true, None).await?;
    }
    Ok(())
}

/// Before any daemon runs, the lab asks every router for every VIP once: no router is
/// master of anything yet (RFC 5798 §6.4.1: Initialize), so an interface that a deployment
/// configured with a VIP ahead of its daemon — FRR's macvlans, up until vrrpd puts them in
/// protodown — answers every run, not when a host's first question happens to beat the
/// daemon's start. The answers have [`ANSWER_TIME`] to arrive before the daemons start.
async fn ask_before_start(scn: &Scenario, lab: &Lab) -> Result<(), String> {
    provoke(scn, lab, 0).await?;
    tokio::time::sleep(ANSWER_TIME).await;
    Ok(())
}

/// How long after a change of master the lab asks: one Advertisement_Interval for the new
/// master's first advert to reach every router — an old master that hears a higher priority
/// leaves at once (RFC 5798 §6.4.3) — and one more interval of tolerance.
fn provoke_after(vr: &crate::scenario::Vrouter) -> Duration {
    vr.interval() * 2
}

/// Watches the live wire for changes of master and provokes [`provoke_after`] each one (one
/// question pending per virtual router: a contest asks about once every two intervals): the
/// lab's questions to every router, and the old masters' stale traffic
/// ([`stale_fdb_echo`]). Runs until the timeline ends; returns only if a provocation cannot
/// be sent.
async fn provoke_on_change(scn: &Scenario, lab: &Lab) -> Outcome {
    let keys = vr_keys(scn);
    let mut ask: BTreeMap<usize, u64> = BTreeMap::new();
    // (virtual router, pre-empted router) → (when, the pre-emption's first advert).
    let mut stale: BTreeMap<(usize, usize), (u64, u64)> = BTreeMap::new();
    loop {
        for change in lab.live.take_changes() {
            let Some(i) = keys.iter().position(|(k, _, _)| *k == change.key) else {
                continue;
            };
            let at = change.t + provoke_after(keys[i].2).as_nanos() as u64;
            ask.entry(i).or_insert(at);
            if let (true, Some(old)) = (change.preempts, change.from) {
                stale.insert((i, old), (at, change.t));
            }
        }
        let step = lab.step.load(std::sync::atomic::Ordering::Relaxed);
        let now = now_ns();
        let asked: Vec<usize> = ask
            .iter()
            .filter(|(_, t)| **t <= now)
            .map(|(i, _)| *i)
            .collect();
        for i in asked {
            ask.remove(&i);
            if let Err(reason) = provoke_vrouter(scn, lab, step, keys[i].2).await {
                return Outcome::StepFailed { step, reason };
            }
        }
        let due: Vec<((usize, usize), u64)> = stale
            .iter()
            .filter(|(_, (at, _))| *at <= now)
            .map(|(k, (_, since))| (*k, *since))
            .collect();
        for ((i, old), since) in due {
            let (key, window, vr) = keys[i];
            // Not before the old master is over in every reading of the wire: its last
            // advert more than a Master_Down_Interval (< 4 intervals) ago.
            let over =
                lab.live.last_advert(key, old).unwrap_or(0) + 4 * vr.interval().as_nanos() as u64;
            if over > now {
                stale.insert((i, old), (over, since));
                continue;
            }
            stale.remove(&(i, old));
            let master = lab.live.master(key, now, window, since);
            if master.is_some_and(|m| m != old) {
                let name = &scn.nodes[old].name;
                if let Err(reason) = stale_fdb_echo(scn, lab, step, vr, name).await {
                    return Outcome::StepFailed { step, reason };
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// What a switch does with traffic for the VMAC until it relearns it on the new master's
/// port (the new master's frames from the VMAC move it, RFC 5798 §6.4.2, §7.3; a lost or late
/// one leaves it): it sends a host's packet to a VIP out of the old master's port. The lab does
/// that after every pre-emption ([`provoke_after`] it, and once the old master's last advert
/// is a Master_Down_Interval old), so that an old master that keeps the VMAC — forwarding the
/// packet from it, resolving the VIP from it, or answering for the VIP — shows it every run
/// rather than when a probe happens to land in the window (C13, E1, E6).
///
/// Only at an old master that was pre-empted — it yields while it runs, of its own accord
/// (RFC 5798 §6.4.3) — whose VRRP daemon still runs, not frozen, while the pre-empting router
/// is the single master, with the deployment using the VMAC and the old master's port up. A
/// master that went silent (crashed, frozen, cut off) or left with priority 0 is not asked:
/// whether its daemon has finished leaving by then is a race, and what its kernel does alone
/// is judged on the host's own traffic.
async fn stale_fdb_echo(
    scn: &Scenario,
    lab: &Lab,
    step: usize,
    vr: &crate::scenario::Vrouter,
    old: &str,
) -> Result<(), String> {
    use crate::scenario::{FrameKind, Inject};
    if !vr.vmac || vr.priority_of(old).is_none() || !lab.procs.vrrp_serving(old) {
        return Ok(());
    }
    let Some(host) = scn
        .hosts()
        .find(|h| h.interfaces.iter().any(|i| i.segment == vr.segment))
    else {
        return Ok(());
    };
    let Some(port) = lab
        .topo
        .ports
        .iter()
        .find(|p| p.node == old && p.segment == vr.segment)
    else {
        return Ok(());
    };
    if !topology::port_is_up(&lab.topo.switch, &port.port) {
        return Ok(());
    }
    let inj = Inject {
        node: host.name.clone(),
        vrouter: vr.name.clone(),
        frame: FrameKind::Echo,
        to: None,
        count: 1,
        every: Duration::from_millis(1),
        offset: None,
    };
    inject_as(scn, lab, step, &inj, true, Some(old)).await
}

fn start_net_fault(
    scn: &Scenario,
    lab: &Lab,
    step: usize,
    kind: &'static str,
    flows: Vec<Flow>,
    permille: u16,
) -> Result<(), String> {
    let a = faults::netfilter::Active {
        step,
        kind,
        flows,
        permille,
        seed: faults::netfilter::step_seed(lab.seed, step),
        impair: None,
        adverts: scn.vrouters.iter().map(|v| (v.family, v.vrid)).collect(),
    };
    lab.net.start(a, &lab.topo, &lab.rec)
}

fn describe_until(u: &Until) -> String {
    match u {
        Until::Steady => "steady (one master per virtual router)".into(),
        Until::Master {
            node,
            vrouter: Some(v),
        } => format!("{node} is master of {v}"),
        Until::Master {
            node,
            vrouter: None,
        } => format!("{node} is master"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_directories_started_together_are_distinct() {
        let out = tempfile::tempdir().unwrap();
        let base = out.path().join("s-vrlabd-20261206T000000");
        let dirs: Vec<PathBuf> = std::thread::scope(|sc| {
            let hs: Vec<_> = (0..8)
                .map(|_| sc.spawn(|| create_unique_dir(&base).unwrap()))
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let distinct: std::collections::BTreeSet<_> = dirs.iter().collect();
        assert_eq!(distinct.len(), 8, "{dirs:?}");
    }
}
