//! The blobs of an image, from a tar archive or a directory, and the list of its layers.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::ImageError;

/// An image archive: a tar file (OCI archive, `docker save`) or an OCI layout directory.
pub struct ImageArchive {
    path: PathBuf,
    /// For a tar file: entry name → (offset of its data, size).
    entries: Option<HashMap<String, (u64, u64)>>,
}

/// Manifests and indexes are small; anything larger is not one.
const MAX_JSON: u64 = 16 << 20;

fn normalize(name: &str) -> String {
    name.trim_start_matches("./")
        .trim_start_matches('/')
        .to_string()
}

impl ImageArchive {
    /// Opens an archive or a layout directory, indexing a tar file's entries.
    pub fn open(path: &Path) -> Result<Self, ImageError> {
        let io_error = |source| ImageError::Io {
            path: path.to_path_buf(),
            source,
        };
        let metadata = std::fs::metadata(path).map_err(io_error)?;
        if metadata.is_dir() {
            return Ok(ImageArchive {
                path: path.to_path_buf(),
                entries: None,
            });
        }
        let file = File::open(path).map_err(io_error)?;
        let mut archive = tar::Archive::new(file);
        let mut entries = HashMap::new();
        for entry in archive.entries().map_err(io_error)? {
            let entry =
                entry.map_err(|e| ImageError::Format(format!("the tar file is damaged: {e}")))?;
            let name = entry
                .path()
                .map_err(io_error)?
                .to_string_lossy()
                .into_owned();
            entries.insert(normalize(&name), (entry.raw_file_position(), entry.size()));
        }
        Ok(ImageArchive {
            path: path.to_path_buf(),
            entries: Some(entries),
        })
    }

    /// A reader over one member (`blobs/sha256/…`, `manifest.json`).
    pub fn member(&self, name: &str) -> Result<Option<Box<dyn Read + '_>>, ImageError> {
        let io_error = |source| ImageError::Io {
            path: self.path.clone(),
            source,
        };
        let name = normalize(name);
        match &self.entries {
            None => {
                // The names come from the image's own JSON: a layout directory must not
                // lead the reader to files outside it.
                if Path::new(&name)
                    .components()
                    .any(|c| !matches!(c, std::path::Component::Normal(_)))
                {
                    return Err(ImageError::Format(format!(
                        "the member name {name:?} leaves the layout directory"
                    )));
                }
                let path = self.path.join(&name);
                match File::open(&path) {
                    Ok(file) => Ok(Some(Box::new(file))),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(io_error(e)),
                }
            }
            Some(entries) => match entries.get(&name) {
                None => Ok(None),
                Some(&(offset, size)) => {
                    let mut file = File::open(&self.path).map_err(io_error)?;
                    file.seek(SeekFrom::Start(offset)).map_err(io_error)?;
                    Ok(Some(Box::new(file.take(size))))
                }
            },
        }
    }

    fn json(&self, name: &str) -> Result<Option<Value>, ImageError> {
        let Some(reader) = self.member(name)? else {
            return Ok(None);
        };
        let mut bytes = Vec::new();
        reader
            .take(MAX_JSON)
            .read_to_end(&mut bytes)
            .map_err(|source| ImageError::Io {
                path: self.path.clone(),
                source,
            })?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| ImageError::Format(format!("{name} is not valid JSON ({e})")))
    }

    fn blob_name(digest: &str) -> Result<String, ImageError> {
        let (algorithm, hex) = digest
            .split_once(':')
            .ok_or_else(|| ImageError::Format(format!("bad digest {digest:?}")))?;
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) || algorithm.contains(['/', '.']) {
            return Err(ImageError::Format(format!("bad digest {digest:?}")));
        }
        Ok(format!("blobs/{algorithm}/{hex}"))
    }

    /// The image's layer members, bottom first.
    pub fn layers(&self) -> Result<Vec<String>, ImageError> {
        // docker save: manifest.json lists the layers as member paths.
        if let Some(manifest) = self.json("manifest.json")? {
            let layers = manifest
                .get(0)
                .and_then(|m| m.get("Layers"))
                .and_then(Value::as_array)
                .ok_or_else(|| ImageError::Format("manifest.json lists no Layers".into()))?;
            return layers
                .iter()
                .map(|l| {
                    l.as_str()
                        .map(normalize)
                        .ok_or_else(|| ImageError::Format("a layer path is not a string".into()))
                })
                .collect();
        }
        // OCI: index.json → (nested indexes →) a manifest → its layers.
        let mut node = self.json("index.json")?.ok_or_else(|| {
            ImageError::Format(
                "neither manifest.json (docker save) nor index.json (OCI) is in it".into(),
            )
        })?;
        for _ in 0..4 {
            if let Some(layers) = node.get("layers").and_then(Value::as_array) {
                let mut names = Vec::new();
                for layer in layers {
                    let media = layer
                        .get("mediaType")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    if media.contains("zstd") {
                        return Err(ImageError::Format(
                            "zstd-compressed layers are not supported".into(),
                        ));
                    }
                    let digest = layer
                        .get("digest")
                        .and_then(Value::as_str)
                        .ok_or_else(|| ImageError::Format("a layer has no digest".into()))?;
                    names.push(Self::blob_name(digest)?);
                }
                return Ok(names);
            }
            let manifests = node
                .get("manifests")
                .and_then(Value::as_array)
                .filter(|m| !m.is_empty())
                .ok_or_else(|| ImageError::Format("the index lists no manifests".into()))?;
            // The linux/amd64 manifest where there are several, else the first.
            let chosen = manifests
                .iter()
                .find(|m| {
                    m.pointer("/platform/architecture").and_then(Value::as_str) == Some("amd64")
                })
                .unwrap_or(&manifests[0]);
            let digest = chosen
                .get("digest")
                .and_then(Value::as_str)
                .ok_or_else(|| ImageError::Format("a manifest entry has no digest".into()))?;
            let name = Self::blob_name(digest)?;
            node = self
                .json(&name)?
                .ok_or_else(|| ImageError::Format(format!("{name} is missing from the archive")))?;
        }
        Err(ImageError::Format("the index nests too deeply".into()))
    }
}
