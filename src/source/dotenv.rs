//! The dotenv format as lifeboat reads it:
//!
//! - `NAME=value`, one a line; blank lines and lines starting with `#` are skipped;
//! - an optional `export ` before the name;
//! - unquoted values are trimmed and end at ` #` (an inline comment);
//! - `'single quoted'` and `` `backtick quoted` `` values are taken literally and may span
//!   lines (backticks as the `dotenv` npm package reads them since version 15: a value
//!   that holds both kinds of quote);
//! - `"double quoted"` values may span lines and understand `\n`, `\r`, `\t`, `\\`,
//!   `\"`, `\'` and `\$` (other backslashes are kept as written);
//! - no variable expansion: `$OTHER` is kept as written, so a value never changes with
//!   the environment of the machine that builds the image.
//!
//! A name defined twice is an error, since one of the two values would be lost silently.
//! Errors give line numbers and names, never values.

use zeroize::{Zeroize, Zeroizing};

use super::SourceError;
use crate::secret::{SecretValue, Secrets};

struct Cursor<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
}

impl Cursor<'_> {
    fn next(&mut self) -> Option<char> {
        let c = self.chars.next();
        if c == Some('\n') {
            self.line += 1;
        }
        c
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.next();
        }
    }

    /// The rest of the current line, without its newline, in a buffer wiped on drop.
    fn rest_of_line(&mut self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::new());
        while let Some(c) = self.peek() {
            if c == '\n' {
                break;
            }
            push_wiped(&mut text, c);
            self.next();
        }
        text
    }

    fn end_line(&mut self) {
        self.rest_of_line();
        self.next();
    }
}

/// Parses dotenv text.
pub fn parse_dotenv(text: &str, origin: &str) -> Result<Secrets, SourceError> {
    let normalized;
    let text = if text.contains('\r') {
        normalized = Zeroizing::new(text.replace("\r\n", "\n"));
        normalized.as_str()
    } else {
        text
    };
    let error = |line: usize, reason: String| SourceError::Malformed {
        origin: origin.to_string(),
        reason: format!("line {line}: {reason}"),
    };
    let mut cursor = Cursor {
        chars: text.chars().peekable(),
        line: 1,
    };
    let mut secrets = Secrets::new();
    let mut defined_at = std::collections::HashMap::new();
    loop {
        cursor.skip_blanks();
        let line = cursor.line;
        match cursor.peek() {
            None => break,
            Some('\n') => {
                cursor.next();
                continue;
            }
            Some('#') => {
                cursor.end_line();
                continue;
            }
            _ => {}
        }
        let mut name = String::new();
        while let Some(c) = cursor.peek() {
            if c == '=' || c == '\n' {
                break;
            }
            name.push(c);
            cursor.next();
        }
        if let Some(rest) = name.strip_prefix("export") {
            if rest.starts_with([' ', '\t']) {
                name = rest.trim_start().to_string();
            }
        }
        let name = name.trim_end().to_string();
        if cursor.peek() != Some('=') {
            return Err(error(line, "expected NAME=value".into()));
        }
        if name.is_empty() {
            return Err(error(line, "the name before '=' is empty".into()));
        }
        // The name is checked here, by line, and never quoted: when a multi-line value
        // is broken (unquoted), its lines arrive here as "names".
        if !crate::secret::is_source_name(&name) {
            return Err(error(
                line,
                "expected NAME=value, where NAME is ASCII letters, digits, '_', '.' and '-', not starting with a digit, '.' or '-' (is a multi-line value missing its quotes?)".into(),
            ));
        }
        cursor.next(); // '='
        cursor.skip_blanks();
        let value = match cursor.peek() {
            Some(quote @ ('\'' | '"' | '`')) => {
                cursor.next();
                let value = read_quoted(&mut cursor, quote)
                    .ok_or_else(|| error(line, "the quoted value is never closed".into()))?;
                cursor.skip_blanks();
                match cursor.peek() {
                    None | Some('\n') => {}
                    Some('#') => cursor.end_line(),
                    Some(_) => {
                        return Err(error(
                            cursor.line,
                            "unexpected text after the closing quote".into(),
                        ))
                    }
                }
                value
            }
            _ => {
                let raw = cursor.rest_of_line();
                let without_comment = match raw.find(" #").or_else(|| raw.find("\t#")) {
                    Some(index) => &raw[..index],
                    None => raw.as_str(),
                };
                without_comment.trim_end().to_string()
            }
        };
        if let Some(first) = defined_at.insert(name.clone(), line) {
            return Err(error(
                line,
                format!("the name on this line is already defined on line {first}"),
            ));
        }
        secrets.insert(name, SecretValue::new(value));
    }
    Ok(secrets)
}

