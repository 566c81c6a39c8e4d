//! `vrlab run --jobs N`: several labs at once.
//!
//! A lab's nodes are named namespaces inside one sandbox, so two labs cannot share a sandbox;
//! each scenario therefore runs as a `vrlab run` of its own (a sandbox of its own), at most N
//! at a time. This process builds nothing: it refuses bad input first, starts the runs,
//! prints their reports in the order of the files as soon as that order allows, then the
//! roll-up and the `--junit` / `--markdown` files from the verdicts the runs wrote.

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::unistd::Pid;

use super::{check_inputs, report, run, write_reports, Reports, EXIT_INTERRUPTED, EXIT_LAB};
use crate::checks::Verdict;

/// Set by SIGINT, SIGTERM or SIGHUP: start no further run, stop the running ones.
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// One scenario's run, as the child `vrlab run` reported it.
struct Finished {
    index: usize,
    output: std::io::Result<Output>,
    took: Duration,
    run_dirs: Vec<PathBuf>,
}

/// The runs under way, by index: their PIDs, to pass a stop on.
type Running = Arc<Mutex<BTreeMap<usize, u32>>>;

pub(super) fn run_jobs(
    paths: &[PathBuf],
    daemon: &str,
    out: PathBuf,
    jobs: usize,
    reports: Reports,
) -> i32 {
    let checked = match check_inputs(paths, daemon, out, run::Keep::No, reports) {
        Ok(c) => c,
        Err(code) => return code,
    };
    catch_stop_signals();
    let labels: Vec<String> = checked
        .scenarios
        .iter()
        .map(|s| format!("{} × {}", s.name, checked.daemons.label(s)))
        .collect();
    let child_args = ChildArgs {
        daemon: daemon.to_string(),
        out: checked.out.clone(),
        expect: reports.expect.map(Path::to_path_buf),
        detail: reports.detail,
    };
    let queue: Vec<(usize, PathBuf)> = paths.iter().cloned().enumerate().collect();
    let queue = Arc::new(Mutex::new(queue.into_iter()));
    let running: Running = Arc::default();
    let (tx, rx) = mpsc::channel();
    let workers: Vec<_> = (0..jobs.min(paths.len()))
        .map(|_| {
            let (queue, running, tx, args) = (
                queue.clone(),
                running.clone(),
                tx.clone(),
                child_args.clone(),
            );
            std::thread::spawn(move || work(&queue, &running, &tx, &args))
        })
        .collect();
    drop(tx);
    let mut done: BTreeMap<usize, Finished> = BTreeMap::new();
    let (mut next, mut finished, mut worst) = (0, 0, super::EXIT_OK);
    let mut verdicts: Vec<Verdict> = Vec::new();
    let mut stopping = false;
    loop {
        if STOP.load(Ordering::SeqCst) && !stopping {
            stopping = true;
            eprintln!("vrlab: stopping (tearing the running labs down)");
            for pid in running.lock().expect("not poisoned").values() {
                let _ = signal::kill(Pid::from_raw(*pid as i32), Signal::SIGTERM);
            }
        }
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(f) => {
                finished += 1;
                let code = exit_code(&f.output);
                eprintln!(
                    "vrlab: [{finished}/{}] {} finished in {:.1} s ({})",
                    paths.len(),
                    labels[f.index],
                    f.took.as_secs_f64(),
                    crate::exit::exit_meaning(code)
                );
                worst = worst.max(code);
                done.insert(f.index, f);
                while let Some(f) = done.remove(&next) {
                    print_run(&f, &labels[f.index], &mut verdicts);
                    next += 1;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    for w in workers {
        let _ = w.join();
    }
    if stopping {
        worst = EXIT_INTERRUPTED;
    }
    if verdicts.len() > 1 {
        print!("{}", report::roll_up(&verdicts));
    }
    worst.max(write_reports(
        &verdicts,
        checked.junit.as_deref(),
        checked.markdown.as_deref(),
    ))
}

/// SIGINT (which a terminal sends the runs too), SIGTERM and SIGHUP stop the batch; the
/// runs, told by SIGTERM, tear their labs down and judge what they recorded.
fn catch_stop_signals() {
    let action = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        // SAFETY: the handler only stores to an atomic.
        let _ = unsafe { signal::sigaction(s, &action) };
    }
}

/// What every child `vrlab run` is given besides its scenario.
#[derive(Clone)]
struct ChildArgs {
    daemon: String,
    out: PathBuf,
    expect: Option<PathBuf>,
    detail: report::Detail,
}

/// A worker: takes the next scenario, runs it to its end, reports, until none is left or a
/// stop was asked for.
fn work(
    queue: &Mutex<impl Iterator<Item = (usize, PathBuf)>>,
    running: &Running,
    tx: &mpsc::Sender<Finished>,
    args: &ChildArgs,
) {
    loop {
        if STOP.load(Ordering::SeqCst) {
            return;
        }
        let Some((index, path)) = queue.lock().expect("not poisoned").next() else {
            return;
        };
        let record = args
            .out
            .join(format!(".jobs-{}-{index}", std::process::id()));
        let started = Instant::now();
        let output = child(&path, &record, args).spawn().and_then(|c| {
            running.lock().expect("not poisoned").insert(index, c.id());
            let out = c.wait_with_output();
            running.lock().expect("not poisoned").remove(&index);
            out
        });
        let run_dirs = std::fs::read_to_string(&record)
            .map(|t| t.lines().map(PathBuf::from).collect())
            .unwrap_or_default();
        let _ = std::fs::remove_file(&record);
        let finished = Finished {
            index,
            output,
            took: started.elapsed(),
            run_dirs,
        };
        if tx.send(finished).is_err() {
            return;
        }
    }
}

/// The `vrlab run` of one scenario, its output captured; it stops (and tears its lab down) if
/// this process dies.
fn child(scenario: &Path, record: &Path, args: &ChildArgs) -> Command {
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("vrlab"));
    let mut cmd = Command::new(exe);
    cmd.arg("run")
        .arg(scenario)
        .arg("--daemon")
        .arg(&args.daemon)
        .arg("--out")
        .arg(&args.out)
        .arg("--run-dirs-to")
        .arg(record);
    if let Some(expect) = &args.expect {
        cmd.arg("--expect").arg(expect);
    }
    match args.detail {
        report::Detail::All => {}
        report::Detail::Failures => {
            cmd.arg("--failures-only");
        }
        report::Detail::Summary => {
            cmd.arg("--quiet");
        }
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    cmd
}

fn exit_code(output: &std::io::Result<Output>) -> i32 {
    match output {
        Ok(o) => o.status.code().unwrap_or(EXIT_LAB),
        Err(_) => EXIT_LAB,
    }
}

/// Prints one run's report as the run printed it, its errors, and keeps its verdict for the
/// roll-up and the report files.
fn print_run(f: &Finished, label: &str, verdicts: &mut Vec<Verdict>) {
    match &f.output {
        Ok(o) => {
            print!("{}", String::from_utf8_lossy(&o.stdout));
            if !o.status.success() {
                errors(label, &o.stderr);
            }
        }
        Err(e) => eprintln!("vrlab: {label}: cannot start a run: {e}"),
    }
    for dir in &f.run_dirs {
        match read_verdict(dir) {
            Ok(v) => verdicts.push(v),
            Err(e) => eprintln!("vrlab: {label}: {e}"),
        }
    }
}

/// A failed run's own error lines (not its step-by-step progress).
fn errors(label: &str, stderr: &[u8]) {
    for line in String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.starts_with("vrlab") || l.starts_with("  "))
    {
        eprintln!("{label}: {line}");
    }
}

fn read_verdict(dir: &Path) -> Result<Verdict, String> {
    let path = crate::rundir::Layout::new(dir).verdict();
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}
