//! Which language version goes into an image tag: each provider states its rule as data.

use std::ops::RangeInclusive;

/// How a provider turns a detected language version into the version of its image tags.
#[derive(Debug, Clone)]
pub struct VersionRule {
    /// Used when nothing usable was detected.
    pub default: &'static str,
    /// Major versions that are plausible for the stack's images; `None`: the detected
    /// version is never used (the stack's images are not versioned by the language).
    pub majors: Option<RangeInclusive<u32>>,
    pub format: VersionFormat,
}

/// The shape of the version in image tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionFormat {
    /// `20` (node, eclipse-temurin).
    Major,
    /// `8.0` (the .NET images).
    MajorDotZero,
    /// `3.12`; a detected version without a usable minor gives the default.
    MajorMinor,
}

impl VersionRule {
    /// The image tag version for a detected language version (`>=3.11` -> `3.11`,
    /// `^20.1` -> `20`, `1.22.3` -> `1.22`); the default when it is unusable.
    pub fn image_version(&self, detected: Option<&str>) -> String {
        let default = || self.default.to_string();
        let Some(raw) = detected else {
            return default();
        };
        // A range the default satisfies (`>=18`, `>=3.10,<4`, `>=18 <25`): the default, a
        // maintained version, rather than the oldest the range allows (node 18 is past its
        // end of life; `>=18` does not ask for it).
        if default_satisfies(raw, self.default) {
            return default();
        }
        let digits: String = raw
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let parts: Vec<&str> = digits.split('.').filter(|p| !p.is_empty()).collect();
        let (Some(major), minor) = (parts.first(), parts.get(1)) else {
            return default();
        };
        let Ok(major_n) = major.parse::<u32>() else {
            return default();
        };
        if !self.majors.as_ref().is_some_and(|r| r.contains(&major_n)) {
            return default();
        }
        match (self.format, minor) {
            (VersionFormat::Major, _) => major.to_string(),
            (VersionFormat::MajorDotZero, _) => format!("{major}.0"),
            (VersionFormat::MajorMinor, Some(m)) if m.len() <= 3 => format!("{major}.{m}"),
            (VersionFormat::MajorMinor, _) => default(),
        }
    }
}

/// `1.2.3` -> `[1, 2, 3]`; None when not a dotted number.
fn parse_version(v: &str) -> Option<Vec<u32>> {
    let v = v.trim().trim_start_matches('v');
    let parts: Option<Vec<u32>> = v
        .split('.')
        .filter(|p| *p != "*" && *p != "x")
        .map(|p| p.parse().ok())
        .collect();
    parts.filter(|p| !p.is_empty())
}

/// Whether `default` satisfies every constraint of a range expression with operators (npm's
/// `>=18 <25`, PEP 440's `>=3.10,<4` and `~=3.10`, `^`, `~`). A bare version (`20`, `3.11.4`,
/// a pin), an alternative (`||`) or anything unparsed gives false: the caller's rule decides.
fn default_satisfies(expr: &str, default: &str) -> bool {
    if expr.contains("||") || !expr.contains(['>', '<', '^', '~']) {
        return false;
    }
    let Some(d) = parse_version(default) else {
        return false;
    };
    let cmp = |x: &[u32]| {
        let n = d.len().max(x.len());
        let pad = |v: &[u32]| {
            (0..n)
                .map(|i| v.get(i).copied().unwrap_or(0))
                .collect::<Vec<_>>()
        };
        pad(&d).cmp(&pad(x))
    };
    let prefix = |x: &[u32]| x.iter().zip(&d).all(|(a, b)| a == b) && d.len() >= x.len();
    let mut tokens: Vec<String> = Vec::new();
    for t in expr
        .split([',', ' '])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        // npm allows `>= 18`: an operator alone joins the next token.
        match tokens.last_mut() {
            Some(last) if last.chars().all(|c| "<>=^~!".contains(c)) => last.push_str(t),
            _ => tokens.push(t.to_string()),
        }
    }
    use std::cmp::Ordering::*;
    tokens.iter().all(|t| {
        let op_len = t.find(|c: char| c.is_ascii_digit()).unwrap_or(t.len());
        let (op, v) = t.split_at(op_len);
        let Some(x) = parse_version(v) else {
            return false;
        };
        match op {
            ">=" => cmp(&x) != Less,
            ">" => cmp(&x) == Greater,
            "<=" => cmp(&x) != Greater,
            "<" => cmp(&x) == Less,
            "^" => d.first() == x.first() && cmp(&x) != Less,
            "~=" => x.len() >= 2 && prefix(&x[..x.len() - 1]) && cmp(&x) != Less,
            "~" => prefix(&x[..x.len().min(2)]) && cmp(&x) != Less,
            "" | "=" | "==" => prefix(&x),
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(majors: Option<RangeInclusive<u32>>, format: VersionFormat) -> VersionRule {
        VersionRule {
            default: "D",
            majors,
            format,
        }
    }

    #[test]
    fn formats_and_plausibility() {
        let py = rule(Some(3..=3), VersionFormat::MajorMinor);
        assert_eq!(py.image_version(Some(">=3.10,<4")), "3.10");
        assert_eq!(py.image_version(Some("3.11.4")), "3.11");
        assert_eq!(py.image_version(Some("3")), "D");
        assert_eq!(py.image_version(Some("2.7")), "D");
        assert_eq!(py.image_version(Some("3.1234")), "D");
        assert_eq!(py.image_version(Some("lts/*")), "D");
        assert_eq!(py.image_version(None), "D");
        let node = rule(Some(18..=30), VersionFormat::Major);
        assert_eq!(node.image_version(Some("^20.11.0")), "20");
        assert_eq!(node.image_version(Some("16")), "D");
        let dotnet = rule(Some(6..=12), VersionFormat::MajorDotZero);
        assert_eq!(dotnet.image_version(Some("net9.0")), "9.0");
        let never = rule(None, VersionFormat::MajorMinor);
        assert_eq!(never.image_version(Some(">=1.0")), "D");
        assert_eq!(never.image_version(Some("1.27")), "D");
    }

    #[test]
    fn an_open_range_the_default_satisfies_gives_the_default() {
        let node = VersionRule {
            default: "22",
            majors: Some(18..=30),
            format: VersionFormat::Major,
        };
        assert_eq!(node.image_version(Some(">=18")), "22");
        assert_eq!(node.image_version(Some(">= 18 < 25")), "22");
        assert_eq!(node.image_version(Some(">=18 <21")), "18");
        assert_eq!(node.image_version(Some("^20.11.0")), "20");
        assert_eq!(node.image_version(Some("~22.3")), "22");
        assert_eq!(node.image_version(Some("20")), "20");
        assert_eq!(node.image_version(Some("18 || 20")), "18");
        assert_eq!(node.image_version(Some(">=24")), "24");
        let py = VersionRule {
            default: "3.12",
            majors: Some(3..=3),
            format: VersionFormat::MajorMinor,
        };
        assert_eq!(py.image_version(Some(">=3.10,<4")), "3.12");
        assert_eq!(py.image_version(Some("~=3.10")), "3.12");
        assert_eq!(py.image_version(Some("~=3.10.2")), "3.10");
        assert_eq!(py.image_version(Some(">=3.10,<3.12")), "3.10");
        assert_eq!(py.image_version(Some("==3.11.*")), "3.11");
        assert_eq!(py.image_version(Some("3.11.4")), "3.11");
    }
}
