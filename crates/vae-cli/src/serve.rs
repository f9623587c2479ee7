//! `vae serve`: a static file server for the explorer. It serves `web/` at `/` and `pkg/` at `/pkg/`
//! and nothing else: only GET and HEAD, no directory listings, no path that leaves those two folders.

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use tiny_http::{Header, Method, Request, Response, Server, StatusCode};

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on; 127.0.0.1 keeps it on this machine. Port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The page's folder, served at /.
    #[arg(long, default_value = "web")]
    web: PathBuf,
    /// wasm-bindgen's output folder, served at /pkg/.
    #[arg(long, default_value = "pkg")]
    pkg: PathBuf,
    /// Worker threads answering requests.
    #[arg(long, default_value_t = 8)]
    threads: usize,
}

struct Mounts {
    /// (URL prefix, canonical folder), longest prefix first.
    roots: Vec<(&'static str, PathBuf)>,
}

pub fn run(a: Args) -> Result<()> {
    let canon = |p: &Path| p.canonicalize().with_context(|| format!("cannot serve {}: no such folder", p.display()));
    let mounts = Arc::new(Mounts { roots: vec![("/pkg/", canon(&a.pkg)?), ("/", canon(&a.web)?)] });
    let server = Arc::new(Server::http(a.addr).map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", a.addr))?);
    let addr = server.server_addr().to_ip().context("not an IP listener")?;
    println!("serving the explorer at http://{addr}/  (Ctrl-C stops)");
    let workers: Vec<_> = (0..a.threads.max(1))
        .map(|_| {
            let (server, mounts) = (server.clone(), mounts.clone());
            std::thread::spawn(move || {
                for req in server.incoming_requests() {
                    handle(req, &mounts);
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    Ok(())
}

fn handle(req: Request, mounts: &Mounts) {
    let method = req.method().clone();
    let url = req.url().to_string();
    let (status, body) = match (&method, resolve(&url, mounts)) {
        (Method::Get | Method::Head, Ok(path)) => match std::fs::read(&path) {
            Ok(bytes) => (200, Some((bytes, mime(&path)))),
            Err(_) => (404, None),
        },
        (Method::Get | Method::Head, Err(code)) => (code, None),
        _ => (405, None),
    };
    let len = body.as_ref().map_or(0, |(b, _)| b.len());
    eprintln!("{method} {url} {status} {len}");
    let mut resp = match body {
        Some((bytes, mime)) => Response::from_data(if method == Method::Head { Vec::new() } else { bytes })
            .with_header(header("Content-Type", mime)),
        None => Response::from_string(reason(status)).with_header(header("Content-Type", "text/plain; charset=utf-8")),
    }
    .with_status_code(StatusCode(status));
    resp.add_header(header("X-Content-Type-Options", "nosniff"));
    resp.add_header(header("Cache-Control", "no-cache"));
    // Cross-origin isolation: the page loads only its own files, so this costs nothing, and it gives the
    // page fine-grained timers (5 us instead of 100 us) and SharedArrayBuffer.
    resp.add_header(header("Cross-Origin-Opener-Policy", "same-origin"));
    resp.add_header(header("Cross-Origin-Embedder-Policy", "require-corp"));
    if status == 405 {
        resp.add_header(header("Allow", "GET, HEAD"));
    }
    let _ = req.respond(resp);
}

/// Maps a request URL to a file inside one of the mounts, or to an HTTP error code.
fn resolve(url: &str, mounts: &Mounts) -> std::result::Result<PathBuf, u16> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8().map_err(|_| 400u16)?;
    if !decoded.starts_with('/') || decoded.contains('\\') || decoded.contains('\0') {
        return Err(400);
    }
    let (prefix, root) = mounts.roots.iter().find(|(p, _)| decoded.starts_with(p)).ok_or(404u16)?;
    let mut rel = decoded[prefix.len()..].to_string();
    if rel.is_empty() || rel.ends_with('/') {
        rel.push_str("index.html");
    }
    let rel = Path::new(&rel);
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(400); // `..`, `.`, or an absolute path: never followed
    }
    // Resolve links too, and check that the file is still inside its folder.
    let full = root.join(rel).canonicalize().map_err(|_| 404u16)?;
    if !full.starts_with(root) || !full.is_file() {
        return Err(404);
    }
    Ok(full)
}

fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "wasm" => "application/wasm",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "md" | "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn reason(code: u16) -> &'static str {
    match code {
        400 => "400 Bad Request\n",
        404 => "404 Not Found\n",
        405 => "405 Method Not Allowed: only GET and HEAD\n",
        _ => "error\n",
    }
}

fn header(k: &str, v: &str) -> Header {
    Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("static header is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_never_leave_the_mounts() {
        let dir = std::env::temp_dir().join(format!("vae-serve-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("web/sub")).unwrap();
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        std::fs::write(dir.join("web/index.html"), "hi").unwrap();
        std::fs::write(dir.join("web/sub/a.js"), "x").unwrap();
        std::fs::write(dir.join("pkg/m.wasm"), "w").unwrap();
        std::fs::write(dir.join("secret.txt"), "s").unwrap();
        let m = Mounts {
            roots: vec![
                ("/pkg/", dir.join("pkg").canonicalize().unwrap()),
                ("/", dir.join("web").canonicalize().unwrap()),
            ],
        };
        assert!(resolve("/", &m).unwrap().ends_with("web/index.html"));
        assert!(resolve("/sub/a.js?v=1", &m).unwrap().ends_with("web/sub/a.js"));
        assert!(resolve("/pkg/m.wasm", &m).unwrap().ends_with("pkg/m.wasm"));
        for bad in [
            "/../secret.txt",
            "/%2e%2e/secret.txt",
            "/..%2fsecret.txt",
            "/sub/..%5c..%5csecret.txt",
            "//etc/passwd",
            "/pkg/../../secret.txt",
            "/sub",
        ] {
            assert!(resolve(bad, &m).is_err(), "{bad} must be refused");
        }
        assert_eq!(mime(Path::new("a.wasm")), "application/wasm");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
