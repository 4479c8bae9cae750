//! Group commit for the engine's hot writes (job inserts, claims, completions,
//! event appends), run directly on the writer connection's SQLite handle.
//!
//! Why: sqlx runs each SQLite connection on a thread of its own, so every statement
//! and every returned row crosses a channel between threads. A profile of the drain
//! (`peer-bench --backend sqlite --drain-only`) had the writer's thread saturated
//! with that traffic (channel signalling, futex wake-ups, a copy of every value of
//! every row) while SQLite's own work was under a third of it. Here one task owns a
//! rusqlite connection to the same file, takes every write that is waiting and runs
//! them all in one transaction with cached prepared statements: one commit for the
//! group, rows read where they are produced, no thread hand-off per statement.
//!
//! A write that fails rolls the group back, and then every write of that group runs
//! again in a transaction of its own, so the failure is its own and the others
//! commit. (A savepoint per write would isolate it up front, but it copies every
//! page the write touches into a statement journal: 5% of the writer's time.)
//! Callers hear back only after the commit.
//! While a group runs it holds the backend's sqlx writer connection, so the writes
//! that go through sqlx wait their turn instead of contending for SQLite's lock
//! (whose busy handler sleeps). Groups that find writes already waiting run under
//! the same hold, up to [`MAX_GROUPS_PER_HOLD`]: handing the connection back and
//! taking it again cost 0.35 s of the writer's 2.45 s per 60k drained jobs, and the
//! drain went from about 18.6k to 22.7k jobs/s.

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::time::Duration;

use afterresume_core::{Error, Result};
use rusqlite::{Connection, OpenFlags};
use sqlx::SqlitePool;
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::{mpsc, oneshot};

use super::error::{map_rusqlite, map_sqlx};

/// The most writes one transaction carries; more wait for the next group.
const MAX_GROUP: usize = 512;

/// The most groups run back to back under one hold of the sqlx writer, so that
/// writes through sqlx wait at most that long.
const MAX_GROUPS_PER_HOLD: usize = 16;

/// Where the backend sends its hot writes. Cloning shares the one writer task, which
/// ends when the last clone is dropped.
#[derive(Debug, Clone)]
pub(super) struct GroupWriter {
    sender: mpsc::UnboundedSender<Box<dyn PendingWrite>>,
}

impl GroupWriter {
    /// Opens the writer's connection to the (migrated) database at `path` and starts
    /// its task on the current runtime; `writer` is the backend's one-connection sqlx
    /// write pool, held while a group runs.
    pub(super) fn spawn(path: &Path, writer: SqlitePool) -> Result<Self> {
        let db = open(path).map_err(|e| map_rusqlite(e).with_context("path", path.display()))?;
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(write_loop(db, writer, receiver));
        Ok(GroupWriter { sender })
    }

    /// Runs `work` in the next group's transaction and returns its result once the
    /// group has committed. `work` may run twice (see the module docs): it must
    /// depend only on what it captured and on the database.
    pub(super) async fn run<T, F>(&self, work: F) -> Result<T>
    where
        F: Fn(&Connection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Box::new(Pending {
                work,
                result: None,
                reply,
            }))
            .map_err(|_| Error::unexpected("sqlite: the writer has stopped"))?;
        answer
            .await
            .map_err(|_| Error::unexpected("sqlite: the writer dropped a write"))?
    }
}

/// A write waiting for its group.
trait PendingWrite: Send {
    /// Runs the write in the open transaction and keeps its result; `false` when it
    /// failed (the transaction must then be rolled back).
    fn run(&mut self, db: &Connection) -> bool;
    /// Answers the caller: with the kept result if the commit succeeded.
    fn answer(self: Box<Self>, commit: std::result::Result<(), &Error>);
}

struct Pending<F, T> {
    work: F,
    result: Option<Result<T>>,
    reply: oneshot::Sender<Result<T>>,
}

impl<F, T> PendingWrite for Pending<F, T>
where
    F: Fn(&Connection) -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    fn run(&mut self, db: &Connection) -> bool {
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| (self.work)(db)))
            .unwrap_or_else(|_| Err(Error::unexpected("sqlite: a write panicked")));
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn answer(self: Box<Self>, commit: std::result::Result<(), &Error>) {
        let answer = match (commit, self.result) {
            (Err(err), _) => Err(copy_error(err)),
            (Ok(()), Some(result)) => result,
            (Ok(()), None) => Err(Error::unexpected("sqlite: a write was never run")),
        };
        let _ = self.reply.send(answer);
    }
}

/// The same error for each caller of a group (errors are not `Clone`).
fn copy_error(err: &Error) -> Error {
    let copy = Error::new(err.kind(), err.message().to_owned());
    if err.is_temporary() {
        copy.temporary()
    } else {
        copy
    }
}

