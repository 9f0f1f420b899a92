//! Databases for tests: each test gets its own, freshly created on the
//! PostgreSQL server named by `ACCORD_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`, the database it connects
//! to in order to create and drop the others) and dropped afterwards.
//!
//! No server is no skip: creating the database fails, and the test with it.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
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
        Self::create_on(admin)
    }

    /// Creates `accord_test_<uuid>` on the server of `admin`, the URL of a
    /// database a user allowed to create databases connects to.
    pub fn create_on(admin: String) -> TestDatabase {
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

/// A PostgreSQL server of a test's own, in a temporary folder, on a free
/// port of 127.0.0.1 with trust authentication: a test may stop and start
/// it (a restart of the database) without touching the machine's shared
/// server, which other tests use. Made with the server binaries of
/// Debian's `postgresql` package (`/usr/lib/postgresql/<version>/bin`,
/// which `scripts/test.sh` installs when missing); run as the `postgres`
/// user when the test runs as root, since PostgreSQL refuses root.
/// Stopped (immediately) and deleted on drop.
pub struct PgServer {
    bin: PathBuf,
    folder: tempfile::TempDir,
    port: u16,
    /// The `postgres` user's uid and gid, when the test runs as root.
    user: Option<(u32, u32)>,
}

/// How [`PgServer::stop`] shuts the server down (`pg_ctl stop -m`).
#[derive(Clone, Copy, Debug)]
pub enum Shutdown {
    /// Sessions are ended, open transactions rolled back, then a checkpoint.
    Fast,
    /// Every process is killed at once, as in a crash: recovery at restart.
    Immediate,
}

impl PgServer {
    /// Makes a new cluster (`initdb`) and starts it; panics, saying what
    /// is missing, when the server binaries are not installed.
    pub fn start() -> PgServer {
        let bin = server_binaries().unwrap_or_else(|| {
            panic!(
                "no /usr/lib/postgresql/*/bin/initdb: the PostgreSQL restart tests need \
                 the server binaries (Debian's postgresql package; scripts/test.sh installs it)"
            )
        });
        let folder = tempfile::Builder::new()
            .prefix("accord-pg-")
            .tempdir()
            .expect("a temporary folder");
        let user = run_as_postgres(folder.path());
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let server = PgServer {
            bin,
            folder,
            port,
            user,
        };
        let data = server.data();
        server.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        server.start_again();
        server
    }

    /// The URL of its `postgres` database, as user `postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server (`pg_ctl stop`) and waits until it is down.
    pub fn stop(&self, mode: Shutdown) {
        let mode = match mode {
            Shutdown::Fast => "fast",
            Shutdown::Immediate => "immediate",
        };
        self.run("pg_ctl", &["-D", &self.data(), "-w", "-m", mode, "stop"]);
    }

    /// Starts the stopped server again on the same port and waits until it
    /// accepts connections (after recovery, following an immediate stop).
    pub fn start_again(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.folder.path().display()
        );
        let log = self.folder.path().join("server.log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log.display().to_string(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.folder.path().join("server.log"))
            .unwrap_or_else(|e| format!("(no server log: {e})"))
    }

    fn data(&self) -> String {
        self.folder.path().join("data").display().to_string()
    }

    /// Runs one of the server's programs, as `postgres` when root; panics
    /// with its output when it fails.
    fn run(&self, program: &str, args: &[&str]) {
        let mut command = std::process::Command::new(self.bin.join(program));
        command.args(args).current_dir(self.folder.path());
        if let Some((uid, gid)) = self.user {
            use std::os::unix::process::CommandExt;
            command.uid(uid).gid(gid);
        }
        let output = command
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(
            output.status.success(),
            "{program} {args:?} failed: {}{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            self.log()
        );
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let mut command = std::process::Command::new(self.bin.join("pg_ctl"));
        command.args(["-D", &self.data(), "-m", "immediate", "stop"]);
        if let Some((uid, gid)) = self.user {
            use std::os::unix::process::CommandExt;
            command.uid(uid).gid(gid);
        }
        let _ = command.output();
    }
}

/// The newest installed PostgreSQL's `bin` folder holding `initdb`.
fn server_binaries() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// When this process is root (PostgreSQL refuses to run as root), hands
/// `folder` to the `postgres` user and returns its uid and gid.
fn run_as_postgres(folder: &Path) -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    let owner = std::fs::metadata(folder).expect("the folder").uid();
    if owner != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").expect("/etc/passwd");
    let (uid, gid) = passwd
        .lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .find(|fields| fields.first() == Some(&"postgres") && fields.len() > 3)
        .map(|fields| (fields[2].parse().ok(), fields[3].parse().ok()))
        .and_then(|ids| Some((ids.0?, ids.1?)))
        .expect("a postgres user (made by Debian's postgresql package) to run the server as");
    std::os::unix::fs::chown(folder, Some(uid), Some(gid)).expect("the folder handed to postgres");
    Some((uid, gid))
}

/// A TCP proxy in front of a test database that a test can cut, as a
/// restart of the server would (every connection reset, new ones refused
/// until it is restored), or silence, as a network partition would (every
/// connection kept open, nothing forwarded either way).
pub struct Proxy {
    url: String,
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
    refused: Arc<AtomicUsize>,
    gate: Arc<Gate>,
}

