//! vrlabd command line.
//!
//! ```text
//! vrlabd -f CONFIG [--control PATH] [--log-file PATH]   run in the foreground
//! vrlabd --check-config FILE                           validate, exit 2 on error
//! vrlabd status [--control PATH]                       print status as JSON
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use vrlabd::config;
use vrlabd::shell::{control, daemon};

#[derive(Parser)]
#[command(
    name = "vrlabd",
    version,
    about = "VRRPv3 (RFC 9568) and VRRPv2 (RFC 3768) daemon"
)]
struct Cli {
    /// Configuration file; runs the daemon in the foreground.
    #[arg(short = 'f', long = "config", value_name = "CONFIG")]
    config: Option<PathBuf>,
    /// Validate a configuration file and exit (status 2 if invalid).
    #[arg(long = "check-config", value_name = "FILE", conflicts_with = "config")]
    check_config: Option<PathBuf>,
    /// Control socket path (default: the file's `control`, else /run/vrlabd.sock).
    #[arg(short = 'c', long = "control", value_name = "PATH", global = true)]
    control: Option<PathBuf>,
    /// Append logs to this file instead of stderr.
    #[arg(long = "log-file", value_name = "PATH")]
    log_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Print the running daemon's status as JSON.
    Status,
}

fn init_logging(file: Option<&PathBuf>) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("VRLABD_LOG")
        .unwrap_or_else(|_| "info,netlink_packet_route=error".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match file {
        Some(p) => {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|e| format!("cannot open log file {}: {e}", p.display()))?;
            builder
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(f))
                .init();
        }
        None => builder.with_writer(std::io::stderr).init(),
    }
    Ok(())
}

/// Each virtual router holds a few sockets; 255 routers in two families
/// need more than the usual soft limit of 1024 descriptors.
fn raise_fd_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Status) = cli.command {
        let path = cli
            .control
            .unwrap_or_else(|| PathBuf::from(control::DEFAULT_PATH));
        return match control::query(&path) {
            Ok(s) => {
                print!("{s}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("vrlabd: cannot reach the daemon at {}: {e}", path.display());
                ExitCode::from(1)
            }
        };
    }
    if let Some(path) = cli.check_config {
        return match config::load(&path) {
            Ok(c) => {
                println!("{}: OK, {} instance(s)", path.display(), c.instances.len());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(2)
            }
        };
    }
    let Some(config) = cli.config else {
        eprintln!("vrlabd: give -f CONFIG to run, --check-config FILE to validate, or `status`");
        return ExitCode::from(2);
    };
    if let Err(e) = init_logging(cli.log_file.as_ref()) {
        eprintln!("vrlabd: {e}");
        return ExitCode::from(1);
    }
    // Refuse a bad file before anything is created (and before forking).
    if let Err(e) = config::load(&config) {
        eprintln!("{e}");
        return ExitCode::from(2);
    }
    raise_fd_limit();
    let guardian = vrlabd::shell::guardian::Guardian::spawn();
    // One thread: the protocol loop is light, and timing is steadier
    // without work stealing between threads.
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("vrlabd: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(daemon::run(daemon::Options {
        config,
        control: cli.control,
        guardian,
    })) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e @ daemon::DaemonError::Config(_)) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("vrlabd: {e}");
            ExitCode::from(1)
        }
    }
}
