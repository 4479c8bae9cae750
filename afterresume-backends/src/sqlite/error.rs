//! sqlx errors of the SQLite backend.

use afterresume_core::Error;

/// Maps a sqlx error raised by SQLite.
pub(crate) fn map_sqlx(err: sqlx::Error) -> Error {
    crate::sql_error::map_sqlx_from("sqlite", err)
}