/// The same settings as the sqlx connections: WAL (already the file's mode),
/// `synchronous = NORMAL`, foreign keys, a busy timeout for other processes, and no
/// checkpoint inside a commit (the backend's checkpointer does that).
fn open(path: &Path) -> rusqlite::Result<Connection> {
    let db = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    db.busy_timeout(Duration::from_secs(10))?;
    db.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
         PRAGMA wal_autocheckpoint = 0;",
    )?;
    db.set_prepared_statement_cache_capacity(32);
    Ok(db)
}

async fn write_loop(
    mut db: Connection,
    writer: SqlitePool,
    mut receiver: mpsc::UnboundedReceiver<Box<dyn PendingWrite>>,
) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    loop {
        // Writes left over from the last hold run first, without waiting for more.
        if group.is_empty() && receiver.recv_many(&mut group, MAX_GROUP).await == 0 {
            return; // every sender is gone
        }
        // The sqlx writer waits while the groups run (see the module docs).
        let _held = match writer.acquire().await {
            Ok(held) => held,
            Err(err) => {
                answer_all(std::mem::take(&mut group), Err(&map_sqlx(err)));
                continue;
            }
        };
        // Giving the sqlx writer back costs a round trip to its thread (sqlx pings
        // a connection on release), as much as a small group's own work: while
        // writes keep arriving, the next group runs under the same hold.
        for _ in 0..MAX_GROUPS_PER_HOLD {
            let taken = std::mem::take(&mut group);
            blocking(|| write_group(&mut db, taken));
            take_waiting(&mut receiver, &mut group);
            if group.is_empty() {
                break;
            }
        }
    }
}

/// Moves the writes already waiting into `group` (up to [`MAX_GROUP`]), without
/// waiting for more.
fn take_waiting(
    receiver: &mut mpsc::UnboundedReceiver<Box<dyn PendingWrite>>,
    group: &mut Vec<Box<dyn PendingWrite>>,
) {
    while group.len() < MAX_GROUP {
        match receiver.try_recv() {
            Ok(write) => group.push(write),
            Err(_) => break,
        }
    }
}

/// Runs a group in one transaction; if a write fails, runs each alone instead.
fn write_group(db: &mut Connection, mut group: Vec<Box<dyn PendingWrite>>) {
    if let Err(err) = execute(db, "BEGIN IMMEDIATE") {
        return answer_all(group, Err(&err));
    }
    let all_ran = group.iter_mut().all(|write| write.run(db));
    if all_ran {
        let commit = execute(db, "COMMIT");
        if commit.is_err() {
            rollback(db);
        }
        return answer_all(group, commit.as_ref().map(|_| ()));
    }
    rollback(db);
    for mut write in group {
        let commit = execute(db, "BEGIN IMMEDIATE").and_then(|()| {
            if write.run(db) {
                execute(db, "COMMIT")
            } else {
                rollback(db);
                Ok(())
            }
        });
        if commit.is_err() {
            rollback(db);
        }
        write.answer(commit.as_ref().map(|_| ()));
    }
}

fn execute(db: &Connection, sql: &str) -> Result<()> {
    db.prepare_cached(sql)
        .and_then(|mut statement| statement.execute([]))
        .map(|_| ())
        .map_err(map_rusqlite)
}

fn rollback(db: &Connection) {
    if !db.is_autocommit() {
        let _ = execute(db, "ROLLBACK");
    }
}

fn answer_all(group: Vec<Box<dyn PendingWrite>>, commit: std::result::Result<(), &Error>) {
    for write in group {
        write.answer(commit);
    }
}

