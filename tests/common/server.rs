//! A small HTTP/1.1 server of the tests' own on loopback: it records every request (body
//! gunzipped) and answers each one as the test scripts it, including slowly, or not at all.
//! It also accepts `CONNECT`, as a proxy tunnelling to itself.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body, gunzipped when it was sent gzipped.
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == &name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
    }

    /// The item types of the envelope in the body, in order.
    pub fn item_types(&self) -> Vec<String> {
        let mut types = Vec::new();
        let mut lines = self.body.split(|b| *b == b'\n').skip(1);
        while let Some(header) = lines.next() {
            let Ok(h) = serde_json::from_slice::<serde_json::Value>(header) else {
                break;
            };
            types.push(h["type"].as_str().unwrap_or("").to_owned());
            // Payloads here are single-line JSON or sized; skip one line either way.
            lines.next();
        }
        types
    }

    /// The payload of the first item of type `ty`, as JSON.
    pub fn item(&self, ty: &str) -> Option<serde_json::Value> {
        let mut lines = self.body.split(|b| *b == b'\n').skip(1);
        while let Some(header) = lines.next() {
            let h: serde_json::Value = serde_json::from_slice(header).ok()?;
            let payload = lines.next()?;
            if h["type"] == ty {
                return serde_json::from_slice(payload).ok();
            }
        }
        None
    }
}

/// How to answer one request.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub delay: Duration,
    /// Close the connection without answering.
    pub hang_up: bool,
}

impl Reply {
    pub fn ok() -> Reply {
        Reply::status(200)
    }

    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            delay: Duration::ZERO,
            hang_up: false,
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    pub fn hang_up() -> Reply {
        Reply {
            hang_up: true,
            ..Reply::ok()
        }
    }
}

type Script = dyn Fn(usize, &Request) -> Reply + Send + Sync;

/// The running server. It stops with the test process.
#[derive(Clone)]
pub struct Server {
    pub port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    /// Starts a server that answers the `n`th request (from 0) as `script` says.
    pub fn start(script: impl Fn(usize, &Request) -> Reply + Send + Sync + 'static) -> Server {
        Server::start_on(
            TcpListener::bind("127.0.0.1:0").expect("a loopback port"),
            script,
        )
    }

    /// Like [`Server::start`], on a listener of the caller's (a port that was down before).
    pub fn start_on(
        listener: TcpListener,
        script: impl Fn(usize, &Request) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Script> = Arc::new(script);
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (seen, script) = (seen.clone(), script.clone());
                std::thread::spawn(move || serve(stream, &seen, &*script));
            }
        });
        Server { port, requests }
    }

    /// A DSN pointing at this server, with a path prefix and a secret.
    pub fn dsn(&self) -> String {
        format!("http://public:secret@127.0.0.1:{}/prefix/42", self.port)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// The messages of the events received, in order.
    pub fn event_messages(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter_map(|r| r.item("event"))
            .map(|e| {
                e["logentry"]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }
}

fn serve(stream: TcpStream, seen: &Mutex<Vec<Request>>, script: &Script) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let Some(request) = read_request(&mut reader) else {
            return;
        };
        let n = {
            let mut seen = seen.lock().unwrap();
            seen.push(request.clone());
            seen.len() - 1
        };
        if request.method == "CONNECT" {
            // Act as a proxy that tunnels to itself: later requests on this connection are
            // the client's requests to the origin.
            if stream
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .is_err()
            {
                return;
            }
            continue;
        }
        let reply = script(n, &request);
        std::thread::sleep(reply.delay);
        if reply.hang_up {
            let _ = stream.shutdown(std::net::Shutdown::Both);
            return;
        }
        let body = br#"{"id":"00000000000000000000000000000000"}"#;
        let mut head = format!(
            "HTTP/1.1 {} X\r\ncontent-length: {}\r\ncontent-type: application/json\r\n",
            reply.status,
            body.len()
        );
        for (name, value) in &reply.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        if stream.write_all(head.as_bytes()).is_err() || stream.write_all(body).is_err() {
            return;
        }
    }
}

pub fn read_request(reader: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).ok().filter(|n| *n > 0)?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let gzipped = headers
        .iter()
        .any(|(n, v)| n == "content-encoding" && v == "gzip");
    if gzipped {
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut plain)
            .ok()?;
        body = plain;
    }
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}