/// Which connections of a [`Proxy`] forward nothing: every one accepted
/// before the last [`Proxy::restore`] after a [`Proxy::silence`].
#[derive(Default)]
struct Gate {
    silent: AtomicBool,
    /// Connections numbered below this one forward nothing, ever.
    cutoff: AtomicUsize,
    accepted: AtomicUsize,
}

impl Gate {
    fn forwards(&self, connection: usize) -> bool {
        !self.silent.load(Ordering::SeqCst) && connection >= self.cutoff.load(Ordering::SeqCst)
    }
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
        let gate = Arc::new(Gate::default());
        let proxy = Proxy {
            url: with_address(&database.url, &address.to_string()),
            up: Arc::clone(&up),
            open: Arc::clone(&open),
            refused: Arc::clone(&refused),
            gate: Arc::clone(&gate),
        };
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !up.load(Ordering::SeqCst) {
                    refused.fetch_add(1, Ordering::SeqCst);
                    continue; // dropped: the connection is refused
                }
                let number = gate.accepted.fetch_add(1, Ordering::SeqCst);
                if !gate.forwards(number) {
                    // Silent: accepted, kept open, never answered.
                    swallow(client, &open);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                forward(client, server, &open, &gate, number);
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
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Forwards nothing any more on any connection, and accepts new ones
    /// without answering them either: a partition without a reset. The
    /// connections open now, or opened until [`Proxy::restore`], stay
    /// open and silent for good, as a session the far side has lost.
    pub fn silence(&self) {
        self.gate.silent.store(true, Ordering::SeqCst);
    }

    /// How many connections were refused since the proxy started: a test
    /// waits on it to know that a client has tried and failed.
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }

    /// Accepts connections again, and forwards on those opened from now on.
    pub fn restore(&self) {
        let accepted = self.gate.accepted.load(Ordering::SeqCst);
        self.gate.cutoff.fetch_max(accepted, Ordering::SeqCst);
        self.gate.silent.store(false, Ordering::SeqCst);
        self.up.store(true, Ordering::SeqCst);
    }
}

/// Copies bytes both ways between `client` and `server` on two threads,
/// dropping them once the gate says connection `number` forwards nothing.
fn forward(
    client: TcpStream,
    server: TcpStream,
    open: &Mutex<Vec<TcpStream>>,
    gate: &Arc<Gate>,
    number: usize,
) {
    let pairs = [
        (client.try_clone(), server.try_clone()),
        (server.try_clone(), client.try_clone()),
    ];
    let mut kept = open.lock().unwrap_or_else(|e| e.into_inner());
    kept.extend([client, server]);
    for pair in pairs {
        if let (Ok(mut from), Ok(mut to)) = pair {
            let gate = Arc::clone(gate);
            std::thread::spawn(move || {
                use std::io::{Read, Write};
                let mut buffer = vec![0; 64 * 1024];
                loop {
                    let n = match from.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    if gate.forwards(number) && to.write_all(&buffer[..n]).is_err() {
                        break;
                    }
                }
                // A silenced connection does not tell the other side either.
                if gate.forwards(number) {
                    let _ = to.shutdown(std::net::Shutdown::Both);
                }
            });
        }
    }
}

/// Keeps `client` open, reading and dropping what it sends.
fn swallow(client: TcpStream, open: &Mutex<Vec<TcpStream>>) {
    if let Ok(mut from) = client.try_clone() {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut from, &mut std::io::sink());
        });
    }
    open.lock().unwrap_or_else(|e| e.into_inner()).push(client);
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

/// The rows of one query on `url`, each column as text (`None` for
/// NULL): a test looks at the server's own views with it
/// (`pg_stat_activity`, `pg_locks`).
pub fn text_rows(url: &str, sql: &str) -> Result<Vec<Vec<Option<String>>>, String> {
    let sql = sql.to_owned();
    on_a_connection_of_its_own(url, |client| async move {
        let messages = client.simple_query(&sql).await.map_err(|e| e.to_string())?;
        Ok(messages
            .iter()
            .filter_map(|message| match message {
                tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_owned))
                        .collect(),
                ),
                _ => None,
            })
            .collect())
    })
}

/// Runs one statement on `url`.
fn execute(url: &str, sql: &str) -> Result<(), String> {
    let sql = sql.to_owned();
    on_a_connection_of_its_own(url, |client| async move {
        client
            .batch_execute(&sql)
            .await
            .map_err(|e| match e.as_db_error() {
                Some(db) => db.message().to_owned(),
                None => e.to_string(),
            })
    })
}

/// Runs `work` on a connection to `url` opened for it, on a runtime of its
/// own in a thread of its own (so it may be called from anywhere, a
/// runtime's thread included), and closes the connection after.
fn on_a_connection_of_its_own<T, F, Work>(url: &str, work: Work) -> Result<T, String>
where
    T: Send + 'static,
    F: std::future::Future<Output = Result<T, String>>,
    Work: FnOnce(std::sync::Arc<tokio_postgres::Client>) -> F + Send + 'static,
{
    let url = url.to_owned();
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
            let client = std::sync::Arc::new(client);
            let result = work(client.clone()).await;
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
