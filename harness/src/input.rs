//! Opening the files a user names (scenarios, run directories' records, captures): only
//! regular files, read with a size limit, so that `/dev/zero`, a FIFO or a directory get a
//! clear error instead of a hang or an exhausted memory.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The largest scenario file vrlab reads (a scenario of hundreds of nodes is a few hundred KiB).
pub const SCENARIO_LIMIT: u64 = 1 << 20;
/// The largest JSON record of a run directory vrlab reads (`run.json`, `events.jsonl`).
pub const RECORD_LIMIT: u64 = 256 << 20;

/// Why a named file was not read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{what}, not a regular file")]
    NotRegular { path: PathBuf, what: &'static str },
    #[error("{size} bytes or more; at most {limit} are read from such a file")]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("{source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl InputError {
    /// The underlying I/O error kind (`NotFound` and the like), if that is what it is.
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            InputError::Io { source, .. } => Some(source.kind()),
            _ => None,
        }
    }
}

/// What a file that is not regular is, in words.
fn kind_of(t: std::fs::FileType) -> Option<&'static str> {
    if t.is_file() {
        None
    } else if t.is_dir() {
        Some("a directory")
    } else if t.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if t.is_char_device() {
        Some("a character device")
    } else if t.is_block_device() {
        Some("a block device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        Some("not a file")
    }
}

/// Opens `path` for reading if it is a regular file. The open does not block on a FIFO
/// (O_NONBLOCK), and the type is checked on the opened file, not on its name.
pub fn open_regular(path: &Path) -> Result<File, InputError> {
    let io = |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(io)?;
    if let Some(what) = kind_of(file.metadata().map_err(io)?.file_type()) {
        return Err(InputError::NotRegular {
            path: path.to_path_buf(),
            what,
        });
    }
    Ok(file)
}

/// Reads a regular file of at most `limit` bytes.
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let file = open_regular(path)?;
    let mut data = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut data)
        .map_err(|source| InputError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if data.len() as u64 > limit {
        return Err(InputError::TooLarge {
            path: path.to_path_buf(),
            size: data.len() as u64,
            limit,
        });
    }
    Ok(data)
}

/// Reads a regular UTF-8 text file of at most `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<String, InputError> {
    String::from_utf8(read_bytes(path, limit)?).map_err(|e| InputError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_device_is_refused_without_reading_it() {
        let e = read_text(Path::new("/dev/zero"), SCENARIO_LIMIT).unwrap_err();
        assert_eq!(e.to_string(), "a character device, not a regular file");
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pipe");
        nix::unistd::mkfifo(&p, nix::sys::stat::Mode::S_IRWXU).unwrap();
        let e = read_text(&p, SCENARIO_LIMIT).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("a FIFO (named pipe), not a regular file"),
            "{e}"
        );
    }

    #[test]
    fn a_directory_is_refused() {
        let e = read_text(Path::new("/"), SCENARIO_LIMIT).unwrap_err();
        assert_eq!(e.to_string(), "a directory, not a regular file");
    }

    #[test]
    fn a_file_over_the_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        std::fs::write(&p, vec![b'#'; 11]).unwrap();
        assert_eq!(read_text(&p, 11).unwrap().len(), 11);
        let e = read_text(&p, 10).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("11 bytes or more; at most 10 are read from such a file"),
            "{e}"
        );
    }

    #[test]
    fn binary_is_not_text() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bin");
        std::fs::write(&p, [b'a', 0xff, b'b']).unwrap();
        let e = read_text(&p, 10).unwrap_err();
        assert!(e.to_string().ends_with("not UTF-8 text (byte 1)"), "{e}");
    }
}
