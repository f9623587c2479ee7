//! `vae serve`: the explorer's static file server. It serves `web/` at `/` and `pkg/` at `/pkg/` and
//! nothing else: only GET and HEAD, no directory listings, no path that leaves those two folders.
//! Files are served by tower-http's `ServeDir` (which percent-decodes, refuses `..`, answers HEAD and
//! sets MIME types); the policy around it (methods, a stricter path check, headers, logging) is here.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, Method, Request, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

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
}

pub fn run(a: Args) -> Result<()> {
    for dir in [&a.web, &a.pkg] {
        anyhow::ensure!(dir.is_dir(), "cannot serve {}: no such folder", dir.display());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_io().build()?;
    runtime.block_on(async move {
        let listener =
            tokio::net::TcpListener::bind(a.addr).await.with_context(|| format!("cannot listen on {}", a.addr))?;
        println!("serving the explorer at http://{}/  (Ctrl-C stops)", listener.local_addr()?);
        axum::serve(listener, app(a.web, a.pkg)).await?;
        Ok(())
    })
}

/// The page's Content-Security-Policy: its own scripts, styles, workers and fetches only; no inline script
/// and no eval, with `'wasm-unsafe-eval'` (compiling WebAssembly) the only allowance; images from itself
/// and `data:`/`blob:` URLs (its favicon and the PNG it exports). `web/index.html` repeats it in a `<meta>`
/// (without `frame-ancestors`, which a `<meta>` cannot set), and a test checks that the two agree.
pub const CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; \
connect-src 'self'; style-src 'self'; img-src 'self' data: blob:; manifest-src 'self'; base-uri 'none'; \
form-action 'none'; object-src 'none'; frame-ancestors 'none'";

fn app(web: PathBuf, pkg: PathBuf) -> Router {
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    Router::new()
        .nest_service("/pkg", ServeDir::new(pkg))
        .fallback_service(ServeDir::new(web))
        .layer(middleware::from_fn(policy))
        .layer(set(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::REFERRER_POLICY, "no-referrer"))
        .layer(set(header::CACHE_CONTROL, "no-cache"))
        // Cross-origin isolation: the page loads only its own files, so this costs nothing, and it gives the
        // page fine-grained timers (5 us instead of 100 us) and SharedArrayBuffer.
        .layer(set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin"))
        .layer(set(HeaderName::from_static("cross-origin-embedder-policy"), "require-corp"))
}

/// GET and HEAD only, a path check before any file is looked up, and one log line per request.
async fn policy(req: Request<Body>, next: Next) -> Response {
    let (method, uri) = (req.method().clone(), req.uri().clone());
    let resp = if method != Method::GET && method != Method::HEAD {
        (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET, HEAD")], "405 Method Not Allowed: only GET and HEAD\n")
            .into_response()
    } else if let Err(code) = check_path(uri.path()) {
        (code, format!("{code}\n")).into_response()
    } else {
        next.run(req).await
    };
    let len = resp.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).unwrap_or("-").to_string();
    eprintln!("{method} {uri} {} {len}", resp.status().as_u16());
    resp
}

/// Refuses, before `ServeDir` sees them, paths that could only be attempts to leave the folders: a `.` or
/// `..` segment (raw or percent-encoded), a backslash, a NUL, or an empty segment (`//etc/passwd`).
fn check_path(raw: &str) -> std::result::Result<(), StatusCode> {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8().map_err(|_| StatusCode::BAD_REQUEST)?;
    if !decoded.starts_with('/') || decoded.contains(['\\', '\0']) {
        return Err(StatusCode::BAD_REQUEST);
    }
    let segments: Vec<&str> = decoded[1..].split('/').collect();
    let last = segments.len() - 1;
    let bad = segments.iter().enumerate().any(|(i, s)| *s == "." || *s == ".." || (s.is_empty() && i != last));
    if bad {
        return Err(StatusCode::BAD_REQUEST);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_to_loopback_unless_told_otherwise() {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            args: Args,
        }
        let cli = <Cli as clap::Parser>::try_parse_from(["serve"]).unwrap();
        assert!(cli.args.addr.ip().is_loopback(), "default address {}", cli.args.addr);
        assert_eq!(cli.args.addr.to_string(), "127.0.0.1:8080");
        let other = <Cli as clap::Parser>::try_parse_from(["serve", "--addr", "0.0.0.0:9000"]).unwrap();
        assert_eq!(other.args.addr.to_string(), "0.0.0.0:9000");
    }

    #[test]
    fn traversal_attempts_are_refused_before_any_lookup() {
        for ok in ["/", "/index.html", "/js/main.js", "/pkg/vae_wasm_bg.wasm", "/js/"] {
            assert_eq!(check_path(ok), Ok(()), "{ok}");
        }
        for bad in [
            "/../secret.txt",
            "/%2e%2e/secret.txt",
            "/..%2fsecret.txt",
            "/sub/..%5c..%5csecret.txt",
            "//etc/passwd",
            "/pkg/../../secret.txt",
            "/./index.html",
            "/a%00b",
            "/%ff",
        ] {
            assert_eq!(check_path(bad), Err(StatusCode::BAD_REQUEST), "{bad} must be refused");
        }
    }
}
