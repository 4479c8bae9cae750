//! Server-rendered pages for people, over the same use cases as the API: log
//! in and out, *Today* (write an entry; today's and this week's entries), the
//! *Journal* (filter by date and tag, delete), *Skills* (each with the
//! sentences that prove it) and the *Resume* (themed preview, downloads). Plain HTML forms that work
//! without JavaScript; every form carries a CSRF token; every page is sent with
//! a Content-Security-Policy that allows no inline script.

mod insights;
mod pages;
mod render;
mod session;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub(crate) use session::cookie_is_secure;

/// The pages and their one stylesheet.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/", get(pages::today).post(pages::write_entry))
        .route("/journal", get(pages::journal))
        .route("/journal/{id}/delete", post(pages::delete_entry))
        .route("/skills", get(insights::skills))
        .route("/resume", get(insights::resume))
        .route("/resume/preview", get(insights::preview))
        .route("/resume/download", get(insights::download))
        .route("/resume/refresh", post(insights::refresh))
        .route("/assets/app.css", get(render::stylesheet))
}
