//! The README's HAProxy example ("Several servers behind HAProxy") made
//! runnable on loopback: TLS off, the servers' addresses, the socket's
//! path and the log swapped, and without the chroot and the `haproxy`
//! user (a test runs it as itself). `tests/central_failover.rs` and
//! `benches/central_load.rs` run it, so both measure what the README
//! shows.

use std::net::SocketAddr;
use std::path::Path;

/// The example's configuration listening on `127.0.0.1:port` for
/// `servers`, its administration socket at `socket`. Fails, naming it,
/// when the README no longer has what is swapped.
pub fn config(port: u16, servers: &[SocketAddr], socket: &Path) -> Result<String, String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .map_err(|e| format!("README.md: {e}"))?;
    let example = readme
        .split("<!-- haproxy-example -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- /haproxy-example -->").next())
        .and_then(|e| e.trim().strip_prefix("```haproxy"))
        .and_then(|e| e.strip_suffix("```"))
        .ok_or("README.md: no haproxy code block between <!-- haproxy-example --> marks")?;
    let servers: Vec<String> = servers
        .iter()
        .enumerate()
        .map(|(i, addr)| format!("    server central-{} {addr}", i + 1))
        .collect();
    let swaps = [
        (
            "    log /dev/log local0 notice".to_string(),
            "    log stderr format raw local0 notice".to_string(),
        ),
        (
            "    bind :443 ssl crt /etc/haproxy/certs/motesskylt.pem".to_string(),
            format!("    bind 127.0.0.1:{port}"),
        ),
        (
            "    server central-1 10.0.0.11:8470\n    server central-2 10.0.0.12:8470".to_string(),
            servers.join("\n"),
        ),
        (
            "/run/haproxy/admin.sock".to_string(),
            socket.display().to_string(),
        ),
    ];
    let mut config = example.to_string();
    for (from, to) in swaps {
        if !config.contains(&from) {
            return Err(format!("README.md: the HAProxy example has no {from:?}"));
        }
        config = config.replace(&from, &to);
    }
    Ok(config
        .lines()
        .filter(|line| {
            !["chroot ", "user ", "group "]
                .iter()
                .any(|p| line.trim_start().starts_with(p))
        })
        .map(|line| format!("{line}\n"))
        .collect())
}
