//! Judging a capture from anywhere (`vrlab check FILE.pcap`): the wire checks only, with the
//! virtual routers inferred from the adverts (or as the flags say), senders named by pcapng
//! interface or by address. No privileges, no run directory.

use std::collections::BTreeMap;
use std::path::Path;

use super::observe::{self, LoadError, Naming, Source};
use super::spec::{self, CaptureHints};
use super::{not_applicable, sort_results, Check, Ctx, Metrics, Verdict};

pub type CaptureVerdictError = LoadError;

/// Why a capture gave no virtual router to judge, in words that point at the likely mistake.
fn nothing_to_judge(wire: &observe::Observed, hints: &CaptureHints) -> String {
    let frames: u64 = wire.segments.iter().map(|s| s.frames).sum();
    let vrids: std::collections::BTreeSet<u8> =
        wire.adverts.iter().map(|a| a.summary.vrid).collect();
    match hints.vrid {
        Some(v) if !vrids.is_empty() => format!(
            "no advert of VRID {v}; the capture holds VRID{} {}",
            if vrids.len() == 1 { "" } else { "s" },
            vrids
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => format!(
            "{frames} frames and not one VRRP or CARP advert (captured on the wrong interface, or filtered?)"
        ),
    }
}

/// A capture filtered to the adverts (`tcpdump vrrp`) holds no ARP or ND at all: the checks
/// that judge those frames have no evidence, and say so instead of failing (or passing) on
/// an absence the filter made.
fn without_neighbour_evidence(
    checks: &mut [super::CheckResult],
    wire: &observe::Observed,
    vrs: &[super::VrSpec],
) {
    use super::observe::What;
    use crate::scenario::Family;
    let arp = wire.obs.iter().any(|o| matches!(o.what, What::Arp { .. }));
    let nd = wire
        .obs
        .iter()
        .any(|o| matches!(o.what, What::Na { .. } | What::Ns { .. }));
    for c in checks
        .iter_mut()
        .filter(|c| c.id.def().neighbour_frames)
        .filter(|c| c.status != super::Status::NotApplicable)
    {
        let Some(vr) = vrs.iter().find(|v| v.name == c.subject) else {
            continue;
        };
        let (present, what) = match vr.family {
            Family::Ipv4 => (arp, "ARP"),
            Family::Ipv6 => (nd, "neighbour discovery (NS/NA)"),
        };
        if !present {
            *c = not_applicable(
                c.id,
                c.subject.clone(),
                format!("the capture holds no {what} frame at all (filtered to the adverts, e.g. `tcpdump vrrp`?): this check's evidence is not in the file"),
            );
        }
    }
}

/// Judges one pcap or pcapng file.
pub fn judge_capture(path: &Path, hints: &CaptureHints) -> Result<Verdict, LoadError> {
    let name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let sources = [Source {
        segment: name.clone(),
        path: path.to_path_buf(),
        file: name.clone(),
        interfaces: None,
    }];
    let mut wire = observe::load(&sources, &[])?;
    let unseen: Vec<String> = wire
        .rename(&hints.names)
        .into_iter()
        .map(|addr| {
            format!(
                "--name {addr}: no sender of the capture goes by this address (its senders: {})",
                wire.nodes.join(", ")
            )
        })
        .collect();
    let vrs = spec::infer(&wire, hints);
    if vrs.is_empty() {
        return Err(LoadError::NothingToJudge {
            path: path.to_path_buf(),
            why: nothing_to_judge(&wire, hints),
        });
    }
    let seg = &wire.segments[0];
    let t0 = seg.first_t.unwrap_or(0);
    let end = seg.last_t.unwrap_or(0);
    let tolerance = hints
        .tolerance
        .unwrap_or(crate::scenario::Expect::DEFAULT_TOLERANCE);
    let ctx = Ctx::new(None, &wire, vrs, tolerance, t0, end, &[]);
    let mut checks = ctx.run_all(&mut Metrics::default());
    without_neighbour_evidence(&mut checks, &wire, &ctx.vrs);
    // Every check has its line: those the wire checks did not judge need a run directory.
    let judged: std::collections::BTreeSet<Check> = checks.iter().map(|c| c.id).collect();
    for id in Check::all().filter(|c| !judged.contains(c)) {
        let d = id.def();
        checks.push(not_applicable(
            id,
            "capture",
            format!("needs a {} ({})", d.requires.describe(), d.applies),
        ));
    }
    sort_results(&mut checks);
    let metrics = Metrics {
        masters: ctx.masters(),
        ..Metrics::default()
    };
    let naming = match wire.naming {
        Naming::Ports => "bridge ports",
        Naming::Interfaces => "pcapng interfaces",
        Naming::SourceAddress => "source address",
    };
    Ok(Verdict {
        scenario: name,
        daemon: "capture".into(),
        daemons: BTreeMap::new(),
        daemon_version: format!(
            "{} frames{}, {} virtual router{}, senders named by {naming}, tolerance {}",
            seg.frames,
            [
                (wire.duplicates > 0)
                    .then(|| format!(" ({} copies from `-i any` dropped)", wire.duplicates)),
                (wire.tunnelled > 0)
                    .then(|| { format!(" ({} taken out of VXLAN datagrams)", wire.tunnelled) }),
                (wire.replicated > 0).then(|| {
                    format!(" ({} VXLAN copies to other peers dropped)", wire.replicated)
                }),
            ]
            .into_iter()
            .flatten()
            .collect::<String>(),
            ctx.vrs.len(),
            if ctx.vrs.len() == 1 { "" } else { "s" },
            crate::scenario::duration::human(tolerance)
        ),
        run_dir: path.display().to_string(),
        capture: Some(super::CaptureFacts {
            frames: seg.frames,
            copies_dropped: wire.duplicates + wire.replicated,
            tunnelled: wire.tunnelled,
            vrouters: ctx.vrs.iter().map(|v| v.name.clone()).collect(),
            senders_named_by: naming.into(),
            tolerance_ms: tolerance.as_secs_f64() * 1000.0,
        }),
        checks,
        metrics,
        notes: wire
            .cut
            .iter()
            .map(ToString::to_string)
            .chain(unseen)
            .collect(),
        expectation: None,
    })
}
