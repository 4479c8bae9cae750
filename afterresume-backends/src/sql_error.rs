//! The one place sqlx errors become core errors, for every SQL backend.

use afterresume_core::{Error, ErrorKind};

/// Maps a sqlx error from the named backend: missing rows are NotFound, unique
/// violations AlreadyExists, foreign-key violations NotFound (of the referenced
/// entity), pool and I/O trouble, lock contention and serialization failures temporary
/// Backend errors, everything else a Backend error.
pub(crate) fn map_sqlx_from(backend: &'static str, err: sqlx::Error) -> Error {
    match &err {
        sqlx::Error::RowNotFound => Error::not_found("row not found"),
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            Error::already_exists("a unique value already exists").with_source(err)
        }
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            Error::not_found("a referenced entity does not exist").with_source(err)
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            Error::backend(format!("{backend}: database unavailable"))
                .temporary()
                .with_source(err)
        }
        sqlx::Error::Database(db) if is_data_exception(db.as_ref()) => Error::invalid_input(
            format!("{backend}: a value is out of range or not storable"),
        )
        .with_source(err),
        sqlx::Error::Encode(_) => {
            Error::invalid_input(format!("{backend}: a value cannot be stored")).with_source(err)
        }
        sqlx::Error::Database(db) if is_contention(db.as_ref()) => {
            Error::backend(format!("{backend}: database busy"))
                .temporary()
                .with_source(err)
        }
        _ => Error::new(ErrorKind::Backend, format!("{backend}: query failed")).with_source(err),
    }
}

/// Postgres' class 22, "data exception": a NUL byte, a number or date out of
/// range. The statement changed nothing; the input is at fault, not the database.
/// (SQLite's codes are numbers of at most four digits, never five characters.)
fn is_data_exception(db: &dyn sqlx::error::DatabaseError) -> bool {
    db.code()
        .is_some_and(|code| code.len() == 5 && code.starts_with("22"))
}

/// SQLite's busy/locked errors and Postgres' serialization failure, deadlock and
/// shutdown codes: worth retrying.
fn is_contention(db: &dyn sqlx::error::DatabaseError) -> bool {
    let message = db.message();
    let code = db.code();
    message.contains("locked")
        || message.contains("busy")
        || matches!(
            code.as_deref(),
            Some("40001" | "40P01" | "55P03" | "57P01" | "57P02" | "57P03")
        )
}

/// A NotFound from a write (a foreign key that points nowhere) restated as what
/// the caller was missing; other errors pass through.
pub(crate) fn not_found_as(e: Error, message: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    if e.kind() == ErrorKind::NotFound {
        Error::not_found(message)
    } else {
        e
    }
}
