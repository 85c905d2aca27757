//! `berth engine [--json]`.

use crate::output;
use berth_core::Result;

pub async fn run(json: bool) -> Result<()> {
    let e = super::connect().await?;
    let i = e.info().await?;
    output::print(&i, json, || {
        format!(
            "engine:   {} {} (API {}, speaking {})\nendpoint: {}\nchosen:   {}\nplatform: {}/{}\nbuildkit: {} (builder used: {})",
            if i.os == "linux" { "Docker Engine" } else { "engine" },
            i.version,
            i.api_version,
            i.negotiated_api_version,
            i.endpoint,
            i.reason,
            i.os,
            i.arch,
            if i.buildkit_available { "available" } else { "not available" },
            i.builder
        )
    });
    Ok(())
}