fn read_quoted(cursor: &mut Cursor, quote: char) -> Option<String> {
    // Wiped if the value is never closed; moved out whole when it is.
    let mut value = Zeroizing::new(String::new());
    loop {
        let c = cursor.next()?;
        if c == quote {
            return Some(std::mem::take(&mut *value));
        }
        if c == '\\' && quote == '"' {
            let escaped = cursor.next()?;
            match escaped {
                'n' => push_wiped(&mut value, '\n'),
                'r' => push_wiped(&mut value, '\r'),
                't' => push_wiped(&mut value, '\t'),
                '\\' | '"' | '\'' | '$' => push_wiped(&mut value, escaped),
                other => {
                    push_wiped(&mut value, '\\');
                    push_wiped(&mut value, other);
                }
            }
        } else {
            push_wiped(&mut value, c);
        }
    }
}

/// Pushes `c`, growing by copying into a new buffer and wiping the old one: `String`'s
/// own growth frees the old buffer with the value's first part still in it.
fn push_wiped(text: &mut String, c: char) {
    if text.len() + c.len_utf8() > text.capacity() {
        let mut bigger = String::with_capacity((2 * text.capacity()).max(32));
        bigger.push_str(text);
        text.zeroize();
        *text = bigger;
    }
    text.push(c);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(secrets: &Secrets, name: &str) -> String {
        secrets.get(name).expect(name).expose().to_string()
    }

    #[test]
    fn reads_the_documented_forms() {
        let text = concat!(
            "# comment\n",
            "\n",
            "PLAIN=hello world  # trailing comment\n",
            "export EXPORTED=yes\n",
            "  SPACED = padded \n",
            "SINGLE='it is $HOME \\n'\n",
            "DOUBLE=\"line1\\nline2\\t\\\"q\\\" \\$HOME \\x\"\n",
            "MULTI=\"first\n",
            "second\"\n",
            "LITERAL_MULTI='a\n",
            "b'  # done\n",
            "EMPTY=\n",
            "HASH=a#b\r\n",
            "URL=https://example.test/?a=b=c\n",
            "BACKTICK=`both 'single' and \"double\" \\n`\n",
            "BACKTICK_MULTI=`-----BEGIN KEY-----\n",
            "abc\n",
            "-----END KEY-----`\n",
        );
        let secrets = parse_dotenv(text, "t").unwrap();
        assert_eq!(value(&secrets, "PLAIN"), "hello world");
        assert_eq!(value(&secrets, "EXPORTED"), "yes");
        assert_eq!(value(&secrets, "SPACED"), "padded");
        assert_eq!(value(&secrets, "DOUBLE"), "line1\nline2\t\"q\" $HOME \\x");
        assert_eq!(value(&secrets, "MULTI"), "first\nsecond");
        assert_eq!(value(&secrets, "LITERAL_MULTI"), "a\nb");
        assert_eq!(value(&secrets, "EMPTY"), "");
        assert_eq!(value(&secrets, "HASH"), "a#b");
        assert_eq!(value(&secrets, "URL"), "https://example.test/?a=b=c");
        assert_eq!(value(&secrets, "SINGLE"), "it is $HOME \\n");
        // Backticks: literal, as dotenv 15 and later read them (no escape processed).
        assert_eq!(
            value(&secrets, "BACKTICK"),
            "both 'single' and \"double\" \\n"
        );
        assert_eq!(
            value(&secrets, "BACKTICK_MULTI"),
            "-----BEGIN KEY-----\nabc\n-----END KEY-----"
        );
    }

    #[test]
    fn errors_give_lines_and_names_not_values() {
        let cases = [
            ("A=1\nnot a pair canary\n", "line 2"),
            ("A=\"canary\n", "never closed"),
            ("A=1\nA=canary\n", "already defined on line 1"),
            // A multi-line value without quotes: its lines are not names, and no byte of
            // them is quoted.
            (
                "KEY=-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq hkiG9w0canary\n",
                "line 2: expected NAME=value",
            ),
            (
                "KEY=x\nMIIEvQIB+ADANcanary/BgkqhkiG9w0B==\n",
                "line 2: expected NAME=value",
            ),
            ("A='canary' extra\n", "after the closing quote"),
            ("=canary\n", "empty"),
        ];
        for (text, expected) in cases {
            let error = parse_dotenv(text, "t").map(|_| ()).unwrap_err().to_string();
            assert!(error.contains(expected), "{text:?}: {error}");
            assert!(!error.contains("canary"), "{text:?}: {error}");
        }
    }
}
