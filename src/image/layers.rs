//! Applying layers in order to find one file, as a container runtime would see it.

use std::io::{BufRead, BufReader, Read};

use flate2::read::MultiGzDecoder;

use super::{ImageArchive, ImageError, MAX_FILE_BYTES};

/// A member's path as the runtime sees it: no leading `./` or `/`, no `.` or empty
/// components (`etc/./lifeboat//x` is `etc/lifeboat/x`).
fn normalize(path: &str) -> String {
    path.split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect::<Vec<_>>()
        .join("/")
}

fn is_within(path: &str, dir: &str) -> bool {
    dir.is_empty() || path == dir || path.starts_with(&format!("{dir}/"))
}

/// The file at `target` after applying `layers` bottom to top, or None if no layer has
/// it or a later layer removed it. A whiteout (`.wh.NAME`, `.wh..wh..opq`) hides what the
/// layers below put there, never what its own layer holds, wherever in the layer's tar
/// the two stand.
pub fn find_in_layers(
    image: &ImageArchive,
    layers: &[String],
    target: &str,
) -> Result<Option<Vec<u8>>, ImageError> {
    let target = normalize(target);
    let mut found: Option<Vec<u8>> = None;
    for layer in layers {
        let reader = image.member(layer)?.ok_or_else(|| {
            ImageError::Format(format!(
                "layer {} is missing from the archive",
                crate::redact::shown(layer)
            ))
        })?;
        let mut reader = BufReader::new(reader);
        let gzip = reader
            .fill_buf()
            .map(|b| b.starts_with(&[0x1f, 0x8b]))
            .unwrap_or(false);
        // pigz and eStargz write several gzip members one after another.
        let stream: Box<dyn Read> = if gzip {
            Box::new(MultiGzDecoder::new(reader))
        } else {
            Box::new(reader)
        };
        let mut archive = tar::Archive::new(super::tar_guard::TarGuard::new(stream));
        let shown_layer = crate::redact::shown(layer);
        let damaged =
            |e: std::io::Error| ImageError::Format(format!("layer {shown_layer} is damaged: {e}"));
        // What this layer itself holds at the target, and whether it hides the lower
        // layers' copy.
        let mut own: Option<Vec<u8>> = None;
        let mut hides_lower = false;
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
                    hides_lower = true;
                }
            } else if let Some(removed) = base.strip_prefix(".wh.") {
                let removed = if dir.is_empty() {
                    removed.to_string()
                } else {
                    format!("{dir}/{removed}")
                };
                if is_within(&target, &removed) {
                    hides_lower = true;
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
                // Sized by what arrives, not by the header's word.
                let mut bytes = Vec::with_capacity(entry.size().min(MAX_PREALLOCATION) as usize);
                (&mut entry)
                    .take(MAX_FILE_BYTES)
                    .read_to_end(&mut bytes)
                    .map_err(damaged)?;
                own = Some(bytes);
            } else if is_within(&target, &name) && !entry.header().entry_type().is_dir() {
                // A file or link replaced a parent directory of the target.
                hides_lower = true;
                own = None;
            }
        }
        if own.is_some() {
            found = own;
        } else if hides_lower {
            found = None;
        }
    }
    Ok(found)
}

