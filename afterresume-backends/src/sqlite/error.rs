//! The one place sqlx errors become core errors.

use afterresume_core::{Error, ErrorKind};

/// Maps a sqlx error: missing rows are NotFound, unique violations AlreadyExists, pool
/// and I/O trouble temporary Backend errors, everything else a Backend error.
pub(crate) fn map_sqlx(err: sqlx::Error) -> Error {
    match &err {
        sqlx::Error::RowNotFound => Error::not_found("row not found"),
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            Error::already_exists("a unique value already exists").with_source(err)
        }
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            Error::not_found("a referenced entity does not exist").with_source(err)
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            Error::backend("sqlite: database unavailable")
                .temporary()
                .with_source(err)
        }
        sqlx::Error::Database(db)
            if db.message().contains("locked") || db.message().contains("busy") =>
        {
            Error::backend("sqlite: database busy")
                .temporary()
                .with_source(err)
        }
        _ => Error::new(ErrorKind::Backend, "sqlite: query failed").with_source(err),
    }
}
