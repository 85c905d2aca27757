//! The commands of a RUN step's shell script (pure): words split as a POSIX shell splits them
//! (quotes, escapes, comments), commands split at `&&`, `||`, `;`, `|`, `&`, newlines and
//! parentheses, each knowing whether its input is piped from the one before. Enough to
//! recognise `apt-get install -y x`, `curl ... | sh` and `sudo`; not a shell.

/// One simple command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Command {
    pub words: Vec<String>,
    /// Its standard input comes from the previous command through `|`.
    pub piped: bool,
}

/// Commands that run the rest of their words as a command.
const WRAPPERS: &[&str] = &["sudo", "env", "exec", "nohup", "time", "command", "nice"];

impl Command {
    /// The program and its arguments, after `VAR=value` prefixes and wrappers
    /// (`sudo`, `env`, ...) and their options.
    pub fn program(&self) -> Option<(&str, &[String])> {
        let mut i = 0;
        while i < self.words.len() {
            let w = self.words[i].as_str();
            if is_assignment(w) {
                i += 1;
            } else if WRAPPERS.contains(&w) {
                i += 1;
                while i < self.words.len()
                    && (self.words[i].starts_with('-') || is_assignment(&self.words[i]))
                {
                    i += 1;
                }
            } else {
                return Some((w, &self.words[i + 1..]));
            }
        }
        None
    }

    /// The program's base name (`/usr/bin/apt-get` -> `apt-get`).
    pub fn name(&self) -> Option<&str> {
        self.program()
            .map(|(p, _)| p.rsplit('/').next().unwrap_or(p))
    }

    /// The program's arguments.
    pub fn args(&self) -> &[String] {
        self.program().map(|(_, a)| a).unwrap_or(&[])
    }

    /// The first argument that is not an option (`install` of `apt-get -q install x`).
    pub fn subcommand(&self) -> Option<&str> {
        self.args()
            .iter()
            .find(|a| !a.starts_with('-'))
            .map(String::as_str)
    }

    /// Does any argument equal one of `flags` (or start with `flag=`)?
    pub fn has_flag(&self, flags: &[&str]) -> bool {
        self.args().iter().any(|a| {
            flags
                .iter()
                .any(|f| a == f || a.starts_with(&format!("{f}=")))
        })
    }

    /// Is the first word `sudo` (after assignments)?
    pub fn uses_sudo(&self) -> bool {
        self.words
            .iter()
            .find(|w| !is_assignment(w))
            .is_some_and(|w| w == "sudo" || w.ends_with("/sudo"))
    }
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((k, _)) => {
            !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !k.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// Split a script into commands.
pub fn commands(script: &str) -> Vec<Command> {
    let mut out = Vec::new();
    let mut cur = Command::default();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = script.chars().peekable();

    macro_rules! end_word {
        () => {
            if in_word {
                cur.words.push(std::mem::take(&mut word));
                in_word = false;
            }
        };
    }
    macro_rules! end_command {
        ($piped:expr) => {
            end_word!();
            if !cur.words.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur.piped = $piped;
        };
    }

    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(n) => {
                    word.push(n);
                    in_word = true;
                }
                None => {}
            },
            '\'' => {
                in_word = true;
                for n in chars.by_ref() {
                    if n == '\'' {
                        break;
                    }
                    word.push(n);
                }
            }
            '"' => {
                in_word = true;
                while let Some(n) = chars.next() {
                    match n {
                        '"' => break,
                        '\\' => {
                            if let Some(e) = chars.next() {
                                if !matches!(e, '"' | '\\' | '$' | '`') {
                                    word.push('\\');
                                }
                                word.push(e);
                            }
                        }
                        _ => word.push(n),
                    }
                }
            }
            '$' if chars.peek() == Some(&'(') => {
                // `$(...)`: kept in the word, nested parentheses balanced.
                in_word = true;
                word.push('$');
                let mut depth = 0;
                for n in chars.by_ref() {
                    word.push(n);
                    match n {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            '#' if !in_word => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
                end_command!(false);
            }
            '|' => {
                if chars.peek() == Some(&'|') {
                    chars.next();
                    end_command!(false);
                } else {
                    end_command!(true);
                }
            }
            '&' => {
                if chars.peek() == Some(&'&') {
                    chars.next();
                }
                end_command!(false);
            }
            ';' | '\n' | '(' | ')' => {
                end_command!(false);
            }
            c if c.is_whitespace() => end_word!(),
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        cur.words.push(word);
    }
    if !cur.words.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn words(c: &Command) -> Vec<&str> {
        c.words.iter().map(String::as_str).collect()
    }

    #[test]
    fn splits_commands_and_pipes() {
        let cs = commands("apt-get update && apt-get install -y curl \\\n  git; curl -fsSL https://x.sh | sh -s -- -y || true");
        assert_eq!(cs.len(), 5);
        assert_eq!(words(&cs[1]), ["apt-get", "install", "-y", "curl", "git"]);
        assert_eq!(cs[2].name(), Some("curl"));
        assert!(!cs[2].piped);
        assert_eq!(cs[3].name(), Some("sh"));
        assert!(cs[3].piped);
        assert!(!cs[4].piped);
    }

    #[test]
    fn quotes_comments_and_substitutions() {
        let cs = commands("echo 'a && b' \"c | d\" # not | a pipe\nsh -c \"$(curl -fsSL x)\"");
        assert_eq!(cs.len(), 2);
        assert_eq!(words(&cs[0]), ["echo", "a && b", "c | d"]);
        assert_eq!(words(&cs[1]), ["sh", "-c", "$(curl -fsSL x)"]);
    }

    #[test]
    fn programs_behind_wrappers_and_assignments() {
        let cs = commands("DEBIAN_FRONTEND=noninteractive sudo -E apt-get -q install -y x");
        let c = &cs[0];
        assert_eq!(c.name(), Some("apt-get"));
        assert_eq!(c.subcommand(), Some("install"));
        assert!(c.has_flag(&["-y"]));
        assert!(c.uses_sudo());
        assert!(!commands("apt-get install sudo")[0].uses_sudo());
        assert_eq!(commands("/usr/bin/pip install x")[0].name(), Some("pip"));
    }
}
