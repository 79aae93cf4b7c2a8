//! Why a track file could not be read: which file, where in it, and why.

use std::fmt;

/// A track that could not be read. `Display` gives
/// `FILE: line N: ELEMENT: reason`, leaving out the parts that are unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackError {
    /// The file (or name) the text came from, when known.
    pub file: Option<String>,
    /// The line at fault, counting from 1, when known.
    pub line: Option<usize>,
    /// The element at fault (`trk[1]/trkseg[1]/trkpt[5]`,
    /// `features[2].geometry`), when the format has elements.
    pub element: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl TrackError {
    /// An error on `line` (1-based).
    pub fn at_line(line: usize, message: impl Into<String>) -> Self {
        TrackError { file: None, line: Some(line), element: None, message: message.into() }
    }

    /// An error in `element`.
    pub fn in_element(element: impl Into<String>, message: impl Into<String>) -> Self {
        TrackError { file: None, line: None, element: Some(element.into()), message: message.into() }
    }

    /// An error about the whole text.
    pub fn whole(message: impl Into<String>) -> Self {
        TrackError { file: None, line: None, element: None, message: message.into() }
    }

    /// The same error, naming the file it came from.
    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// The same error, with the line found for it.
    pub fn on_line(mut self, line: Option<usize>) -> Self {
        self.line = self.line.or(line);
        self
    }
}

impl fmt::Display for TrackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}: ")?;
        }
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if let Some(element) = &self.element {
            write!(f, "{element}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for TrackError {}
