//! How the webview renders on Linux. WebKitGTK composites the page with OpenGL; without a GPU
//! (Xvfb, most virtual machines and remote desktops) that GL is Mesa's software rasterizer
//! (llvmpipe), and compositing there cost Berth's Containers view most of its CPU and memory
//! (docs/app.md, "What it costs": 20 containers, 1.73 s of CPU per 30 s and 351 MiB PSS with
//! compositing; 0.87 s and 255 MiB without). So when the machine shows no GPU and the user set
//! nothing, Berth turns WebKit's compositing mode off (`WEBKIT_DISABLE_COMPOSITING_MODE=1`)
//! before GTK starts; WebKit then paints on the CPU into one backing store, which is what
//! software GL ends up doing anyway, minus the GL emulation. With a GPU nothing changes.
//! Setting `WEBKIT_DISABLE_COMPOSITING_MODE` yourself (to anything) overrides the choice.

/// WebKitGTK's switch (read by the UI and web processes when they start).
pub const COMPOSITING_ENV: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// What the machine shows about its graphics, read once at start.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Graphics {
    /// DRM render nodes (`/dev/dri/renderD*`): a GPU Mesa can drive.
    pub render_nodes: usize,
    /// An NVIDIA device node (`/dev/nvidia0`; the proprietary driver has no render node).
    pub nvidia: bool,
    /// `LIBGL_ALWAYS_SOFTWARE` asks Mesa for software rendering.
    pub software_forced: bool,
    /// The user's own `WEBKIT_DISABLE_COMPOSITING_MODE`, when set.
    pub user_choice: Option<String>,
}

impl Graphics {
    /// WebKit's GL would be software: Mesa was told so, or there is no GPU device at all.
    pub fn software(&self) -> bool {
        self.software_forced || (self.render_nodes == 0 && !self.nvidia)
    }

    /// The environment variable to set before the webview starts, if any (pure).
    pub fn compositing_override(&self) -> Option<(&'static str, &'static str)> {
        (self.user_choice.is_none() && self.software()).then_some((COMPOSITING_ENV, "1"))
    }

    /// Reads `/dev` and the environment.
    pub fn detect() -> Graphics {
        let render_nodes = std::fs::read_dir("/dev/dri")
            .map(|dir| {
                dir.flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with("renderD"))
                    .count()
            })
            .unwrap_or(0);
        let truthy = |v: String| !matches!(v.as_str(), "" | "0" | "false");
        Graphics {
            render_nodes,
            nvidia: std::path::Path::new("/dev/nvidia0").exists(),
            software_forced: std::env::var("LIBGL_ALWAYS_SOFTWARE")
                .map(truthy)
                .unwrap_or(false),
            user_choice: std::env::var(COMPOSITING_ENV).ok(),
        }
    }
}

/// Turns WebKit's compositing off when rendering would be software (see the module docs).
/// Call first in `main`, before any thread or GTK starts; returns what it set, if anything.
pub fn prefer_cpu_painting_without_gpu() -> Option<&'static str> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let (key, value) = Graphics::detect().compositing_override()?;
    // Single-threaded here (the first statement of main), as setting the environment needs.
    std::env::set_var(key, value);
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn software_rendering_turns_compositing_off_unless_the_user_chose() {
        let xvfb = Graphics::default();
        assert!(xvfb.software());
        assert_eq!(xvfb.compositing_override(), Some((COMPOSITING_ENV, "1")));

        let gpu = Graphics {
            render_nodes: 1,
            ..Graphics::default()
        };
        assert!(!gpu.software());
        assert_eq!(gpu.compositing_override(), None);

        let nvidia = Graphics {
            nvidia: true,
            ..Graphics::default()
        };
        assert_eq!(nvidia.compositing_override(), None);

        let forced = Graphics {
            render_nodes: 1,
            software_forced: true,
            ..Graphics::default()
        };
        assert_eq!(forced.compositing_override(), Some((COMPOSITING_ENV, "1")));

        // `WEBKIT_DISABLE_COMPOSITING_MODE=0` (or any value) is the user's: left alone.
        let chose = Graphics {
            user_choice: Some("0".into()),
            ..Graphics::default()
        };
        assert_eq!(chose.compositing_override(), None);
    }
}
