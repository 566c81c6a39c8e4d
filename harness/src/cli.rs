//! The `vrlab` command.
//!
//! Exit codes (also in `vrlab --help`):
//! 0 every check passed · 1 a check failed · 2 bad input (command line, scenario file) ·
//! 3 environment (missing privilege or daemon; a daemon that cannot render the scenario) ·
//! 4 the lab could not be built or a daemon could not start · 130 interrupted.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use clap::{CommandFactory, Parser, Subcommand};

use crate::daemons::{self, Assignment};
use crate::report;
use crate::run::{self, Progress, RunError};
use crate::sandbox;
use crate::scenario::{self, Scenario};

pub use crate::exit::*;

mod jobs;
use jobs::run_jobs;

#[derive(Parser)]
#[command(name = "vrlab", version, about = "A conformance and fault-injection lab for VRRP and CARP: real daemons in network namespaces, recorded and judged against RFC 3768, 5798 and 9568.", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenarios against a daemon and judge the recordings.
    Run {
        /// Scenario files (TOML).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Implementation under test (see `vrlab list`), or your own: `command:PATH`
        /// (docs/command-adapter.md); for a mixed run, per router: `vrlabd,r2=keepalived`
        /// (vrlabd everywhere but r2) or `r1=frr,r2=command:./mydaemon`.
        #[arg(long, short, default_value = daemons::DEFAULT_DAEMON)]
        daemon: String,
        /// Directory that receives one run directory per scenario.
        #[arg(long, short, default_value = "runs")]
        out: PathBuf,
        /// Expected findings (known deviations): a file in the format of
        /// scenarios/known-deviations/*.toml, or a directory of such files named by daemon
        /// (`keepalived.toml`, `frr.toml`; a mixed run derives its own from them). Listed
        /// failures are reported as KNOWN and pass; a listed deviation that no longer fails
        /// (unless `intermittent`) fails the run.
        #[arg(long, value_name = "FILE|DIR")]
        expect: Option<PathBuf>,
        /// Also write the verdicts as JUnit XML to FILE: one testsuite per run, one case per
        /// check result, named scenario × daemon and check subject.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Also write a Markdown report of every run to FILE: a table across runs, then each
        /// run's failed and known checks with their evidence and its failover figures (what a
        /// GitHub job summary shows: `--markdown "$GITHUB_STEP_SUMMARY"`).
        #[arg(long, value_name = "FILE")]
        markdown: Option<PathBuf>,
        /// Print only each run's verdict line (and the roll-up); RUN_DIR/report.txt keeps the
        /// whole report.
        #[arg(long, short, conflicts_with = "failures_only")]
        quiet: bool,
        /// Print only the failed and known checks with their details, and the figures.
        #[arg(long)]
        failures_only: bool,
        /// Run only shard I of N (e.g. `2/3`, for a CI matrix): the scenarios sorted by file
        /// name, dealt round-robin, so each lands in the same shard every time.
        #[arg(long, value_name = "I/N", value_parser = shard)]
        shard: Option<(usize, usize)>,
        /// Run up to N scenarios at once, each lab in a sandbox of its own; reports are
        /// printed in the order of the files. Verdicts do not depend on it: capture times come
        /// from the kernel (docs/benchmarks.md has the suite's figures with 1 and 2 jobs).
        #[arg(long, short, value_name = "N", default_value_t = 1,
              value_parser = clap::value_parser!(u16).range(1..=64))]
        jobs: u16,
        /// Append each judged run directory to FILE (used by `--jobs`).
        #[arg(long, value_name = "FILE", hide = true)]
        run_dirs_to: Option<PathBuf>,
    },
    /// Build a scenario's lab, start its daemons and play its timeline, then keep it up until
    /// Ctrl-C; get in with `vrlab exec NODE -- CMD`.
    Up {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Implementation under test, as for `vrlab run`.
        #[arg(long, short, default_value = daemons::DEFAULT_DAEMON)]
        daemon: String,
        /// Directory that receives the run directory (recorded until Ctrl-C).
        #[arg(long, short, default_value = "runs")]
        out: PathBuf,
        /// Play the timeline up to step N (1-based, as `vrlab list` and reports count), then
        /// keep the lab as it is before that step acts: to look inside, or to act by hand.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        pause_before: Option<u32>,
        /// Start the daemons and keep the lab, without playing the timeline (`--pause-before 1`).
        #[arg(long, conflicts_with = "pause_before")]
        no_timeline: bool,
    },
    /// Run a command inside a node of a kept lab (`vrlab up`).
    Exec {
        /// Host PID of the `vrlab up` process (needed only when several labs are up).
        #[arg(long)]
        lab: Option<i32>,
        /// Node name, or `switch` for the namespace that holds the bridges.
        node: String,
        /// The command and its arguments.
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// Act on a kept lab (`vrlab up`) with any timeline action, recorded as the timeline's next
    /// step and judged with the rest at Ctrl-C: `vrlab fault r1 crash`, `vrlab fault r1
    /// link_down interface=eth0`, `vrlab fault - partition 'groups=[["r1","h1"],["r2"]]'`,
    /// `vrlab fault - heal`. Exits 0 when the step was played, 1 when it failed (a wait that
    /// timed out), 2 when the scenario refuses it (nothing is done), 3 when no lab answers.
    Fault {
        /// Host PID of the `vrlab up` process (needed only when several labs are up).
        #[arg(long)]
        lab: Option<i32>,
        /// The node the action names, or `-` for an action that names none (partition, heal).
        node: String,
        /// The action as a `[[timeline]]` table says it: crash, stop, start, restart, freeze,
        /// thaw, link_down, link_up, loss, partition, heal, delay, snooping, exec, inject,
        /// wait, hold.
        action: String,
        /// The action's other keys, as in its `[[timeline]]` table: KEY=VALUE, the value in
        /// TOML (a bare word is a string), e.g. `percent=30`, `for=2s`, `until=master`.
        #[arg(value_name = "KEY=VALUE")]
        args: Vec<String>,
    },
    /// List the scenarios and daemons vrlab knows, installed or not.
    List {
        /// Where to look for scenario files.
        #[arg(long, default_value = "scenarios")]
        dir: PathBuf,
    },
    /// Judge a run directory, or any pcap/pcapng capture (wire checks), offline and without
    /// privileges.
    Check {
        /// A run directory, or a .pcap / .pcapng file (Ethernet, 802.1Q, Linux SLL/SLL2).
        input: PathBuf,
        /// Print the verdict as JSON.
        #[arg(long, conflicts_with_all = ["junit", "markdown"])]
        json: bool,
        /// Print the verdict as JUnit XML.
        #[arg(long, conflicts_with = "markdown")]
        junit: bool,
        /// Print the verdict as Markdown (failed and known checks, figures).
        #[arg(long)]
        markdown: bool,
        /// Capture only: judge only this VRID (default: every VRID in the capture).
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..))]
        vrid: Option<u8>,
        /// Capture only: the VRRP version the routers are configured with (default: the
        /// version most adverts carry).
        #[arg(long, value_parser = clap::value_parser!(u8).range(2..=3))]
        version: Option<u8>,
        /// Capture only: the configured advertisement interval, e.g. 1s, 100cs, 500ms
        /// (default: the interval most adverts carry).
        #[arg(long, value_parser = advert_interval)]
        interval: Option<Duration>,
        /// Capture only: added to the RFC timing bounds (default 50ms, at most 1s).
        #[arg(long, value_parser = tolerance)]
        tolerance: Option<Duration>,
        /// Capture only: the routers advertise to unicast peers (keepalived's
        /// `unicast_peer`), outside the RFCs: the multicast destination checks do not apply.
        #[arg(long)]
        unicast: bool,
        /// Capture only: the deployment does not use the virtual router MAC (keepalived
        /// without `use_vmac`): the checks that hold frames to it do not apply.
        #[arg(long)]
        no_vmac: bool,
        /// Capture only: the CARP password the routers share (ucarp's `--pass`): every CARP
        /// advert's HMAC is verified against it (`b14.carp-hmac`).
        #[arg(long, value_name = "PASSWORD")]
        carp_pass: Option<String>,
        /// Capture only: a virtual address of the CARP virtual hosts (repeatable). CARP adverts
        /// carry none and their HMAC covers them: with `--carp-pass`, the HMAC is verified over
        /// these, and a router advertising with another password is told apart
        /// (`e7.stranger-never-claims`). VRRP adverts carry their own.
        #[arg(long = "vip", value_name = "ADDRESS")]
        vips: Vec<std::net::IpAddr>,
        /// Capture only: name a sender, e.g. `--name 52:54:00:12:34:56=r1` or
        /// `--name 10.0.0.2=r2` (repeatable; two addresses may name one router).
        #[arg(long, value_name = "ADDRESS=NAME", value_parser = sender_name)]
        name: Vec<(String, String)>,
        /// Expected findings, as for `vrlab run --expect` (a run directory applies the
        /// behaviours of the daemons its routers ran; a capture, every deviation of the files
        /// that concerns every scenario).
        #[arg(long, value_name = "FILE|DIR")]
        expect: Option<PathBuf>,
        /// Also draw the verdict's timeline as SVG into FILE: one lane per router per virtual
        /// router (its tenures as master), the steps that acted, poisoned host entries, and
        /// the failed checks at their evidence (`vrlab run` writes RUN_DIR/timeline.svg).
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        /// Also write one self-contained HTML page into FILE: the verdict, the timeline, every
        /// check with its evidence, the figures (`vrlab run` writes RUN_DIR/report.html).
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
    /// List the check catalogue: id, checklist item, clause, what it applies to.
    Checks {
        /// Print docs/checks.md (Markdown).
        #[arg(long, conflicts_with = "json")]
        markdown: bool,
        /// Print the catalogue as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Say whether this machine can run vrlab, by trying: the sandbox, a segment, a macvlan,
    /// nftables in the bridge family, bridge VLAN filtering, and each daemon.
    Doctor {
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff) to stdout, e.g. `vrlab man > vrlab.1`.
    Man,
    /// Measure building and tearing down topologies of N nodes (see docs/benchmarks.md).
    #[command(hide = true)]
    BenchTopology {
        #[arg(default_values_t = [3usize, 10, 50])]
        sizes: Vec<usize>,
        #[arg(long, default_value_t = 10)]
        repeat: usize,
    },
}

