//! What the tray shows, as data: tooltip/title with running and unhealthy counts and one
//! menu entry per container (start / stop / open in browser). Pure, unit-tested below;
//! `tray.rs` turns it into the native menu.

use crate::stats::{localhost_url, ContainerRow, Health};

/// Containers listed in the menu at most (running ones first); the rest are counted.
pub const MENU_MAX_CONTAINERS: usize = 15;

/// One container in the tray menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayEntry {
    pub id: String,
    pub label: String,
    pub running: bool,
    /// `http://localhost:<port>/` when the container publishes a port and runs.
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayModel {
    pub tooltip: String,
    /// Text next to the icon where the platform shows one (Linux app indicators, macOS).
    pub title: String,
    pub entries: Vec<TrayEntry>,
    /// Containers not listed (beyond [`MENU_MAX_CONTAINERS`]).
    pub more: usize,
}

/// The tray for these containers. `engine`: whether an engine answers.
pub fn tray_model(rows: &[ContainerRow], engine: bool) -> TrayModel {
    if !engine {
        return TrayModel {
            tooltip: "Berth — no container engine".into(),
            title: String::new(),
            entries: Vec::new(),
            more: 0,
        };
    }
    let running = rows.iter().filter(|r| r.container.state == "running");
    let running_count = running.clone().count();
    let unhealthy = running
        .filter(|r| r.health == Some(Health::Unhealthy))
        .count();
    let tooltip = match unhealthy {
        0 => format!("Berth — {running_count} running"),
        n => format!("Berth — {running_count} running, {n} unhealthy"),
    };
    let title = match unhealthy {
        0 => format!("{running_count}"),
        n => format!("{running_count} ({n}!)"),
    };
    let mut sorted: Vec<&ContainerRow> = rows.iter().collect();
    sorted.sort_by(|a, b| {
        let ra = a.container.state == "running";
        let rb = b.container.state == "running";
        rb.cmp(&ra)
            .then_with(|| a.container.name.cmp(&b.container.name))
    });
    let entries = sorted
        .iter()
        .take(MENU_MAX_CONTAINERS)
        .map(|r| {
            let running = r.container.state == "running";
            let mark = if running { "●" } else { "○" };
            let health = match r.health {
                Some(Health::Unhealthy) if running => " — unhealthy",
                Some(Health::Starting) if running => " — starting",
                _ => "",
            };
            TrayEntry {
                id: r.container.id.clone(),
                label: format!("{mark} {}{health}", r.container.name),
                running,
                url: if running {
                    localhost_url(&r.container.ports)
                } else {
                    None
                },
            }
        })
        .collect();
    TrayModel {
        tooltip,
        title,
        entries,
        more: rows.len().saturating_sub(MENU_MAX_CONTAINERS),
    }
}

/// A container menu item's action, from its id (`start:<id>`, `stop:<id>`, `open:<id>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuAction<'a> {
    Start(&'a str),
    Stop(&'a str),
    Open(&'a str),
}

pub fn menu_id(action: MenuAction<'_>) -> String {
    match action {
        MenuAction::Start(id) => format!("start:{id}"),
        MenuAction::Stop(id) => format!("stop:{id}"),
        MenuAction::Open(id) => format!("open:{id}"),
    }
}

pub fn parse_menu_id(s: &str) -> Option<MenuAction<'_>> {
    let (verb, id) = s.split_once(':')?;
    if id.is_empty() {
        return None;
    }
    match verb {
        "start" => Some(MenuAction::Start(id)),
        "stop" => Some(MenuAction::Stop(id)),
        "open" => Some(MenuAction::Open(id)),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use berth_core::docker::lifecycle::{ContainerInfo, PublishedPort};

    fn row(name: &str, state: &str, health: Option<Health>, port: Option<u16>) -> ContainerRow {
        ContainerRow {
            container: ContainerInfo {
                id: format!("id-{name}"),
                name: name.into(),
                image: "img".into(),
                state: state.into(),
                status: String::new(),
                project: None,
                managed: true,
                compose_project: None,
                compose_service: None,
                depends_on: Vec::new(),
                ports: port
                    .map(|p| PublishedPort {
                        host_ip: None,
                        host_port: p,
                        container_port: 80,
                    })
                    .into_iter()
                    .collect(),
                created: 0,
            },
            health,
            sample: None,
        }
    }

    #[test]
    fn counts_running_and_unhealthy_and_lists_running_first() {
        let rows = vec![
            row("zeta", "running", Some(Health::Unhealthy), None),
            row("alpha", "exited", None, Some(8080)),
            row("web", "running", Some(Health::Healthy), Some(18080)),
        ];
        let m = tray_model(&rows, true);
        assert_eq!(m.tooltip, "Berth — 2 running, 1 unhealthy");
        assert_eq!(m.title, "2 (1!)");
        let labels: Vec<&str> = m.entries.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, ["● web", "● zeta — unhealthy", "○ alpha"]);
        assert_eq!(m.entries[0].url.as_deref(), Some("http://localhost:18080/"));
        assert_eq!(m.entries[2].url, None, "a stopped container opens nothing");
        assert_eq!(m.more, 0);
    }

    #[test]
    fn no_engine_and_long_lists() {
        assert_eq!(
            tray_model(&[], false).tooltip,
            "Berth — no container engine"
        );
        assert_eq!(tray_model(&[], true).tooltip, "Berth — 0 running");
        let rows: Vec<ContainerRow> = (0..20)
            .map(|i| row(&format!("c{i:02}"), "running", None, None))
            .collect();
        let m = tray_model(&rows, true);
        assert_eq!(m.entries.len(), MENU_MAX_CONTAINERS);
        assert_eq!(m.more, 5);
        assert_eq!(m.title, "20");
    }

    #[test]
    fn menu_ids_round_trip() {
        for a in [
            MenuAction::Start("abc"),
            MenuAction::Stop("abc"),
            MenuAction::Open("abc"),
        ] {
            assert_eq!(parse_menu_id(&menu_id(a)), Some(a));
        }
        assert_eq!(parse_menu_id("open"), None);
        assert_eq!(parse_menu_id("quit"), None);
        assert_eq!(parse_menu_id("rm:abc"), None);
    }
}
