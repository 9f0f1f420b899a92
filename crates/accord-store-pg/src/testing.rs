//! Databases for tests: each test gets its own, freshly created on the
//! PostgreSQL server named by `ACCORD_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`, the database it connects
//! to in order to create and drop the others) and dropped afterwards.
//!
//! No server is no skip: creating the database fails, and the test with it.

use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_postgres::NoTls;
use uuid::Uuid;

/// The variable naming the server tests run against.
pub const TEST_DATABASE_URL: &str = "ACCORD_TEST_DATABASE_URL";

/// The server tests run against when the variable is unset.
pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database created for one test, dropped (with its connections) when this is dropped.
pub struct TestDatabase {
    admin: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// Creates `accord_test_<uuid>`; panics, saying what to do, when the
    /// server cannot be reached.
    pub fn create() -> TestDatabase {
        let admin =
            std::env::var(TEST_DATABASE_URL).unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.into());
        let name = format!("accord_test_{}", Uuid::now_v7().simple());
        let url = with_database(&admin, &name);
        if let Err(error) = execute(&admin, &format!("CREATE DATABASE {name}")) {
            panic!(
                "cannot create a test database on {admin} ({error}): the PostgreSQL tests \
                 need a server; start one (`.ci/run` does) or name one in {TEST_DATABASE_URL}"
            );
        }
        TestDatabase { admin, name, url }
    }

    /// The URL of the database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(error) = execute(&self.admin, &drop) {
            eprintln!("could not drop the test database {}: {error}", self.name);
        }
    }
}

/// A TCP proxy in front of a test database that a test can cut, as a
/// restart of the server would (every connection reset, new ones refused
/// until it is restored).
pub struct Proxy {
    url: String,
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
    refused: Arc<AtomicUsize>,
}

impl Proxy {
    /// Listens on a free port of 127.0.0.1, forwarding to `database`'s server.
    pub fn start(database: &TestDatabase) -> Proxy {
        let config: tokio_postgres::Config = database.url.parse().expect("a database URL");
        let host = match config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
            _ => "127.0.0.1".into(),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let upstream = format!("{host}:{port}");
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let address = listener.local_addr().expect("its address");
        let (up, open) = (Arc::new(AtomicBool::new(true)), Arc::default());
        let refused = Arc::new(AtomicUsize::new(0));
        let proxy = Proxy {
            url: with_address(&database.url, &address.to_string()),
            up: Arc::clone(&up),
            open: Arc::clone(&open),
            refused: Arc::clone(&refused),
        };
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !up.load(Ordering::SeqCst) {
                    refused.fetch_add(1, Ordering::SeqCst);
                    continue; // dropped: the connection is refused
                }
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                forward(client, server, &open);
            }
        });
        proxy
    }

    /// The test database's URL through the proxy.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Resets every connection and refuses new ones.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for stream in self
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// How many connections were refused since the proxy started: a test
    /// waits on it to know that a client has tried and failed.
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }

    /// Accepts connections again.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// Copies bytes both ways between `client` and `server` on two threads.
fn forward(client: TcpStream, server: TcpStream, open: &Mutex<Vec<TcpStream>>) {
    let pairs = [
        (client.try_clone(), server.try_clone()),
        (server.try_clone(), client.try_clone()),
    ];
    let mut kept = open.lock().unwrap_or_else(|e| e.into_inner());
    kept.extend([client, server]);
    for pair in pairs {
        if let (Ok(mut from), Ok(mut to)) = pair {
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut from, &mut to);
                let _ = to.shutdown(Shutdown::Both);
            });
        }
    }
}

/// `url` with its host and port replaced by `address`.
pub fn with_address(url: &str, address: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let user = authority.rsplit_once('@').map(|(user, _)| user);
    match user {
        Some(user) => format!("{scheme}://{user}@{address}{path}"),
        None => format!("{scheme}://{address}{path}"),
    }
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (authority, query) = match rest.split_once('/') {
        Some((authority, path)) => (authority, path.split_once('?').map(|(_, q)| q)),
        None => match rest.split_once('?') {
            Some((authority, query)) => (authority, Some(query)),
            None => (rest, None),
        },
    };
    match query {
        Some(query) => format!("{scheme}://{authority}/{name}?{query}"),
        None => format!("{scheme}://{authority}/{name}"),
    }
}

/// Runs one statement on `url`, on a runtime of its own in a thread of its
/// own (so it may be called from anywhere, a runtime's thread included).
fn execute(url: &str, sql: &str) -> Result<(), String> {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let mut config: tokio_postgres::Config = url.parse().map_err(|e| format!("{e}"))?;
            config.connect_timeout(Duration::from_secs(5));
            let (client, connection) = config.connect(NoTls).await.map_err(|e| e.to_string())?;
            let connection = tokio::spawn(connection);
            let result = client
                .batch_execute(&sql)
                .await
                .map_err(|e| match e.as_db_error() {
                    Some(db) => db.message().to_owned(),
                    None => e.to_string(),
                });
            drop(client);
            let _ = connection.await;
            result
        })
    })
    .join()
    .map_err(|_| "the thread panicked".to_string())?
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced_keeping_the_rest() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres", "t1"),
            "postgres://u:p@h:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u@h/postgres?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "t1"),
            "postgres://h:5432/t1"
        );
    }
}