/// `--shard I/N`: 1 ≤ I ≤ N.
fn shard(text: &str) -> Result<(usize, usize), String> {
    let bad = || format!("`{text}` is no shard: give I/N with 1 <= I <= N, e.g. 2/3");
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (i.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
    if i == 0 || i > n {
        return Err(bad());
    }
    Ok((i, n))
}

/// The paths of shard `i` of `n`: sorted by name, dealt round-robin.
fn shard_of(paths: &[PathBuf], (i, n): (usize, usize)) -> Vec<PathBuf> {
    let mut sorted = paths.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
        .into_iter()
        .enumerate()
        .filter(|(k, _)| k % n == i - 1)
        .map(|(_, p)| p)
        .collect()
}

/// An advertisement interval as `vrlab check --interval` takes it: whole centiseconds from
/// 10ms (VRRPv3, up to 40.95s; RFC 5798 §5.2.7) up to 255s (VRRPv2, whole seconds; RFC 3768
/// §5.3.7).
fn advert_interval(text: &str) -> Result<Duration, String> {
    let d = scenario::duration::parse(text)?;
    let ms = d.as_millis();
    if d.as_micros() % 10_000 != 0 || !(10..=255_000).contains(&ms) {
        return Err(format!(
            "`{text}` is no advertisement interval: whole centiseconds from 10ms to 40.95s (VRRPv3) or whole seconds up to 255s (VRRPv2)"
        ));
    }
    Ok(d)
}

/// A tolerance as `vrlab check --tolerance` takes it (the same bound as a scenario's).
fn tolerance(text: &str) -> Result<Duration, String> {
    let d = scenario::duration::parse(text)?;
    let max = scenario::TOLERANCE_MAX;
    if d > max {
        return Err(format!(
            "`{text}` is longer than a tolerance added to the RFC's bounds may be (at most {})",
            scenario::duration::human(max)
        ));
    }
    Ok(d)
}

/// `ADDRESS=NAME` of `--name`: a MAC or an IP address, as the capture's senders are named
/// without one, and the name to show instead.
fn sender_name(text: &str) -> Result<(String, String), String> {
    let (addr, name) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}`: give ADDRESS=NAME, e.g. 52:54:00:12:34:56=r1"))?;
    let addr = addr.trim();
    let canonical = if let Ok(m) = addr.parse::<crate::wire::MacAddr>() {
        m.to_string()
    } else if let Ok(ip) = addr.parse::<std::net::IpAddr>() {
        ip.to_string()
    } else {
        return Err(format!("`{addr}` is neither a MAC nor an IP address"));
    };
    let name = name.trim();
    if name.is_empty() || name.len() > 32 || !name.chars().all(|c| c.is_ascii_graphic()) {
        return Err(format!(
            "`{name}`: a name is 1 to 32 printable characters without spaces"
        ));
    }
    Ok((canonical, name.to_string()))
}

/// Progress on stderr: a spinner on a terminal, plain lines otherwise (CI logs).
struct Bar {
    bar: Option<indicatif::ProgressBar>,
    prefix: String,
}

impl Bar {
    fn new(prefix: String) -> Bar {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.enable_steady_tick(Duration::from_millis(100));
            b.set_prefix(prefix.clone());
            b.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {prefix} [{elapsed}] {msg}")
                    .expect("template"),
            );
            b
        });
        Bar { bar, prefix }
    }
    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn step(&self, text: &str) {
        match &self.bar {
            Some(b) => b.set_message(text.to_string()),
            None => eprintln!("{}: {text}", self.prefix),
        }
    }
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_BAD_INPUT
            } else {
                EXIT_OK
            };
            let _ = e.print();
            return code;
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VRLAB_LOG")
                .unwrap_or_else(|_| "warn,netlink_packet_route=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Run {
            scenarios,
            daemon,
            out,
            expect,
            junit,
            markdown,
            quiet,
            failures_only,
            shard: part,
            jobs,
            run_dirs_to,
        } => {
            let scenarios = match part {
                Some(part) => shard_of(&scenarios, part),
                None => scenarios,
            };
            if scenarios.is_empty() {
                println!("vrlab: this shard has no scenario");
                return EXIT_OK;
            }
            let reports = Reports {
                expect: expect.as_deref(),
                junit: junit.as_deref(),
                markdown: markdown.as_deref(),
                detail: match (quiet, failures_only) {
                    (true, _) => report::Detail::Summary,
                    (_, true) => report::Detail::Failures,
                    _ => report::Detail::All,
                },
                record: run_dirs_to.as_deref(),
            };
            if jobs > 1 && scenarios.len() > 1 {
                return run_jobs(&scenarios, &daemon, out, usize::from(jobs), reports);
            }
            run_cmd(&scenarios, &daemon, out, run::Keep::No, reports)
        }
        Command::Up {
            scenario,
            daemon,
            out,
            pause_before,
            no_timeline,
        } => {
            let keep = match (pause_before, no_timeline) {
                (_, true) => run::Keep::BeforeStep(0),
                (Some(n), _) => run::Keep::BeforeStep(n as usize - 1),
                (None, false) => run::Keep::AfterTimeline,
            };
            run_cmd(&[scenario], &daemon, out, keep, Reports::default())
        }
        Command::Exec { lab, node, command } => match sandbox::exec_in_lab(lab, &node, &command) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("vrlab exec: {e}");
                EXIT_ENVIRONMENT
            }
        },
        Command::Fault {
            lab,
            node,
            action,
            args,
        } => fault(lab, &node, &action, &args),
        Command::List { dir } => list(&dir),
        Command::Check {
            input,
            json,
            junit,
            markdown,
            vrid,
            version,
            interval,
            tolerance,
            unicast,
            no_vmac,
            carp_pass,
            vips,
            name,
            expect,
            svg,
            html,
        } => check(
            &input,
            Format::of(json, junit, markdown),
            crate::checks::CaptureHints {
                vrid,
                version,
                interval,
                tolerance,
                unicast,
                no_vmac,
                carp_pass,
                vips,
                names: name,
            },
            expect.as_deref(),
            svg.as_deref(),
            html.as_deref(),
        ),
        Command::Checks { markdown, json } => checks_cmd(markdown, json),
        Command::Doctor { json } => crate::doctor::main(json),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "vrlab", &mut std::io::stdout());
            EXIT_OK
        }
        Command::Man => {
            match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
                Ok(()) => EXIT_OK,
                Err(e) => {
                    eprintln!("vrlab man: {e}");
                    EXIT_ENVIRONMENT
                }
            }
        }
        Command::BenchTopology { sizes, repeat } => crate::bench::main(&sizes, repeat),
    }
}

fn load_all(paths: &[PathBuf]) -> Result<Vec<Scenario>, i32> {
    let mut out = Vec::new();
    let mut bad = false;
    for p in paths {
        match scenario::load(p) {
            Ok(s) => out.push(s),
            Err(e) => {
                eprintln!("{e}");
                bad = true;
            }
        }
    }
    if bad {
        Err(EXIT_BAD_INPUT)
    } else {
        Ok(out)
    }
}

/// Parses `--daemon` and checks that every daemon it names is installed.
fn pick_daemons(spec: &str, scenarios: &[Scenario]) -> Result<Assignment, i32> {
    let assignment = Assignment::parse(spec).map_err(|e| {
        eprintln!("vrlab: --daemon {spec}: {e}");
        EXIT_BAD_INPUT
    })?;
    for scn in scenarios {
        if let Err(e) = assignment.check(scn) {
            eprintln!("vrlab: --daemon {spec}: {e}");
            return Err(EXIT_BAD_INPUT);
        }
    }
    for a in assignment.adapters() {
        if let Err(m) = a.installed() {
            eprintln!(
                "vrlab: {} is not installed: {}\n  fix: {}",
                m.daemon, m.what, m.fix
            );
            return Err(EXIT_ENVIRONMENT);
        }
    }
    Ok(assignment)
}

/// Opens `--expect`: a file, or a directory of files per daemon; a bad one is bad input.
fn expectations(
    path: Option<&std::path::Path>,
) -> Result<Option<crate::expect::Expectations>, i32> {
    path.map(crate::expect::Expectations::open)
        .transpose()
        .map_err(|e| {
            eprintln!("{e}");
            EXIT_BAD_INPUT
        })
}

/// What `vrlab run` compares its verdicts with, how much it prints, and where else it writes
/// them.
#[derive(Clone, Copy)]
struct Reports<'a> {
    detail: report::Detail,
    expect: Option<&'a std::path::Path>,
    junit: Option<&'a std::path::Path>,
    markdown: Option<&'a std::path::Path>,
    /// `--run-dirs-to`: where each judged run directory is appended, one per line (how
    /// `--jobs` learns what its runs recorded).
    record: Option<&'a std::path::Path>,
}

impl Default for Reports<'_> {
    fn default() -> Self {
        Reports {
            detail: report::Detail::All,
            expect: None,
            junit: None,
            markdown: None,
            record: None,
        }
    }
}

/// Where a report flag of `vrlab run` writes: named absolutely now (it is written after the
/// last run, from inside the sandbox), in an existing directory, not where the lab mounts its
/// own directories.
fn report_path(flag: &str, path: Option<&std::path::Path>) -> Result<Option<PathBuf>, i32> {
    let Some(path) = path else { return Ok(None) };
    let path = std::path::absolute(path).map_err(|e| {
        eprintln!("vrlab: bad {flag}: {e}");
        EXIT_BAD_INPUT
    })?;
    if let Some(dir) = path.parent().filter(|d| !d.is_dir()) {
        eprintln!(
            "vrlab: {flag}: {} is no directory; the file goes into an existing one",
            dir.display()
        );
        return Err(EXIT_BAD_INPUT);
    }
    if let Some(hidden) = sandbox::hidden_in_lab(&path) {
        eprintln!(
            "vrlab: {flag}: the lab mounts its own {} over the host's; choose another place",
            hidden.display()
        );
        return Err(EXIT_BAD_INPUT);
    }
    Ok(Some(path))
}

/// What `vrlab run` and `vrlab up` checked before anything is built.
struct Checked {
    scenarios: Vec<Scenario>,
    daemons: Assignment,
    expected: Option<crate::expect::Expectations>,
    out: PathBuf,
    junit: Option<PathBuf>,
    markdown: Option<PathBuf>,
}

/// Refuses everything that can be refused before a sandbox exists: the scenarios, the
/// daemons, the expectations, where the runs and the reports go.
fn check_inputs(
    paths: &[PathBuf],
    daemon: &str,
    out: PathBuf,
    keep: run::Keep,
    reports: Reports,
) -> Result<Checked, i32> {
    let scenarios = load_all(paths)?;
    if let run::Keep::BeforeStep(i) = keep {
        if let Some(scn) = scenarios.iter().find(|s| i >= s.timeline.len().max(1)) {
            eprintln!(
                "vrlab up: --pause-before {}: {} has {} steps; give 1 to {} (or --no-timeline)",
                i + 1,
                scn.name,
                scn.timeline.len(),
                scn.timeline.len().max(1)
            );
            return Err(EXIT_BAD_INPUT);
        }
    }
    let findings: Vec<String> = scenarios
        .iter()
        .flat_map(run::own_config_findings)
        .collect();
    if !findings.is_empty() {
        for f in &findings {
            eprintln!("{f}");
        }
        eprintln!(
            "vrlab: {} finding(s) in configurations of yours: nothing was built",
            findings.len()
        );
        return Err(EXIT_BAD_INPUT);
    }
    let daemons = pick_daemons(daemon, &scenarios)?;
    let expected = expectations(reports.expect)?;
    let out = std::path::absolute(&out).map_err(|e| {
        eprintln!("vrlab: bad --out {}: {e}", out.display());
        EXIT_BAD_INPUT
    })?;
    if let Some(hidden) = sandbox::hidden_in_lab(&out) {
        eprintln!(
            "vrlab: --out {}: the lab mounts its own {} over the host's, so a run directory there would vanish with the lab; choose another directory (e.g. ./runs)",
            out.display(),
            hidden.display()
        );
        return Err(EXIT_BAD_INPUT);
    }
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("vrlab: cannot create {}: {e}", out.display());
        return Err(EXIT_ENVIRONMENT);
    }
    let junit = report_path("--junit", reports.junit)?;
    let markdown = report_path("--markdown", reports.markdown)?;
    Ok(Checked {
        scenarios,
        daemons,
        expected,
        out,
        junit,
        markdown,
    })
}

fn append_line(file: &std::path::Path, dir: &std::path::Path) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)?;
    writeln!(f, "{}", dir.display())
}

/// Writes `--junit` and `--markdown` of every verdict; the exit code if one cannot be written.
fn write_reports(
    verdicts: &[crate::checks::Verdict],
    junit: Option<&std::path::Path>,
    markdown: Option<&std::path::Path>,
) -> i32 {
    let all: Vec<&crate::checks::Verdict> = verdicts.iter().collect();
    let mut code = EXIT_OK;
    for (flag, path, text) in [
        (
            "--junit",
            junit,
            report::junit as fn(&[&crate::checks::Verdict]) -> String,
        ),
        ("--markdown", markdown, report::markdown::report),
    ] {
        if let Some(path) = path {
            if let Err(e) = std::fs::write(path, text(&all)) {
                eprintln!("vrlab: {flag} {}: {e}", path.display());
                code = EXIT_ENVIRONMENT;
            }
        }
    }
    code
}

fn run_cmd(
    paths: &[PathBuf],
    daemon: &str,
    out: PathBuf,
    keep: run::Keep,
    reports: Reports,
) -> i32 {
    let Checked {
        scenarios,
        daemons,
        expected,
        out,
        junit,
        markdown,
    } = match check_inputs(paths, daemon, out, keep, reports) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(e) = sandbox::enter() {
        eprintln!("vrlab: {e}");
        return EXIT_ENVIRONMENT;
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("vrlab: cannot start the runtime: {e}");
            return EXIT_LAB;
        }
    };
    rt.block_on(async move {
        let (tx, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("SIGTERM handler");
            let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
                .expect("SIGHUP handler");
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
            eprintln!("vrlab: stopping (tearing the lab down)");
            let _ = tx.send(true);
        });
        let mut worst = EXIT_OK;
        let mut verdicts: Vec<crate::checks::Verdict> = Vec::new();
        for scn in &scenarios {
            let bar = Bar::new(format!("{} × {}", scn.name, daemons.label(scn)));
            if keep != run::Keep::No {
                let pid = std::env::var(sandbox::LAB_PID_ENV).unwrap_or_default();
                eprintln!(
                    "vrlab up: lab {pid}; nodes: {}",
                    scn.nodes
                        .iter()
                        .map(|n| n.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                eprintln!("  get in:  vrlab exec --lab {pid} NODE -- bash");
                eprintln!(
                    "  e.g.     vrlab exec --lab {pid} {} -- ip addr",
                    scn.nodes.first().map(|n| n.name.as_str()).unwrap_or("NODE")
                );
                eprintln!(
                    "  capture: vrlab exec --lab {pid} switch -- tcpdump -ni br-{} vrrp",
                    scn.segments
                        .first()
                        .map(|s| s.name.as_str())
                        .unwrap_or("SEG")
                );
            }
            let opts = run::Options {
                out: out.clone(),
                progress: &bar,
                interrupt: rx.clone(),
                keep,
            };
            let result = run::run(scn, &daemons, opts).await;
            bar.finish();
            let code = match result {
                Ok((dir, meta)) => match crate::checks::judge_dir(&dir) {
                    Ok(mut verdict) => {
                        if let Some(e) = &expected {
                            e.apply(&mut verdict);
                        }
                        let layout = crate::rundir::Layout::new(&dir);
                        let _ = std::fs::write(
                            layout.verdict(),
                            serde_json::to_string_pretty(&verdict).unwrap_or_default(),
                        );
                        let _ = std::fs::write(layout.timeline(), report::svg::timeline(&verdict));
                        let text = report::text(&verdict);
                        let _ = std::fs::write(layout.report_text(), &text);
                        let _ = std::fs::write(layout.report_html(), report::html::page(&verdict));
                        print!(
                            "{}",
                            match reports.detail {
                                report::Detail::All => text,
                                d => report::text_with(&verdict, d),
                            }
                        );
                        println!("run directory: {}", dir.display());
                        println!("timeline: {}", layout.timeline().display());
                        println!("report: {}", layout.report_html().display());
                        let code =
                            if matches!(meta.outcome, crate::rundir::Outcome::Interrupted { .. }) {
                                EXIT_INTERRUPTED
                            } else if verdict.passed() {
                                EXIT_OK
                            } else {
                                EXIT_CHECK_FAILED
                            };
                        if let Some(record) = reports.record {
                            if let Err(e) = append_line(record, &dir) {
                                eprintln!("vrlab: --run-dirs-to {}: {e}", record.display());
                            }
                        }
                        verdicts.push(verdict);
                        code
                    }
                    Err(e) => {
                        eprintln!("vrlab: judging {}: {e}", dir.display());
                        EXIT_LAB
                    }
                },
                Err(e @ RunError::Unsupported { .. }) => {
                    eprintln!("vrlab: {e}");
                    EXIT_ENVIRONMENT
                }
                Err(e) => {
                    eprintln!("vrlab: {} × {}: {e}", scn.name, daemons.label(scn));
                    EXIT_LAB
                }
            };
            worst = worst.max(code);
            if *rx.borrow() {
                worst = EXIT_INTERRUPTED;
                break;
            }
        }
        if verdicts.len() > 1 {
            print!("{}", report::roll_up(&verdicts));
        }
        worst.max(write_reports(
            &verdicts,
            junit.as_deref(),
            markdown.as_deref(),
        ))
    })
}

/// `vrlab fault`: the step sent to the kept lab, and what it made of it.
fn fault(lab: Option<i32>, node: &str, action: &str, args: &[String]) -> i32 {
    use crate::operator::{self, Status};
    let step = match operator::step_toml(node, action, args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("vrlab fault: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    match operator::send(lab, &step) {
        Ok(r) if r.status == Status::Done => {
            println!("{}", r.message);
            EXIT_OK
        }
        Ok(r) if r.status == Status::Refused => {
            eprintln!("vrlab fault: refused, nothing done: {}", r.message);
            EXIT_BAD_INPUT
        }
        Ok(r) => {
            eprintln!("vrlab fault: {}", r.message);
            EXIT_CHECK_FAILED
        }
        Err(e) => {
            eprintln!("vrlab fault: {e}");
            EXIT_ENVIRONMENT
        }
    }
}

fn list(dir: &std::path::Path) -> i32 {
    println!("Daemons:");
    for a in daemons::all() {
        let status = match a.installed() {
            Ok(v) => format!("installed ({})", v.0),
            Err(m) => format!("not installed: {}", m.fix),
        };
        println!("  {:<12} {status}\n  {:<12} {}", a.name(), "", a.describe());
    }
    println!(
        "  {:<12} your own daemon or script (--daemon command:PATH; docs/command-adapter.md)",
        "command:PATH"
    );
    println!("\nScenarios in {}:", dir.display());
    // The directory's scenarios and those one folder down (scenarios/field/).
    let files = |d: &std::path::Path| -> Vec<PathBuf> {
        std::fs::read_dir(d)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    let mut entries: Vec<PathBuf> = files(dir)
        .into_iter()
        .flat_map(|p| if p.is_dir() { files(&p) } else { vec![p] })
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    entries.sort();
    if entries.is_empty() {
        println!("  (none)");
    }
    let mut code = EXIT_OK;
    for p in entries {
        match scenario::load(&p) {
            Ok(s) => println!("  {:<28} {}", s.name, s.summary),
            Err(e) => {
                println!(
                    "  {:<28} INVALID: {}",
                    p.display(),
                    e.diagnostics
                        .first()
                        .map(|d| d.message.as_str())
                        .unwrap_or("")
                );
                code = EXIT_BAD_INPUT;
            }
        }
    }
    code
}

/// How `vrlab check` prints its verdict.
#[derive(Clone, Copy)]
enum Format {
    Text,
    Json,
    Junit,
    Markdown,
}

impl Format {
    /// From the flags, which clap keeps apart.
    fn of(json: bool, junit: bool, markdown: bool) -> Format {
        match (json, junit, markdown) {
            (true, _, _) => Format::Json,
            (_, true, _) => Format::Junit,
            (_, _, true) => Format::Markdown,
            _ => Format::Text,
        }
    }
}

fn check(
    input: &std::path::Path,
    format: Format,
    hints: crate::checks::CaptureHints,
    expect: Option<&std::path::Path>,
    svg: Option<&std::path::Path>,
    html: Option<&std::path::Path>,
) -> i32 {
    let expected = match expectations(expect) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let verdict = if input.is_dir() {
        if hints.given() {
            eprintln!(
                "vrlab check: {} is a run directory: --vrid, --version, --interval, --tolerance, --unicast, --no-vmac and --name are for capture files (a run's scenario says them)",
                input.display()
            );
            return EXIT_BAD_INPUT;
        }
        crate::checks::judge_dir(input).map_err(|e| (EXIT_BAD_INPUT, e.to_string()))
    } else if input.exists() {
        // Not a directory: a capture file, or something that says why it is not one.
        crate::checks::judge_capture(input, &hints).map_err(|e| {
            let code = match e {
                crate::checks::CaptureVerdictError::NothingToJudge { .. } => EXIT_NOTHING_TO_JUDGE,
                _ => EXIT_BAD_INPUT,
            };
            (code, e.to_string())
        })
    } else {
        Err((
            EXIT_BAD_INPUT,
            format!(
                "{}: no such file or directory (give a run directory or a .pcap/.pcapng file)",
                input.display()
            ),
        ))
    };
    match verdict {
        Ok(mut v) => {
            if let Some(e) = &expected {
                e.apply(&mut v);
            }
            for (flag, path, page) in [
                (
                    "--svg",
                    svg,
                    report::svg::timeline as fn(&crate::checks::Verdict) -> String,
                ),
                ("--html", html, report::html::page),
            ] {
                let Some(path) = path else { continue };
                if let Err(e) = std::fs::write(path, page(&v)) {
                    eprintln!("vrlab check: {flag} {}: {e}", path.display());
                    return EXIT_ENVIRONMENT;
                }
            }
            match format {
                Format::Json => {
                    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default())
                }
                Format::Junit => print!("{}", report::junit(&[&v])),
                Format::Markdown => print!("{}", report::markdown::run(&v)),
                Format::Text => print!("{}", report::text(&v)),
            }
            if v.passed() {
                EXIT_OK
            } else {
                EXIT_CHECK_FAILED
            }
        }
        Err((code, e)) => {
            eprintln!("vrlab check: {e}");
            code
        }
    }
}

fn checks_cmd(markdown: bool, json: bool) -> i32 {
    if markdown {
        print!("{}", crate::checks::markdown());
    } else if json {
        println!(
            "{}",
            serde_json::to_string_pretty(crate::checks::catalogue()).unwrap_or_default()
        );
    } else {
        print!("{}", crate::checks::catalogue_text());
    }
    EXIT_OK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_is_i_of_n_from_one() {
        assert_eq!(shard("2/3"), Ok((2, 3)));
        assert_eq!(shard("1/1"), Ok((1, 1)));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", ""] {
            assert!(shard(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shards_deal_the_sorted_files_round_robin_and_cover_each_once() {
        let files: Vec<PathBuf> = ["e.toml", "a.toml", "d.toml", "b.toml", "c.toml"]
            .iter()
            .map(PathBuf::from)
            .collect();
        let parts: Vec<Vec<PathBuf>> = (1..=2).map(|i| shard_of(&files, (i, 2))).collect();
        let names = |v: &[PathBuf]| {
            v.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&parts[0]), ["a.toml", "c.toml", "e.toml"]);
        assert_eq!(names(&parts[1]), ["b.toml", "d.toml"]);
        let mut reversed = files.clone();
        reversed.reverse();
        assert_eq!(
            shard_of(&reversed, (1, 2)),
            parts[0],
            "the order given does not matter"
        );
    }
}
