//! `berth down PATH`, `ps`, `logs NAME [--follow]`, `start|stop|restart|rm NAME`.

use crate::output;
use berth_core::{Error, Result};
use futures_util::StreamExt;
use std::path::PathBuf;

pub async fn down(path: PathBuf, images: bool) -> Result<()> {
    let root = std::fs::canonicalize(&path).map_err(|_| Error::NotFound(path.clone()))?;
    let e = super::connect().await?;
    if let (Some(file), Some(tool)) = (
        berth_core::compose::find_file(&root),
        berth_core::compose::find_tool().tool,
    ) {
        super::compose::down(&e, &tool, &root, &file).await?;
    }
    let removed = e.down(&root).await?;
    if removed.is_empty() {
        println!("nothing to remove for {}", root.display());
    } else {
        println!("removed {}", removed.join(", "));
    }
    if images {
        let (gone, kept) = e.remove_project_images(&root).await?;
        if gone.is_empty() {
            println!("no images to remove for {}", root.display());
        } else {
            println!("removed images {}", gone.join(", "));
        }
        for k in kept {
            eprintln!("kept image {k}");
        }
    }
    Ok(())
}

pub async fn ps(json: bool) -> Result<()> {
    let e = super::connect().await?;
    let list = e.ps().await?;
    output::print(&list, json, || {
        let mut s = format!(
            "{:<28} {:<10} {:<14} {:<26} PROJECT",
            "NAME", "STATE", "PORTS", "STATUS"
        );
        for c in &list {
            let ports = c
                .ports
                .iter()
                .map(|p| format!("{}->{}", p.host_port, p.container_port))
                .collect::<Vec<_>>()
                .join(",");
            s.push_str(&format!(
                "\n{:<28} {:<10} {:<14} {:<26} {}",
                c.name,
                c.state,
                ports,
                c.status,
                c.project.clone().unwrap_or_default()
            ));
        }
        s
    });
    Ok(())
}

pub async fn logs(name: String, follow: bool, tail: Option<usize>) -> Result<()> {
    let e = super::connect().await?;
    let mut s = Box::pin(e.logs(&name, follow, tail));
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            line = s.next() => match line {
                None => return Ok(()),
                Some(l) => println!("{}", l?),
            }
        }
    }
}

pub async fn simple(what: &str, name: String) -> Result<()> {
    let e = super::connect().await?;
    match what {
        "start" => e.start(&name).await?,
        "stop" => e.stop(&name).await?,
        "restart" => e.restart(&name).await?,
        _ => e.remove(&name).await?,
    }
    println!("{name}");
    Ok(())
}
