//! A small HTTP server on the standard library: every path answers which architecture the
//! binary was compiled for (`--arch` prints it and exits, for running it under QEMU).
use std::io::{Read, Write};
use std::net::TcpListener;

fn main() {
    let says = format!("rust-std-server says hello from {}\n", std::env::consts::ARCH);
    if std::env::args().nth(1).as_deref() == Some("--arch") {
        print!("{says}");
        return;
    }
    let listener = TcpListener::bind(("0.0.0.0", 8080)).expect("bind 0.0.0.0:8080");
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let mut request = [0u8; 2048];
        let _ = stream.read(&mut request);
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{says}",
            says.len()
        );
    }
}
