//! sqlx errors of the SQLite backend.

use afterresume_core::Error;

/// Maps a sqlx error raised by SQLite.
pub(crate) fn map_sqlx(err: sqlx::Error) -> Error {
    crate::sql_error::map_sqlx_from("sqlite", err)
}

/// Maps an error of a statement run directly on the writer's handle (see
/// [`super::writer`]), with the same kinds as [`map_sqlx`].
pub(crate) fn map_rusqlite(err: rusqlite::Error) -> Error {
    use rusqlite::ffi;
    if let rusqlite::Error::SqliteFailure(failure, _) = &err {
        match failure.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                return Error::already_exists("a unique value already exists").with_source(err);
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
                return Error::not_found("a referenced entity does not exist").with_source(err);
            }
            _ => {}
        }
        if matches!(
            failure.code,
            ffi::ErrorCode::DatabaseBusy | ffi::ErrorCode::DatabaseLocked
        ) {
            return Error::backend("sqlite: database busy")
                .temporary()
                .with_source(err);
        }
    }
    Error::backend("sqlite: query failed").with_source(err)
}