/// The most preallocated for a file on its tar header's word.
const MAX_PREALLOCATION: u64 = 1 << 20;

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::GzEncoder;
    use serde_json::json;

    use super::*;
    use crate::image::{read_file_from_image, Selection};

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
        let names = image.layers(&Selection::default()).unwrap();
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
        let names = image.layers(&Selection::default()).unwrap();
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
        assert_eq!(
            find(&[one.clone(), readded], SNAP).as_deref(),
            Some("again")
        );
        // The same layer's own file is never hidden by its whiteout, whichever comes
        // first in its tar.
        let after = layer(
            &[
                ("etc/lifeboat/snapshot.age", Some("mine")),
                ("etc/lifeboat/.wh..wh..opq", Some("")),
            ],
            false,
        );
        assert_eq!(find(&[one.clone(), after], SNAP).as_deref(), Some("mine"));
        // A whiteout written with `.` components removes the file all the same.
        let dotted = layer(&[("./etc/./lifeboat/.wh.snapshot.age", Some(""))], false);
        assert_eq!(find(&[one, dotted], SNAP), None);
    }

    #[test]
    fn a_pigz_layer_of_several_gzip_members_is_read_whole() {
        // pigz (and eStargz) write one gzip member after another; a reader of only the
        // first would see a tar that ends early.
        let plain = layer(
            &[
                ("etc/filler", Some(&"x".repeat(10_000))),
                ("etc/lifeboat/snapshot.age", Some("in the second member")),
            ],
            false,
        );
        let (first, second) = plain.split_at(5_120);
        let mut members = Vec::new();
        for part in [first, second] {
            let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(part).unwrap();
            members.extend(encoder.finish().unwrap());
        }
        assert_eq!(
            find(&[members], SNAP).as_deref(),
            Some("in the second member")
        );
    }

    /// An OCI layout whose index lists one manifest per platform, each with a layer
    /// holding the snapshot text `arch`.
    fn multi_platform(platforms: &[(&str, &str, Option<&str>)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let blobs = dir.path().join("blobs/sha256");
        std::fs::create_dir_all(&blobs).unwrap();
        let mut entries = Vec::new();
        for (n, (os, arch, variant)) in platforms.iter().enumerate() {
            let layer_digest = format!("{:064x}", 2 * n);
            let manifest_digest = format!("{:064x}", 2 * n + 1);
            let snapshot = format!(
                "{arch}{}",
                variant.map(|v| format!("/{v}")).unwrap_or_default()
            );
            std::fs::write(
                blobs.join(&layer_digest),
                layer(&[("etc/lifeboat/snapshot.age", Some(&snapshot))], true),
            )
            .unwrap();
            let manifest = json!({"layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": format!("sha256:{layer_digest}")}]});
            std::fs::write(blobs.join(&manifest_digest), manifest.to_string()).unwrap();
            let mut platform = json!({"os": os, "architecture": arch});
            if let Some(variant) = variant {
                platform["variant"] = json!(variant);
            }
            entries
                .push(json!({"digest": format!("sha256:{manifest_digest}"), "platform": platform}));
        }
        let index = json!({"manifests": entries});
        std::fs::write(dir.path().join("index.json"), index.to_string()).unwrap();
        dir
    }

    #[test]
    fn the_platform_asked_for_or_the_host_s() {
        let dir = multi_platform(&[
            ("linux", "amd64", None),
            ("linux", "arm64", Some("v8")),
            ("unknown", "unknown", None),
        ]);
        let read = |platform: Option<&str>| {
            let selection = Selection {
                platform: platform.map(str::to_string),
                reference: None,
            };
            read_file_from_image(dir.path(), SNAP, &selection)
                .map(|b| String::from_utf8(b).unwrap())
        };
        assert_eq!(read(Some("linux/arm64")).unwrap(), "arm64/v8");
        assert_eq!(read(Some("linux/arm64/v8")).unwrap(), "arm64/v8");
        assert_eq!(read(Some("linux/amd64")).unwrap(), "amd64");
        let host = crate::image::host_platform();
        match read(None) {
            Ok(found) => assert!(
                host.ends_with(found.split('/').next().unwrap()),
                "{host}: {found}"
            ),
            Err(error) => panic!("the host's platform {host}: {error}"),
        }
        let missing = read(Some("linux/riscv64")).unwrap_err().to_string();
        assert!(
            missing.contains("no linux/riscv64 manifest; it holds: linux/amd64, linux/arm64/v8"),
            "{missing}"
        );
        assert_eq!(
            read(Some("linux/riscv64")).unwrap_err().exit(),
            crate::exit::Exit::Usage
        );
    }

    #[test]
    fn a_docker_save_of_two_images_asks_which() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("two.tar");
        let mut builder = tar::Builder::new(std::fs::File::create(&archive).unwrap());
        let mut add = |name: &str, bytes: &[u8]| {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            builder.append_data(&mut header, name, bytes).unwrap();
        };
        add(
            "a/layer.tar",
            &layer(&[("etc/lifeboat/snapshot.age", Some("app-a"))], false),
        );
        add(
            "b/layer.tar",
            &layer(&[("etc/lifeboat/snapshot.age", Some("app-b"))], false),
        );
        let manifest = json!([
            {"RepoTags": ["registry.example.com/app-a:1"], "Layers": ["a/layer.tar"]},
            {"RepoTags": ["app-b:2"], "Layers": ["b/layer.tar"]},
        ]);
        add("manifest.json", manifest.to_string().as_bytes());
        builder.finish().unwrap();
        drop(builder);
        let read = |reference: Option<&str>| {
            let selection = Selection {
                platform: None,
                reference: reference.map(str::to_string),
            };
            read_file_from_image(&archive, SNAP, &selection)
        };
        let unnamed = read(None).unwrap_err().to_string();
        assert!(
            unnamed.contains(
                "holds 2 images; name one with --image-ref: registry.example.com/app-a:1, app-b:2"
            ),
            "{unnamed}"
        );
        assert_eq!(read(Some("app-b:2")).unwrap(), b"app-b");
        assert_eq!(read(Some("app-a:1")).unwrap(), b"app-a");
        assert!(read(Some("app-c:3"))
            .unwrap_err()
            .to_string()
            .contains("no image in the archive is tagged app-c:3"));
    }

    #[test]
    fn a_file_over_a_parent_directory_removes_it() {
        let one = layer(&[("etc/lifeboat/snapshot.age", Some("old"))], false);
        let two = layer(&[("etc/lifeboat", Some("now a file"))], false);
        assert_eq!(find(&[one, two], SNAP), None);
    }
}
