//! `berth down PATH`, `ps`, `logs NAME [--follow]`, `start|stop|restart|rm NAME`.

use crate::output;
use berth_core::Result;
use futures_util::StreamExt;
use std::path::PathBuf;

pub async fn down(path: PathBuf, images: bool, json: bool) -> Result<()> {
    let e = super::connect().await?;
    let r = berth_core::app::down(&e, &path, images).await?;
    output::print(&r, json, || {
        let mut s = if r.containers.is_empty() {
            format!("nothing to remove for {}", r.project)
        } else {
            format!("removed {}", r.containers.join(", "))
        };
        if images {
            if r.images.is_empty() {
                s.push_str(&format!("\nno images to remove for {}", r.project));
            } else {
                s.push_str(&format!("\nremoved images {}", r.images.join(", ")));
            }
            for k in &r.kept {
                s.push_str(&format!("\nkept image {k}"));
            }
        }
        s
    });
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

pub async fn rm(name: String, volumes: bool) -> Result<()> {
    let e = super::connect().await?;
    let removed_volumes =
        berth_core::app::remove_container(&e, &name, volumes.then_some(true)).await?;
    if removed_volumes {
        println!("{name} (and its anonymous volumes)");
    } else {
        println!("{name} (its anonymous volumes were kept: Berth did not create it; --volumes removes them)");
    }
    Ok(())
}

pub async fn simple(what: &str, name: String) -> Result<()> {
    let e = super::connect().await?;
    match what {
        "start" => e.start(&name).await?,
        "stop" => e.stop(&name).await?,
        _ => e.restart(&name).await?,
    }
    println!("{name}");
    Ok(())
}
