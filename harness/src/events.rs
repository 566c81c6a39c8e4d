//! `events.jsonl`: everything that is not a packet, on the packets' clock.
//!
//! One JSON object per line: `t` (nanoseconds since the UNIX epoch, CLOCK_REALTIME — the
//! clock the kernel stamps captured frames with), `kind`, then fields of that kind. Kinds:
//! `harness` (what vrlab did), `process` (daemon start, signal, exit), `fdb` (bridge
//! forwarding table), `neigh` (a node's neighbour cache), `addr` and `link` (a node's
//! addresses and interfaces), `probe` (one probe and its reply, if any).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Nanoseconds since the UNIX epoch, CLOCK_REALTIME.
pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// A cheap, cloneable handle for appending events.
#[derive(Clone)]
pub struct Recorder {
    out: Arc<Mutex<BufWriter<File>>>,
}

/// One recorded event, as read back for judging.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub t: u64,
    pub kind: String,
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

impl Event {
    pub fn str(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(Value::as_str)
    }
    pub fn u64(&self, key: &str) -> Option<u64> {
        self.fields.get(key).and_then(Value::as_u64)
    }
}

impl Recorder {
    pub fn create(path: &Path) -> io::Result<Recorder> {
        Ok(Recorder {
            out: Arc::new(Mutex::new(BufWriter::new(File::create(path)?))),
        })
    }

    /// Records an event of `kind` with `fields` (a JSON object) at time `t`.
    pub fn at(&self, t: u64, kind: &str, fields: Value) {
        let mut obj = Map::new();
        obj.insert("t".into(), t.into());
        obj.insert("kind".into(), kind.into());
        if let Value::Object(f) = fields {
            obj.extend(f);
        }
        let line = Value::Object(obj).to_string();
        if let Ok(mut w) = self.out.lock() {
            // A full disk must not stop the lab mid-fault; the missing lines show in the
            // record, and the final flush reports the error.
            let _ = writeln!(w, "{line}");
        }
    }

    /// Records an event now.
    pub fn now(&self, kind: &str, fields: Value) {
        self.at(now_ns(), kind, fields)
    }

    pub fn flush(&self) -> io::Result<()> {
        self.out
            .lock()
            .map_err(|_| io::Error::other("recorder poisoned"))?
            .flush()
    }
}

/// Reads `events.jsonl`. Lines that do not parse are reported with their line number.
pub fn read(path: &Path) -> Result<Vec<Event>, String> {
    let text = crate::input::read_text(path, crate::input::RECORD_LIMIT)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    // A last line without its newline was being written when the run was killed: drop it
    // rather than refuse the record.
    let whole = if text.ends_with('\n') {
        text.as_str()
    } else {
        text.rfind('\n').map_or("", |i| &text[..=i])
    };
    whole
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))
        })
        .collect()
}
