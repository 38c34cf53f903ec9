//! Applying layers in order to find one file, as a container runtime would see it.

use std::io::{BufRead, BufReader, Read};

use flate2::read::GzDecoder;

use super::{ImageArchive, ImageError, MAX_FILE_BYTES};

fn normalize(path: &str) -> String {
    path.trim_start_matches("./")
        .trim_start_matches('/')
        .trim_end_matches('/')
        .to_string()
}

fn is_within(path: &str, dir: &str) -> bool {
    dir.is_empty() || path == dir || path.starts_with(&format!("{dir}/"))
}

/// The file at `target` after applying `layers` bottom to top, or None if no layer has
/// it or a later layer removed it.
pub fn find_in_layers(
    image: &ImageArchive,
    layers: &[String],
    target: &str,
) -> Result<Option<Vec<u8>>, ImageError> {
    let target = normalize(target);
    let mut found: Option<Vec<u8>> = None;
    for layer in layers {
        let reader = image.member(layer)?.ok_or_else(|| {
            ImageError::Format(format!("layer {layer} is missing from the archive"))
        })?;
        let mut reader = BufReader::new(reader);
        let gzip = reader
            .fill_buf()
            .map(|b| b.starts_with(&[0x1f, 0x8b]))
            .unwrap_or(false);
        let stream: Box<dyn Read> = if gzip {
            Box::new(GzDecoder::new(reader))
        } else {
            Box::new(reader)
        };
        let mut archive = tar::Archive::new(stream);
        let damaged =
            |e: std::io::Error| ImageError::Format(format!("layer {layer} is damaged: {e}"));
        for entry in archive.entries().map_err(damaged)? {
            let mut entry = entry.map_err(damaged)?;
            let name = normalize(&entry.path().map_err(damaged)?.to_string_lossy());
            let (dir, base) = match name.rsplit_once('/') {
                Some((dir, base)) => (dir.to_string(), base.to_string()),
                None => (String::new(), name.clone()),
            };
            if base == ".wh..wh..opq" {
                // An opaque directory hides everything lower layers put in it.
                if target != dir && is_within(&target, &dir) {
                    found = None;
                }
            } else if let Some(removed) = base.strip_prefix(".wh.") {
                let removed = if dir.is_empty() {
                    removed.to_string()
                } else {
                    format!("{dir}/{removed}")
                };
                if is_within(&target, &removed) {
                    found = None;
                }
            } else if name == target {
                let kind = entry.header().entry_type();
                if !kind.is_file() {
                    return Err(ImageError::Format(format!(
                        "/{target} in the image is not a regular file (a link or a directory)"
                    )));
                }
                if entry.size() > MAX_FILE_BYTES {
                    return Err(ImageError::Format(format!(
                        "/{target} is larger than any snapshot"
                    )));
                }
                let mut bytes = Vec::with_capacity(entry.size() as usize);
                entry.read_to_end(&mut bytes).map_err(damaged)?;
                found = Some(bytes);
            } else if is_within(&target, &name) && !entry.header().entry_type().is_dir() {
                // A file or link replaced a parent directory of the target.
                found = None;
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::GzEncoder;
    use serde_json::json;

    use super::*;

    /// A layer tar holding (path, contents) files; None contents make a directory.
    fn layer(files: &[(&str, Option<&str>)], gzip: bool) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, contents) in files {
            let mut header = tar::Header::new_gnu();
            match contents {
                Some(text) => {
                    header.set_size(text.len() as u64);
                    header.set_entry_type(tar::EntryType::Regular);
                    header.set_mode(0o644);
                    builder
                        .append_data(&mut header, path, text.as_bytes())
                        .unwrap();
                }
                None => {
                    header.set_size(0);
                    header.set_entry_type(tar::EntryType::Directory);
                    header.set_mode(0o755);
                    builder.append_data(&mut header, path, &[][..]).unwrap();
                }
            }
        }
        let plain = builder.into_inner().unwrap();
        if !gzip {
            return plain;
        }
        let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(&plain).unwrap();
        encoder.finish().unwrap()
    }

    /// An OCI layout directory with these layers.
    fn layout(layers: &[Vec<u8>]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let blobs = dir.path().join("blobs/sha256");
        std::fs::create_dir_all(&blobs).unwrap();
        let mut descriptors = Vec::new();
        for (index, bytes) in layers.iter().enumerate() {
            let digest = format!("{index:064x}");
            std::fs::write(blobs.join(&digest), bytes).unwrap();
            descriptors.push(json!({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": format!("sha256:{digest}")}));
        }
        let manifest = json!({"layers": descriptors}).to_string();
        std::fs::write(blobs.join("f".repeat(64)), manifest).unwrap();
        let index = json!({"manifests": [{"digest": format!("sha256:{}", "f".repeat(64))}]});
        std::fs::write(dir.path().join("index.json"), index.to_string()).unwrap();
        dir
    }

    fn find(layers: &[Vec<u8>], target: &str) -> Option<String> {
        let dir = layout(layers);
        let image = ImageArchive::open(dir.path()).unwrap();
        let names = image.layers().unwrap();
        find_in_layers(&image, &names, target)
            .unwrap()
            .map(|b| String::from_utf8(b).unwrap())
    }

    const SNAP: &str = "/etc/lifeboat/snapshot.age";

    #[test]
    fn a_layout_cannot_point_outside_its_directory() {
        let outside = tempfile::tempdir().unwrap();
        let dir = outside.path().join("layout");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(
            outside.path().join("secret.tar"),
            layer(&[("etc/lifeboat/snapshot.age", Some("x"))], false),
        )
        .unwrap();
        let manifest = json!([{"Layers": ["../secret.tar"]}]);
        std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
        let image = ImageArchive::open(&dir).unwrap();
        let names = image.layers().unwrap();
        let error = find_in_layers(&image, &names, SNAP).unwrap_err();
        assert!(
            error.to_string().contains("leaves the layout directory"),
            "{error}"
        );
    }

    #[test]
    fn later_layers_win_gzip_or_not() {
        let one = layer(
            &[
                ("etc/", None),
                ("etc/lifeboat/", None),
                ("etc/lifeboat/snapshot.age", Some("old")),
            ],
            true,
        );
        let two = layer(&[("./etc/lifeboat/snapshot.age", Some("new"))], false);
        assert_eq!(
            find(std::slice::from_ref(&one), SNAP).as_deref(),
            Some("old")
        );
        assert_eq!(find(&[one, two], SNAP).as_deref(), Some("new"));
    }

    #[test]
    fn whiteouts_remove() {
        let one = layer(&[("etc/lifeboat/snapshot.age", Some("old"))], true);
        let file_whiteout = layer(&[("etc/lifeboat/.wh.snapshot.age", Some(""))], false);
        let dir_whiteout = layer(&[("etc/.wh.lifeboat", Some(""))], false);
        let opaque = layer(
            &[
                ("etc/lifeboat/.wh..wh..opq", Some("")),
                ("etc/lifeboat/other", Some("x")),
            ],
            true,
        );
        let readded = layer(
            &[
                ("etc/lifeboat/.wh..wh..opq", Some("")),
                ("etc/lifeboat/snapshot.age", Some("again")),
            ],
            true,
        );
        assert_eq!(find(&[one.clone(), file_whiteout], SNAP), None);
        assert_eq!(find(&[one.clone(), dir_whiteout], SNAP), None);
        assert_eq!(find(&[one.clone(), opaque], SNAP), None);
        assert_eq!(find(&[one, readded], SNAP).as_deref(), Some("again"));
    }

    #[test]
    fn a_file_over_a_parent_directory_removes_it() {
        let one = layer(&[("etc/lifeboat/snapshot.age", Some("old"))], false);
        let two = layer(&[("etc/lifeboat", Some("now a file"))], false);
        assert_eq!(find(&[one, two], SNAP), None);
    }
}
