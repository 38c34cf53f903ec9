//! Applying layers in order to find one file, as a container runtime would see it.

use std::io::{BufRead, BufReader, Read};

use flate2::read::MultiGzDecoder;

use super::digest::Digesting;
use super::tar_guard::TarGuard;
use super::{clean_path, ImageArchive, ImageError, Layer, MAX_FILE_BYTES};

fn is_within(path: &str, dir: &str) -> bool {
    dir.is_empty() || path == dir || path.starts_with(&format!("{dir}/"))
}

/// What one layer does to the file wanted.
#[derive(Default)]
struct LayerEffect {
    /// The layer's own copy of the file.
    own: Option<Vec<u8>>,
    /// Whether it hides the lower layers' copy (a whiteout, an opaque directory, a file
    /// over a parent directory).
    hides_lower: bool,
}

/// The file at `target` after applying `layers` bottom to top, or None if no layer has
/// it or a later layer removed it. A whiteout (`.wh.NAME`, `.wh..wh..opq`) hides what the
/// layers below put there, never what its own layer holds, wherever in the layer's tar
/// the two stand. Every layer is read to its end and checked against its digests before
/// anything it holds is taken.
pub fn find_in_layers(
    image: &ImageArchive,
    layers: &[Layer],
    target: &str,
) -> Result<Option<Vec<u8>>, ImageError> {
    let target = clean_path(target);
    let mut found: Option<Vec<u8>> = None;
    for layer in layers {
        let shown_layer = crate::redact::shown(&layer.member);
        let what = format!("layer {shown_layer}");
        let damaged =
            |e: std::io::Error| ImageError::Format(format!("layer {shown_layer} is damaged: {e}"));
        let reader = image.member(&layer.member)?.ok_or_else(|| {
            ImageError::Format(format!("layer {shown_layer} is missing from the archive"))
        })?;
        let mut stored = Digesting::new(reader, layer.stored.clone());
        let effect = {
            let mut buffered = BufReader::new(&mut stored);
            let gzip = buffered
                .fill_buf()
                .map_err(damaged)?
                .starts_with(&[0x1f, 0x8b]);
            // pigz and eStargz write several gzip members one after another.
            let decoded: Box<dyn Read + '_> = if gzip {
                Box::new(MultiGzDecoder::new(buffered))
            } else {
                Box::new(buffered)
            };
            let mut plain = Digesting::new(decoded, layer.uncompressed.clone());
            let effect = apply(&mut plain, &target).map_err(|e| match e {
                LayerError::Io(e) => damaged(e),
                LayerError::Image(e) => e,
            })?;
            plain.finish(&format!("{what} (decompressed)"))?;
            effect
        };
        stored.finish(&what)?;
        if effect.own.is_some() {
            found = effect.own;
        } else if effect.hides_lower {
            found = None;
        }
    }
    Ok(found)
}

enum LayerError {
    Io(std::io::Error),
    Image(ImageError),
}

impl From<std::io::Error> for LayerError {
    fn from(e: std::io::Error) -> Self {
        LayerError::Io(e)
    }
}

