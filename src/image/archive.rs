//! The blobs of an image, from a tar archive or a directory, and the list of its layers.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::digest::Digest;
use super::tar_guard::TarGuard;
use super::{clean_path, host_platform, ImageError, Selection};

/// An image archive: a tar file (OCI archive, `docker save`) or an OCI layout directory.
pub struct ImageArchive {
    path: PathBuf,
    /// For a tar file: its members by cleaned name.
    entries: Option<HashMap<String, Member>>,
}

/// A member of an archive tar.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Member {
    /// A file: where its data starts in the tar, and its size.
    File { offset: u64, size: u64 },
    /// A symbolic or hard link to a member (old `docker save` archives link a layer to
    /// another image's identical one), its target resolved to a member name.
    Link(String),
    /// A directory, a device, anything else: no blob.
    Other,
}

/// One layer of the image chosen: the member holding it and the digests it must match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layer {
    /// The member name (`blobs/sha256/HEX`, `ID/layer.tar`).
    pub member: String,
    /// The digest of the member's bytes as stored (an OCI blob).
    pub stored: Option<Digest>,
    /// The digest of its tar once decompressed (a `docker save` config's `diff_ids`).
    pub uncompressed: Option<Digest>,
}

/// Manifests, indexes and configs are small; anything larger is not one.
const MAX_JSON: u64 = 16 << 20;

