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
        assert_eq!(never.image_version(Some("1.27")), "D");
    }
}