/// Reads one layer's tar for what it does to `target`. Names and types are the guard's
/// reading (Go's, as runtimes read them), checked against the crate's.
fn apply(layer: &mut dyn Read, target: &str) -> Result<LayerEffect, LayerError> {
    let guard = TarGuard::new(layer);
    let view = guard.view();
    let mut archive = tar::Archive::new(guard);
    let mut effect = LayerEffect::default();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let Some(seen) = view.borrow().clone() else {
            return Err(std::io::Error::other("tar readers disagree about an entry").into());
        };
        if seen.name != *entry.path_bytes() || seen.size != entry.size() {
            return Err(std::io::Error::other(format!(
                "tar readers disagree about {}",
                crate::redact::shown(&String::from_utf8_lossy(&seen.name))
            ))
            .into());
        }
        if seen.kind == b'g' {
            continue; // a global pax header: runtimes ignore it
        }
        let name = clean_path(&String::from_utf8_lossy(&seen.name));
        let (dir, base) = match name.rsplit_once('/') {
            Some((dir, base)) => (dir, base),
            None => ("", name.as_str()),
        };
        if base == ".wh..wh..opq" {
            // An opaque directory hides everything lower layers put in it.
            if target != dir && is_within(target, dir) {
                effect.hides_lower = true;
            }
        } else if let Some(removed) = base.strip_prefix(".wh.") {
            let removed = if dir.is_empty() {
                removed.to_string()
            } else {
                format!("{dir}/{removed}")
            };
            if is_within(target, &removed) {
                effect.hides_lower = true;
            }
        } else if name == target {
            if !matches!(seen.kind, 0 | b'0') {
                return Err(LayerError::Image(ImageError::Format(format!(
                    "/{target} in the image is not a regular file (a link or a directory)"
                ))));
            }
            if seen.size > MAX_FILE_BYTES {
                return Err(LayerError::Image(ImageError::Format(format!(
                    "/{target} is larger than any snapshot"
                ))));
            }
            // Sized by what arrives, not by the header's word.
            let mut bytes = Vec::with_capacity(seen.size.min(MAX_PREALLOCATION) as usize);
            (&mut entry).take(MAX_FILE_BYTES).read_to_end(&mut bytes)?;
            effect.own = Some(bytes);
        } else if is_within(target, &name) && seen.kind != b'5' {
            // A file or link replaced a parent directory of the target.
            effect.hides_lower = true;
            effect.own = None;
        }
    }
    Ok(effect)
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

    fn hex(bytes: &[u8]) -> String {
        format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(bytes))
    }

    /// Writes `bytes` as a blob of the layout at `dir`; returns its digest.
    fn blob(dir: &std::path::Path, bytes: &[u8]) -> String {
        let blobs = dir.join("blobs/sha256");
        std::fs::create_dir_all(&blobs).unwrap();
        std::fs::write(blobs.join(hex(bytes)), bytes).unwrap();
        format!("sha256:{}", hex(bytes))
    }

    /// An OCI layout directory with these layers.
    fn layout(layers: &[Vec<u8>]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let descriptors: Vec<_> = layers
            .iter()
            .map(|bytes| json!({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": blob(dir.path(), bytes)}))
            .collect();
        let manifest = json!({"layers": descriptors}).to_string();
        let index = json!({"manifests": [{"digest": blob(dir.path(), manifest.as_bytes())}]});
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
        let secret = layer(&[("etc/lifeboat/snapshot.age", Some("x"))], false);
        let config = json!({"rootfs": {"diff_ids": [format!("sha256:{}", hex(&secret))]}});
        std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
        let manifest = json!([{"Config": "config.json", "Layers": ["../secret.tar"]}]);
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
        let mut entries = Vec::new();
        for (os, arch, variant) in platforms {
            let snapshot = format!(
                "{arch}{}",
                variant.map(|v| format!("/{v}")).unwrap_or_default()
            );
            let layer = layer(&[("etc/lifeboat/snapshot.age", Some(&snapshot))], true);
            let manifest = json!({"layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": blob(dir.path(), &layer)}]});
            let manifest_digest = blob(dir.path(), manifest.to_string().as_bytes());
            let mut platform = json!({"os": os, "architecture": arch});
            if let Some(variant) = variant {
                platform["variant"] = json!(variant);
            }
            entries.push(json!({"digest": manifest_digest, "platform": platform}));
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

    /// One image of a `docker save`: its tags, architecture and layer tars.
    struct Saved<'a> {
        tags: &'a [&'a str],
        arch: &'a str,
        layers: Vec<Vec<u8>>,
    }

    /// The members of a `docker save` of `images`, named as Docker before 25 names them
    /// (`ID/layer.tar`, the config as `HEX.json`).
    fn docker_members(images: &[Saved]) -> Vec<(String, Vec<u8>)> {
        let mut members = Vec::new();
        let mut manifest = Vec::new();
        for (n, image) in images.iter().enumerate() {
            let mut paths = Vec::new();
            let mut diff_ids = Vec::new();
            for (m, layer) in image.layers.iter().enumerate() {
                let path = format!("i{n}l{m}/layer.tar");
                members.push((path.clone(), layer.clone()));
                paths.push(path);
                diff_ids.push(format!("sha256:{}", hex(layer)));
            }
            let config = json!({"architecture": image.arch, "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids}}).to_string();
            let config_name = format!("{}.json", hex(config.as_bytes()));
            members.push((config_name.clone(), config.into_bytes()));
            manifest.push(json!({"Config": config_name, "RepoTags": image.tags, "Layers": paths}));
        }
        members.push((
            "manifest.json".into(),
            json!(manifest).to_string().into_bytes(),
        ));
        members
    }

    /// A tar file of `members` in a new temporary directory.
    fn tar_file(members: &[(String, Vec<u8>)]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("image.tar");
        let mut builder = tar::Builder::new(std::fs::File::create(&archive).unwrap());
        for (name, bytes) in members {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            builder.append_data(&mut header, name, &bytes[..]).unwrap();
        }
        builder.finish().unwrap();
        drop(builder);
        (dir, archive)
    }

    fn select(platform: Option<&str>, reference: Option<&str>) -> Selection {
        Selection {
            platform: platform.map(str::to_string),
            reference: reference.map(str::to_string),
        }
    }

    fn snapshot_in(text: &str) -> Vec<u8> {
        layer(&[("etc/lifeboat/snapshot.age", Some(text))], false)
    }

    #[test]
    fn a_docker_save_of_two_images_asks_which() {
        let (_dir, archive) = tar_file(&docker_members(&[
            Saved {
                tags: &["registry.example.com/app-a:1"],
                arch: "amd64",
                layers: vec![snapshot_in("app-a")],
            },
            Saved {
                tags: &["app-b:2"],
                arch: "amd64",
                layers: vec![snapshot_in("app-b")],
            },
        ]));
        let read = |reference: Option<&str>| {
            read_file_from_image(&archive, SNAP, &select(None, reference))
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
