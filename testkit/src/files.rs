//! [`FileWorld`]: a file system in memory in front of another world (a server).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use alibabacloud_credentials_core::{FileError, FileRead, HttpRequest, Now, TransportError};

use crate::drive::World;

/// Serves file reads from a map (and scripted errors), and passes requests to `inner`.
///
/// Reads honour the effect's size limit the way drivers do: a file longer than `max_len` is
/// [`FileError::TooLarge`].
#[derive(Debug)]
pub struct FileWorld<W> {
    /// Path to contents.
    pub files: HashMap<PathBuf, Vec<u8>>,
    /// Paths whose reads fail with this error (checked before `files`).
    pub errors: HashMap<PathBuf, FileError>,
    /// The world behind (a server).
    pub inner: W,
    reads: Vec<PathBuf>,
}

impl<W: World> FileWorld<W> {
    /// No files yet, in front of `inner`.
    pub fn new(inner: W) -> Self {
        FileWorld { files: HashMap::new(), errors: HashMap::new(), inner, reads: Vec::new() }
    }

    /// Creates or replaces a file.
    pub fn write(&mut self, path: impl AsRef<Path>, contents: impl Into<Vec<u8>>) {
        self.files.insert(path.as_ref().to_owned(), contents.into());
    }

    /// Deletes a file.
    pub fn remove(&mut self, path: impl AsRef<Path>) {
        self.files.remove(path.as_ref());
    }

    /// Makes reads of `path` fail with `error`.
    pub fn fail(&mut self, path: impl AsRef<Path>, error: FileError) {
        self.errors.insert(path.as_ref().to_owned(), error);
    }

    /// Every path read so far, in order.
    pub fn reads(&self) -> &[PathBuf] {
        &self.reads
    }
}

impl<W: World> World for FileWorld<W> {
    fn serve(&mut self, req: &HttpRequest, now: Now) -> (Result<http::Response<Vec<u8>>, TransportError>, Duration) {
        self.inner.serve(req, now)
    }

    fn read_file(&mut self, file: &FileRead) -> Result<Vec<u8>, FileError> {
        self.reads.push(file.path.clone());
        if let Some(e) = self.errors.get(&file.path) {
            return Err(e.clone());
        }
        let bytes = self.files.get(&file.path).ok_or(FileError::NotFound)?;
        // Drivers read at most `max_len + 1` bytes, then check.
        file.accept(bytes.iter().take(file.max_len.saturating_add(1)).copied().collect())
    }
}