/// Links followed from one member to the next at most.
const MAX_LINKS: usize = 8;

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
        let guard = TarGuard::new(file);
        let view = guard.view();
        let mut archive = tar::Archive::new(guard);
        let mut entries = HashMap::new();
        let damaged = |e: io::Error| ImageError::Format(format!("the tar file is damaged: {e}"));
        // Seeking past every member's data: indexing a multi-gigabyte `docker save`
        // reads its headers, not its layers.
        for entry in archive.entries_with_seek().map_err(damaged)? {
            let entry = entry.map_err(damaged)?;
            let seen = view.borrow().clone().ok_or_else(|| disagree("an entry"))?;
            let name = clean_path(&String::from_utf8_lossy(&seen.name));
            if seen.name != *entry.path_bytes()
                || seen.size != entry.size()
                || seen.data_offset != entry.raw_file_position()
            {
                return Err(disagree(&name));
            }
            let member = match seen.kind {
                0 | b'0' => Member::File {
                    offset: seen.data_offset,
                    size: seen.size,
                },
                b'g' => continue,
                kind @ (b'1' | b'2') => {
                    let target = entry
                        .link_name_bytes()
                        .map(|t| String::from_utf8_lossy(&t).into_owned())
                        .unwrap_or_default();
                    // A hard link names a member from the archive's root, a symbolic
                    // link from its own directory.
                    let from = match (kind, name.rsplit_once('/')) {
                        (b'2', Some((dir, _))) if !target.starts_with('/') => {
                            format!("{dir}/{target}")
                        }
                        _ => target,
                    };
                    Member::Link(clean_path(&from))
                }
                _ => Member::Other,
            };
            if name.is_empty() {
                continue; // the archive's root directory
            }
            if entries.insert(name.clone(), member).is_some() {
                return Err(ImageError::Format(format!(
                    "the archive holds {} twice: which copy a runtime reads is not certain",
                    crate::redact::shown(&name)
                )));
            }
        }
        Ok(ImageArchive {
            path: path.to_path_buf(),
            entries: Some(entries),
        })
    }

    /// A reader over one member (`blobs/sha256/…`, `manifest.json`), a name the image's
    /// own JSON gives: a plain relative path, or refused.
    pub fn member(&self, name: &str) -> Result<Option<Box<dyn Read + '_>>, ImageError> {
        let io_error = |source| ImageError::Io {
            path: self.path.clone(),
            source,
        };
        let plain = !name.is_empty()
            && Path::new(name)
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        let Some(entries) = &self.entries else {
            if !plain {
                return Err(ImageError::Format(format!(
                    "the member name {} leaves the layout directory",
                    crate::redact::shown(name)
                )));
            }
            return self.layout_member(name);
        };
        if !plain {
            return Err(ImageError::Format(format!(
                "the member name {} leaves the archive",
                crate::redact::shown(name)
            )));
        }
        let mut name = clean_path(name);
        for _ in 0..=MAX_LINKS {
            match entries.get(&name) {
                None => return Ok(None),
                Some(Member::Other) => {
                    return Err(ImageError::Format(format!(
                        "{} in the archive is not a file",
                        crate::redact::shown(&name)
                    )))
                }
                Some(Member::Link(target)) => name = target.clone(),
                Some(&Member::File { offset, size }) => {
                    let mut file = File::open(&self.path).map_err(io_error)?;
                    file.seek(SeekFrom::Start(offset)).map_err(io_error)?;
                    return Ok(Some(Box::new(file.take(size))));
                }
            }
        }
        Err(ImageError::Format(format!(
            "{} in the archive is a chain of more than {MAX_LINKS} links",
            crate::redact::shown(&name)
        )))
    }

    /// A member of a layout directory. The names come from the image's own JSON: no
    /// symbolic link on the way may lead the reader to files outside the directory.
    fn layout_member(&self, name: &str) -> Result<Option<Box<dyn Read + '_>>, ImageError> {
        let mut path = self.path.clone();
        for part in Path::new(name).components() {
            path.push(part);
            match std::fs::symlink_metadata(&path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(source) => {
                    return Err(ImageError::Io {
                        path: path.clone(),
                        source,
                    })
                }
                Ok(metadata) if metadata.file_type().is_symlink() => {
                    return Err(ImageError::Format(format!(
                        "{} in the layout directory is a symbolic link, which could lead outside it",
                        crate::redact::shown(name)
                    )))
                }
                Ok(_) => {}
            }
        }
        if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            return Err(ImageError::Format(format!(
                "{} in the layout directory is not a regular file",
                crate::redact::shown(name)
            )));
        }
        let file = File::open(&path).map_err(|source| ImageError::Io { path, source })?;
        Ok(Some(Box::new(file)))
    }

    /// A JSON member, checked against `digest` when it has one.
    fn json(&self, name: &str, digest: Option<&Digest>) -> Result<Option<Value>, ImageError> {
        let Some(reader) = self.member(name)? else {
            return Ok(None);
        };
        let mut bytes = Vec::new();
        reader
            .take(MAX_JSON + 1)
            .read_to_end(&mut bytes)
            .map_err(|source| ImageError::Io {
                path: self.path.clone(),
                source,
            })?;
        let shown = crate::redact::shown(name);
        if bytes.len() as u64 > MAX_JSON {
            return Err(ImageError::Format(format!(
                "{shown} is larger than any manifest or config"
            )));
        }
        if let Some(digest) = digest {
            digest.check(name, &bytes)?;
        }
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| ImageError::Format(format!("{shown} is not valid JSON ({e})")))
    }

    /// A blob named by digest, checked against it.
    fn blob(&self, digest: &Digest) -> Result<Value, ImageError> {
        let name = digest.blob_name();
        self.json(&name, Some(digest))?
            .ok_or_else(|| ImageError::Format(format!("{name} is missing from the archive")))
    }

    /// The image's layers, bottom first, of the image `selection` names. An archive that
    /// is both a `docker save` and an OCI layout (as Docker 25 writes) must name the same
    /// layers both ways.
    pub fn layers(&self, selection: &Selection) -> Result<Vec<Layer>, ImageError> {
        let docker = self
            .json("manifest.json", None)?
            .map(|manifest| self.docker_layers(&manifest, selection))
            .transpose()?;
        let oci = self
            .json("index.json", None)?
            .map(|index| self.oci_layers(index, selection))
            .transpose()?;
        match (docker, oci) {
            (Some(docker), Some(oci)) => {
                let members = |layers: &[Layer]| -> Vec<String> {
                    layers.iter().map(|l| l.member.clone()).collect()
                };
                if members(&docker) != members(&oci) {
                    return Err(ImageError::Format(
                        "manifest.json (docker save) and index.json (OCI) name different layers; which a runtime loads depends on the runtime".into(),
                    ));
                }
                Ok(oci
                    .into_iter()
                    .zip(docker)
                    .map(|(o, d)| Layer {
                        uncompressed: d.uncompressed,
                        ..o
                    })
                    .collect())
            }
            (Some(layers), None) | (None, Some(layers)) => Ok(layers),
            (None, None) => Err(ImageError::Format(
                "neither manifest.json (docker save) nor index.json (OCI) is in it".into(),
            )),
        }
    }

    /// docker save: manifest.json lists each image's tags, config and layers; the
    /// config's `diff_ids` are the digests of the layers' tars.
    fn docker_layers(
        &self,
        manifest: &Value,
        selection: &Selection,
    ) -> Result<Vec<Layer>, ImageError> {
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
        let listed = |images: &[&Value]| {
            images
                .iter()
                .map(|i| match tags(i).as_slice() {
                    [] => "(untagged)".to_string(),
                    tags => tags
                        .iter()
                        .map(|t| crate::redact::shown(t))
                        .collect::<Vec<_>>()
                        .join(" "),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let all: Vec<&Value> = images.iter().collect();
        let mut candidates = match &selection.reference {
            None => all.clone(),
            Some(wanted) => {
                let found = by_reference(&all, |i| tags(i), wanted)?;
                if found.is_empty() {
                    return Err(ImageError::Choose(format!(
                        "no image in the archive is tagged {}; it holds: {}",
                        given(wanted),
                        listed(&all)
                    )));
                }
                found
            }
        };
        let config_of = |image: &Value| -> Result<(String, Value), ImageError> {
            let name = image
                .get("Config")
                .and_then(Value::as_str)
                .ok_or_else(|| ImageError::Format("manifest.json names no Config".into()))?;
            let digest = config_digest(name);
            let config = self.json(name, digest.as_ref())?.ok_or_else(|| {
                ImageError::Format(format!(
                    "{} is missing from the archive",
                    crate::redact::shown(name)
                ))
            })?;
            Ok((name.to_string(), config))
        };
        if let Some(wanted) = &selection.platform {
            let platforms = candidates
                .iter()
                .map(|image| config_of(image).map(|(_, config)| platform_of_config(&config)))
                .collect::<Result<Vec<_>, _>>()?;
            let chosen = choose_platform(&platforms, wanted, true)?;
            candidates = vec![candidates[chosen]];
        }
        let image = match candidates[..] {
            [image] => image,
            _ => {
                return Err(ImageError::Choose(format!(
                    "the archive holds {} images{}; name one with --image-ref: {}",
                    candidates.len(),
                    if selection.reference.is_some() {
                        " so tagged"
                    } else {
                        ""
                    },
                    listed(&candidates)
                )))
            }
        };
        let (config_name, config) = config_of(image)?;
        let layers = image
            .get("Layers")
            .and_then(Value::as_array)
            .ok_or_else(|| ImageError::Format("manifest.json lists no Layers".into()))?;
        let diff_ids = config
            .pointer("/rootfs/diff_ids")
            .and_then(Value::as_array)
            .filter(|ids| ids.len() == layers.len())
            .ok_or_else(|| {
                ImageError::Format(format!(
                    "{} does not list one diff_id for each of the {} layers, so they cannot be checked",
                    crate::redact::shown(&config_name),
                    layers.len()
                ))
            })?;
        layers
            .iter()
            .zip(diff_ids)
            .map(|(layer, diff_id)| {
                let member = layer
                    .as_str()
                    .ok_or_else(|| ImageError::Format("a layer path is not a string".into()))?;
                let diff_id = diff_id
                    .as_str()
                    .ok_or_else(|| ImageError::Format("a diff_id is not a string".into()))?;
                Ok(Layer {
                    member: member.to_string(),
                    stored: Digest::of_blob_name(member),
                    uncompressed: Some(Digest::parse(diff_id)?),
                })
            })
            .collect()
    }

    /// OCI: index.json → (nested indexes →) a manifest → its layers, every blob on the
    /// way checked against its digest.
    fn oci_layers(&self, index: Value, selection: &Selection) -> Result<Vec<Layer>, ImageError> {
        let mut node = index;
        let wanted = selection.platform.clone().unwrap_or_else(host_platform);
        let mut top = true;
        // Whether an index entry gave the platform of the manifest reached.
        let mut platform_known = false;
        for _ in 0..4 {
            if let Some(layers) = node.get("layers").and_then(Value::as_array) {
                if selection.platform.is_some() && !platform_known {
                    // An index entry without a platform (buildah writes them): the
                    // config says which it is.
                    self.check_config_platform(&node, &wanted)?;
                }
                let mut found = Vec::new();
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
                    let digest = Digest::parse(
                        layer
                            .get("digest")
                            .and_then(Value::as_str)
                            .ok_or_else(|| ImageError::Format("a layer has no digest".into()))?,
                    )?;
                    found.push(Layer {
                        member: digest.blob_name(),
                        stored: Some(digest),
                        uncompressed: None,
                    });
                }
                return Ok(found);
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
                let names = |m: &Value| -> Vec<String> {
                    [
                        "org.opencontainers.image.ref.name",
                        "io.containerd.image.name",
                    ]
                    .iter()
                    .filter_map(|key| m.get("annotations")?.get(key)?.as_str())
                    .map(str::to_string)
                    .collect()
                };
                if let Some(wanted_ref) = &selection.reference {
                    let found = by_reference(&manifests, |m| names(m), wanted_ref)?;
                    if found.is_empty() {
                        let held: Vec<String> = manifests
                            .iter()
                            .flat_map(|m| names(m))
                            .map(|n| crate::redact::shown(&n))
                            .collect();
                        return Err(ImageError::Choose(format!(
                            "no image in the archive is named {}; it holds: {}",
                            given(wanted_ref),
                            if held.is_empty() {
                                "images with no name".into()
                            } else {
                                held.join(", ")
                            }
                        )));
                    }
                    manifests = found;
                }
                top = false;
            }
            let platforms: Vec<Option<String>> = manifests.iter().map(|m| platform_of(m)).collect();
            let chosen = choose_platform(&platforms, &wanted, selection.platform.is_some())?;
            platform_known = platforms[chosen].is_some();
            let chosen = manifests[chosen];
            let digest = Digest::parse(
                chosen
                    .get("digest")
                    .and_then(Value::as_str)
                    .ok_or_else(|| ImageError::Format("a manifest entry has no digest".into()))?,
            )?;
            node = self.blob(&digest)?;
        }
        Err(ImageError::Format("the index nests too deeply".into()))
    }
}

impl ImageArchive {
    /// Refuses an OCI manifest whose config names another platform than `wanted`.
    fn check_config_platform(&self, manifest: &Value, wanted: &str) -> Result<(), ImageError> {
        let digest = manifest
            .pointer("/config/digest")
            .and_then(Value::as_str)
            .ok_or_else(|| ImageError::Format("a manifest names no config".into()))?;
        let config = self.blob(&Digest::parse(digest)?)?;
        choose_platform(&[platform_of_config(&config)], wanted, true).map(|_| ())
    }
}

/// The digest a `docker save` config's name carries: `blobs/ALG/HEX` (Docker 25) or
/// `HEX.json` (the image id, the config's SHA-256).
fn config_digest(name: &str) -> Option<Digest> {
    Digest::of_blob_name(name).or_else(|| {
        let hex = name.strip_suffix(".json")?;
        Digest::parse(&format!("sha256:{hex}")).ok()
    })
}

/// A reference as Docker compares them: `app` is `app:latest`, and `docker.io/`,
/// `docker.io/library/` and `library/` are the default registry's prefixes.
fn familiar(reference: &str) -> String {
    let last = reference.rsplit('/').next().unwrap_or(reference);
    let mut reference = if last.contains([':', '@']) {
        reference.to_string()
    } else {
        format!("{reference}:latest")
    };
    for prefix in ["docker.io/", "index.docker.io/", "library/"] {
        if let Some(rest) = reference.strip_prefix(prefix) {
            reference = rest.to_string();
        }
    }
    reference
}

/// The images `wanted` names: those with a name equal to it (in Docker's familiar
/// form), else those with a name ending in `/wanted` (any registry). Refused when
/// several images match under different names: two registries' `app:1` are two images.
fn by_reference<'a>(
    images: &[&'a Value],
    names: impl Fn(&Value) -> Vec<String>,
    wanted: &str,
) -> Result<Vec<&'a Value>, ImageError> {
    let wanted = familiar(wanted);
    let suffix = format!("/{wanted}");
    for matches in [
        &(|name: &str| name == wanted) as &dyn Fn(&str) -> bool,
        &|name: &str| name.ends_with(&suffix),
    ] {
        let mut found = Vec::new();
        let mut matched: Vec<String> = Vec::new();
        for image in images {
            let hits: Vec<String> = names(image)
                .iter()
                .map(|n| familiar(n))
                .filter(|n| matches(n))
                .collect();
            if !hits.is_empty() {
                found.push(*image);
                for hit in hits {
                    if !matched.contains(&hit) {
                        matched.push(hit);
                    }
                }
            }
        }
        // One image under two names is one image; two images under two names are a
        // choice.
        if found.len() > 1 && matched.len() > 1 {
            return Err(ImageError::Choose(format!(
                "{} names more than one image in the archive: {}",
                given(&wanted),
                matched
                    .iter()
                    .map(|m| crate::redact::shown(m))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if !found.is_empty() {
            return Ok(found);
        }
    }
    Ok(Vec::new())
}

/// A flag's value (`--image-ref`, `--platform`) as a message may show it: like text from
/// the archive, unless it looks like a token, which is never shown.
fn given(text: &str) -> String {
    if crate::redact::looks_like_secret(text) {
        crate::redact::NOT_SHOWN.to_string()
    } else {
        crate::redact::shown(text)
    }
}

/// The platform of an index entry: `os/arch[/variant]`, or `None` where it says none.
fn platform_of(manifest: &Value) -> Option<String> {
    platform_in(manifest.get("platform")?)
}

/// The platform a `docker save` config gives its image.
fn platform_of_config(config: &Value) -> Option<String> {
    platform_in(config)
}

fn platform_in(platform: &Value) -> Option<String> {
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

/// Which of an index's entries (given by platform) is `wanted`. One entry with no
/// platform is the image (buildah writes such indexes). Without a `--platform` (`asked`
/// false) a single-platform index is taken as it is; otherwise the platform must match:
/// exactly, or else as a prefix (`linux/arm64` taking `linux/arm64/v8`), and one entry
/// only, or the choice is refused with the candidates. Attestation entries
/// (`unknown/unknown`) are never images.
fn choose_platform(
    platforms: &[Option<String>],
    wanted: &str,
    asked: bool,
) -> Result<usize, ImageError> {
    let images: Vec<usize> = (0..platforms.len())
        .filter(|i| platforms[*i].as_deref() != Some("unknown/unknown"))
        .collect();
    let listed = |indexes: &[usize]| {
        indexes
            .iter()
            .map(|i| {
                platforms[*i]
                    .as_deref()
                    .map_or("(no platform)".into(), crate::redact::shown)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let [only] = images[..] {
        if !asked || platforms[only].is_none() {
            return Ok(only);
        }
    }
    let prefix = format!("{wanted}/");
    for matches in [
        &(|p: &str| p == wanted) as &dyn Fn(&str) -> bool,
        &|p: &str| p.starts_with(&prefix),
    ] {
        let found: Vec<usize> = images
            .iter()
            .copied()
            .filter(|i| platforms[*i].as_deref().is_some_and(matches))
            .collect();
        match found[..] {
            [] => continue,
            [one] => return Ok(one),
            _ => {
                return Err(ImageError::Choose(format!(
                    "{} matches more than one manifest: {}",
                    given(wanted),
                    listed(&found)
                )))
            }
        }
    }
    Err(ImageError::Choose(format!(
        "the image has no {} manifest; it holds: {}",
        given(wanted),
        listed(&images)
    )))
}

/// What to say when the guard and the tar crate read an entry differently (the guard
/// refuses every header known to allow that; this is the check that it did).
fn disagree(name: &str) -> ImageError {
    ImageError::Format(format!(
        "tar readers disagree about {}: refused",
        crate::redact::shown(name)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_compare_as_docker_compares_them() {
        assert_eq!(familiar("app"), "app:latest");
        assert_eq!(familiar("docker.io/library/app:1"), "app:1");
        assert_eq!(familiar("library/app:1"), "app:1");
        assert_eq!(familiar("localhost:5000/app"), "localhost:5000/app:latest");
        assert_eq!(familiar("ghcr.io/o/app:1"), "ghcr.io/o/app:1");
    }

    #[test]
    fn a_platform_is_chosen_exactly_or_refused() {
        let p = |s: &[&str]| s.iter().map(|p| Some(p.to_string())).collect::<Vec<_>>();
        let both = p(&["linux/arm64/v8", "linux/arm64", "linux/amd64"]);
        assert_eq!(choose_platform(&both, "linux/arm64", true).unwrap(), 1);
        assert_eq!(choose_platform(&both, "linux/arm64/v8", true).unwrap(), 0);
        let error = choose_platform(&both, "linux", true)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(
                "linux matches more than one manifest: linux/arm64/v8, linux/arm64, linux/amd64"
            ),
            "{error}"
        );
        let twice = p(&["linux/amd64", "linux/amd64"]);
        assert!(choose_platform(&twice, "linux/amd64", false).is_err());
        let one = p(&["linux/s390x", "unknown/unknown"]);
        assert_eq!(choose_platform(&one, "linux/amd64", false).unwrap(), 0);
        assert!(choose_platform(&one, "linux/amd64", true).is_err());
        let shown = choose_platform(&p(&["linux/\u{1b}[31m"]), "linux/x\u{202e}", true)
            .unwrap_err()
            .to_string();
        assert!(!shown.contains(['\u{1b}', '\u{202e}']), "{shown}");
    }
}
