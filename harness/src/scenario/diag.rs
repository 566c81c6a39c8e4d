//! Errors in scenario files, located by line and column.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line and column of the start of the offending text.
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The source line, for display under the message.
    pub source_line: String,
    /// Width of the underline (at least one character).
    pub width: usize,
}

/// A scenario file that cannot be used, with every problem found in it.
#[derive(Debug, Clone)]
pub struct ScenarioError {
    pub path: PathBuf,
    pub diagnostics: Vec<Diagnostic>,
}

impl ScenarioError {
    /// An error not tied to a place in the file (the file cannot be read, say).
    pub fn whole_file(path: &Path, message: String) -> Self {
        ScenarioError {
            path: path.to_path_buf(),
            diagnostics: vec![Diagnostic {
                line: 1,
                column: 1,
                message,
                source_line: String::new(),
                width: 0,
            }],
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "{}:{}:{}: error: {}",
                self.path.display(),
                d.line,
                d.column,
                d.message
            )?;
            if !d.source_line.is_empty() {
                let gutter = d.line.to_string().len();
                write!(
                    f,
                    "\n{:gutter$} |\n{} | {}\n{:gutter$} | {}{}",
                    "",
                    d.line,
                    d.source_line,
                    "",
                    " ".repeat(d.column.saturating_sub(1)),
                    "^".repeat(d.width.max(1)),
                )?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// Collects diagnostics against one source text.
pub(crate) struct Diagnostics<'a> {
    source: &'a str,
    pub(crate) found: Vec<Diagnostic>,
}

impl<'a> Diagnostics<'a> {
    pub(crate) fn new(source: &'a str) -> Self {
        Diagnostics {
            source,
            found: Vec::new(),
        }
    }

    /// Where `span` is, without reporting anything.
    pub(crate) fn locate(&self, span: Range<usize>) -> Diagnostic {
        locate(self.source, span, String::new())
    }

    pub(crate) fn at(&mut self, span: Range<usize>, message: impl Into<String>) {
        let d = locate(self.source, span, message.into());
        self.found.push(d);
    }
}

/// Turns a byte range into a line/column diagnostic.
pub(crate) fn locate(source: &str, span: Range<usize>, message: String) -> Diagnostic {
    let start = span.start.min(source.len());
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    let line = source[..start].matches('\n').count() + 1;
    let column = source[line_start..start].chars().count() + 1;
    let end = span.end.clamp(start, line_end);
    Diagnostic {
        line,
        column,
        message,
        source_line: source[line_start..line_end]
            .trim_end_matches('\r')
            .to_string(),
        width: source[start..end].chars().count(),
    }
}
