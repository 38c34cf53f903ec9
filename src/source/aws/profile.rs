//! The shared AWS files, `~/.aws/credentials` and `~/.aws/config` (or
//! `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE`), read as the AWS SDKs read them:
//! INI sections, `[NAME]` in the credentials file and `[profile NAME]` (or `[default]`) in
//! the config file, `key = value` lines (an indented line, a setting's sub-setting, is
//! skipped), `#` and `;` comments. Each file's settings are kept apart, because the SDKs'
//! chain asks them at different steps: the credentials file's keys come before a
//! `credential_process`, the config file's after it (see `credentials.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use zeroize::Zeroizing;

use crate::http::FetchError;

/// A profile's settings in one file: keys lower case.
pub type Settings = BTreeMap<String, Zeroizing<String>>;

/// One profile's settings, from both files.
#[derive(Default)]
pub struct Profile {
    /// The credentials file's `[NAME]`.
    pub credentials_file: Settings,
    /// The config file's `[profile NAME]` (`[default]`).
    pub config_file: Settings,
}

/// A setting, if present and not empty.
pub fn setting<'a>(settings: &'a Settings, key: &str) -> Option<&'a str> {
    settings
        .get(key)
        .map(|v| v.as_str())
        .filter(|v| !v.is_empty())
}

impl Profile {
    /// A setting from either file, the credentials file's first, as the SDKs merge them
    /// for everything but static keys (a role, SSO, a process, the region).
    pub fn get(&self, key: &str) -> Option<&str> {
        setting(&self.credentials_file, key).or_else(|| setting(&self.config_file, key))
    }
}

/// The sections of an INI text: (section name as written, key, value). Public as a
/// surface for the fuzz targets (`aws_profile`). The entries share their section's name
/// (`Rc`): a copy for each would make a file of one long name and many short lines cost
/// its size squared.
pub fn sections(text: &str) -> Vec<(Rc<str>, String, Zeroizing<String>)> {
    let mut entries = Vec::new();
    let mut section: Option<Rc<str>> = None;
    for raw in text.lines() {
        // An indented line belongs to the setting above it (`s3 =` and its keys).
        let nested = raw.starts_with([' ', '\t']);
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') || nested {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(Rc::from(name.trim()));
            continue;
        }
        // A continuation or sub-setting line (indented, or without `=`) is not used.
        let (Some(section), Some((key, value))) = (&section, line.split_once('=')) else {
            continue;
        };
        entries.push((
            section.clone(),
            key.trim().to_ascii_lowercase(),
            Zeroizing::new(value.trim().to_string()),
        ));
    }
    entries
}

fn read(path: &Path, what: &str) -> Result<Option<Zeroizing<String>>, FetchError> {
    match crate::read_capped::read_capped(path, 1 << 20) {
        Ok(Some(bytes)) => Ok(Some(Zeroizing::new(
            String::from_utf8_lossy(&bytes).into_owned(),
        ))),
        Ok(None) => Err(FetchError::Config(format!(
            "the AWS {what} file holds more than 1 MiB"
        ))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(FetchError::Unreadable {
            what: format!("the AWS {what} file"),
            source,
        }),
    }
}

fn home_file(variable: &str, default: &str) -> Option<PathBuf> {
    match super::env(variable) {
        Some(path) => Some(PathBuf::from(path.as_str())),
        None => super::env("HOME").map(|home| Path::new(home.as_str()).join(default)),
    }
}

/// The profile `name` from both shared files; `None` if neither has it.
pub fn load(name: &str) -> Result<Option<Profile>, FetchError> {
    let mut profile = Profile::default();
    let mut found = false;
    if let Some(path) = home_file("AWS_CONFIG_FILE", ".aws/config") {
        if let Some(text) = read(&path, "config")? {
            for (section, key, value) in sections(&text) {
                let this = *section == *format!("profile {name}")
                    || (name == "default" && &*section == "default");
                if this {
                    found = true;
                    profile.config_file.insert(key, value);
                }
            }
        }
    }
    if let Some(path) = home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials") {
        if let Some(text) = read(&path, "credentials")? {
            for (section, key, value) in sections(&text) {
                if &*section == name {
                    found = true;
                    profile.credentials_file.insert(key, value);
                }
            }
        }
    }
    Ok(found.then_some(profile))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_keys_and_comments() {
        let text = "# c\n[default]\naws_access_key_id = AKIA1\n; c\n[profile ci]\nRegion=eu-west-1\ns3 =\n  nested = x\n";
        let entries: Vec<(String, String, String)> = sections(text)
            .into_iter()
            .map(|(s, k, v)| (s.to_string(), k, v.to_string()))
            .collect();
        assert_eq!(
            entries,
            [
                (
                    "default".to_string(),
                    "aws_access_key_id".to_string(),
                    "AKIA1".to_string()
                ),
                ("profile ci".into(), "region".into(), "eu-west-1".into()),
                ("profile ci".into(), "s3".into(), "".into()),
            ]
        );
    }
}