/// Runs synchronous SQLite work from async code: on a multi-threaded runtime the
/// worker thread hands its other tasks to the rest of the pool meanwhile.
fn blocking<R>(work: impl FnOnce() -> R) -> R {
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use afterresume_core::ErrorKind;

    use super::super::SqliteBackend;
    use super::*;

    fn add_message(db: &Connection, name: &str) -> Result<()> {
        db.execute(
            "INSERT INTO queue_messages (job_id, available_at) VALUES (?1, 0)",
            [name],
        )
        .map(|_| ())
        .map_err(map_rusqlite)
    }

    async fn messages(backend: &SqliteBackend) -> Vec<String> {
        sqlx::query_scalar("SELECT job_id FROM queue_messages ORDER BY job_id")
            .fetch_all(&backend.pool)
            .await
            .unwrap()
    }

    type TestWrite<T> = Box<dyn Fn(&Connection) -> Result<T> + Send + Sync>;

    /// Holds the sqlx writer so that the next writes gather into one group, sends
    /// them, then lets the group run.
    async fn in_one_group<T: Send + 'static>(
        backend: &SqliteBackend,
        writes: Vec<TestWrite<T>>,
    ) -> Vec<Result<T>> {
        let held = backend.writer.acquire().await.unwrap();
        // A first write takes the writer task to the held connection, where it waits.
        let first = tokio::spawn({
            let group = backend.group.clone();
            async move { group.run(|db| add_message(db, "first")).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut sent = Vec::new();
        for write in writes {
            let group = backend.group.clone();
            sent.push(tokio::spawn(async move { group.run(write).await }));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(held);
        first.await.unwrap().unwrap();
        let mut results = Vec::new();
        for write in sent {
            results.push(write.await.unwrap());
        }
        results
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_write_is_rolled_back_alone() {
        let backend = SqliteBackend::open_temporary().await.unwrap();
        let results = in_one_group(
            &backend,
            vec![
                Box::new(|db| add_message(db, "a")),
                Box::new(|db| {
                    add_message(db, "b-partial")?;
                    Err(Error::invalid_input("b changed its mind"))
                }),
                Box::new(|db| add_message(db, "c")),
            ],
        )
        .await;
        assert!(results[0].is_ok(), "{:?}", results[0]);
        let err = results[1].as_ref().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.message(), "b changed its mind");
        assert!(results[2].is_ok(), "{:?}", results[2]);
        assert_eq!(messages(&backend).await, vec!["a", "c", "first"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_write_fails_alone_and_the_writer_keeps_going() {
        let backend = SqliteBackend::open_temporary().await.unwrap();
        let results = in_one_group(
            &backend,
            vec![
                Box::new(|_db: &Connection| -> Result<()> { panic!("boom") }),
                Box::new(|db| add_message(db, "after")),
            ],
        )
        .await;
        assert_eq!(
            results[0].as_ref().unwrap_err().kind(),
            ErrorKind::Unexpected
        );
        assert!(results[1].is_ok());
        backend
            .group
            .run(|db| add_message(db, "later"))
            .await
            .unwrap();
        assert_eq!(messages(&backend).await, vec!["after", "first", "later"]);
    }

    /// More writes than one hold of the sqlx writer takes all run, though nothing
    /// arrives after them: the last hold ends with writes taken but not run, and
    /// those must not wait for a next write.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_beyond_one_hold_run_without_a_later_write() {
        let backend = SqliteBackend::open_temporary().await.unwrap();
        // Whatever the first group takes (1 to MAX_GROUP writes), the hold's last
        // look takes the rest and leaves the channel empty.
        let n = MAX_GROUP * MAX_GROUPS_PER_HOLD + 1;
        let held = backend.writer.acquire().await.unwrap();
        let mut sent = Vec::with_capacity(n);
        for i in 0..n {
            let group = backend.group.clone();
            sent.push(tokio::spawn(async move {
                group
                    .run(move |db| add_message(db, &format!("{i:05}")))
                    .await
            }));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        drop(held);
        let all = async {
            for write in sent {
                write.await.unwrap().unwrap();
            }
        };
        tokio::time::timeout(Duration::from_secs(20), all)
            .await
            .expect("writes left over from a hold never ran");
        assert_eq!(messages(&backend).await.len(), n);
    }

    /// A write through sqlx gets the writer connection although group writes are
    /// always waiting.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlx_writes_get_their_turn_under_a_stream_of_group_writes() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};

        let backend = SqliteBackend::open_temporary().await.unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let producer = tokio::spawn({
            let (group, stop) = (backend.group.clone(), Arc::clone(&stop));
            async move {
                // Keeps a backlog of slow writes in flight, never waiting for one:
                // while a group runs, the next one fills up.
                let in_flight = Arc::new(tokio::sync::Semaphore::new(4 * MAX_GROUP));
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let permit = Arc::clone(&in_flight).acquire_owned().await.unwrap();
                    let group = group.clone();
                    let name = format!("stream-{i}");
                    tokio::spawn(async move {
                        let slow_write = move |db: &Connection| {
                            std::thread::sleep(Duration::from_micros(100));
                            add_message(db, &name)
                        };
                        group.run(slow_write).await.unwrap();
                        drop(permit);
                    });
                    i += 1;
                }
            }
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        let through_sqlx =
            sqlx::query("INSERT INTO queue_messages (job_id, available_at) VALUES ('sqlx', 0)")
                .execute(&backend.writer);
        let done = tokio::time::timeout(Duration::from_secs(5), through_sqlx).await;
        stop.store(true, Ordering::Relaxed);
        producer.await.unwrap();
        done.expect("the sqlx write waited behind group writes for 5 s")
            .unwrap();
        assert!(messages(&backend).await.contains(&"sqlx".to_owned()));
    }

    /// A write is answered only once its group committed: what it wrote is then
    /// visible to the read pool.
    #[tokio::test]
    async fn an_answered_write_is_committed() {
        let backend = SqliteBackend::open_temporary().await.unwrap();
        backend
            .group
            .run(|db| add_message(db, "seen"))
            .await
            .unwrap();
        assert_eq!(messages(&backend).await, vec!["seen"]);
    }
}
