//! The blobs of an image, from a tar archive or a directory, and the list of its layers.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{host_platform, ImageError, Selection};

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
        let mut archive = tar::Archive::new(super::tar_guard::TarGuard::new(file));
        let mut entries = HashMap::new();
        // Seeking past every member's data: indexing a multi-gigabyte `docker save`
        // reads its headers, not its layers.
        for entry in archive.entries_with_seek().map_err(io_error)? {
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

    /// The image's layer members, bottom first, of the image `selection` names.
    pub fn layers(&self, selection: &Selection) -> Result<Vec<String>, ImageError> {
        // docker save: manifest.json lists each image's tags and layers.
        if let Some(manifest) = self.json("manifest.json")? {
            let images = manifest
                .as_array()
                .filter(|images| !images.is_empty())
                .ok_or_else(|| ImageError::Format("manifest.json lists no image".into()))?;
            let tags = |image: &Value| -> Vec<String> {
                image
                    .get("RepoTags")
                    .and_then(Value::as_array)
                    .map(|tags| {
                        tags.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let image = match (&selection.reference, images.len()) {
                (None, 1) => &images[0],
                (None, _) => {
                    return Err(ImageError::Choose(format!(
                        "the archive holds {} images; name one with --image-ref: {}",
                        images.len(),
                        images
                            .iter()
                            .map(|i| tags(i).join(" "))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )))
                }
                (Some(wanted), _) => images
                    .iter()
                    .find(|image| {
                        tags(image)
                            .iter()
                            .any(|t| t == wanted || t.ends_with(&format!("/{wanted}")))
                    })
                    .ok_or_else(|| {
                        ImageError::Choose(format!(
                            "no image in the archive is tagged {}; it holds: {}",
                            given(wanted),
                            images
                                .iter()
                                .map(|i| tags(i).join(" "))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    })?,
            };
            let layers = image
                .get("Layers")
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
        let wanted = selection.platform.clone().unwrap_or_else(host_platform);
        let mut top = true;
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
            let mut manifests: Vec<&Value> = node
                .get("manifests")
                .and_then(Value::as_array)
                .filter(|m| !m.is_empty())
                .ok_or_else(|| ImageError::Format("the index lists no manifests".into()))?
                .iter()
                .collect();
            // The top index of an OCI layout may hold several images, named by ref.
            if top {
                let named = |m: &&Value| {
                    m.pointer("/annotations/org.opencontainers.image.ref.name")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                };
                if let Some(wanted_ref) = &selection.reference {
                    let found: Vec<&Value> = manifests
                        .iter()
                        .copied()
                        .filter(|m| named(m).as_deref() == Some(wanted_ref.as_str()))
                        .collect();
                    if found.is_empty() {
                        let names: Vec<String> = manifests
                            .iter()
                            .filter_map(named)
                            .map(|n| shown(&n))
                            .collect();
                        return Err(ImageError::Choose(format!(
                            "no image in the archive is named {}; it holds: {}",
                            given(wanted_ref),
                            if names.is_empty() {
                                "images with no name".into()
                            } else {
                                names.join(", ")
                            }
                        )));
                    }
                    manifests = found;
                }
                top = false;
            }
            let chosen = choose_platform(&manifests, &wanted, selection.platform.is_some())?;
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

/// Text from an archive as a message may show it: escaped and cut short.
fn shown(text: &str) -> String {
    let cut: String = text.chars().take(128).collect();
    cut.escape_debug().to_string()
}

/// A flag's value (`--image-ref`, `--platform`) as a message may show it: like text from
/// the archive, unless it looks like a token, which is never shown.
fn given(text: &str) -> String {
    if crate::redact::looks_like_secret(text) {
        crate::redact::NOT_SHOWN.to_string()
    } else {
        shown(text)
    }
}

/// The platform of an index entry: `os/arch[/variant]`, or `None` where it says none.
fn platform_of(manifest: &Value) -> Option<String> {
    let platform = manifest.get("platform")?;
    let os = platform
        .get("os")
        .and_then(Value::as_str)
        .unwrap_or("linux");
    let arch = platform.get("architecture").and_then(Value::as_str)?;
    Some(match platform.get("variant").and_then(Value::as_str) {
        Some(variant) => format!("{os}/{arch}/{variant}"),
        None => format!("{os}/{arch}"),
    })
}

/// The manifest for `wanted` among an index's entries. One entry with no platform is
/// the image (buildah writes such indexes). Without a `--platform` (`asked` false) a
/// single-platform index is taken as it is; otherwise the platform must match, a wanted
/// `linux/arm64` taking `linux/arm64/v8` too. Attestation entries (`unknown/unknown`)
/// are never images.
fn choose_platform<'a>(
    manifests: &[&'a Value],
    wanted: &str,
    asked: bool,
) -> Result<&'a Value, ImageError> {
    let images: Vec<&Value> = manifests
        .iter()
        .copied()
        .filter(|m| platform_of(m).as_deref() != Some("unknown/unknown"))
        .collect();
    if let [only] = images[..] {
        if !asked || platform_of(only).is_none() {
            return Ok(only);
        }
    }
    let matches = |m: &&Value| match platform_of(m) {
        Some(platform) => platform == wanted || platform.starts_with(&format!("{wanted}/")),
        None => false,
    };
    images.iter().copied().find(matches).ok_or_else(|| {
        let listed: Vec<String> = images
            .iter()
            .map(|m| platform_of(m).map_or("(no platform)".into(), |p| shown(&p)))
            .collect();
        ImageError::Choose(format!(
            "the image has no {} manifest; it holds: {}",
            given(wanted),
            listed.join(", ")
        ))
    })
}
