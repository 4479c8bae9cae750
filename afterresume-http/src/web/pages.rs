//! *Today* and the *Journal*: the person's worklogs, written and read through
//! the same use cases as `/api/worklogs/`.

use std::collections::HashMap;

use afterresume_core::domain::storable::parse_date;
use afterresume_core::domain::{WorkLog, WorkLogPatch};
use afterresume_core::service::PageRequest;
use afterresume_core::service::worklogs::{WorkLogInput, WorkLogQuery};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Days, NaiveDate};
use serde::Deserialize;
use serde_json::{Value, json};

use super::render::{page, query_value};
use super::session::{CsrfForm, WebUser};
use crate::error::ApiError;
use crate::state::AppState;

/// Entries a page shows at most.
const PAGE_ENTRIES: usize = 100;

/// What the entry form sends.
#[derive(Deserialize)]
pub(super) struct EntryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    date: String,
}

/// `GET /`: the entry form, today's entries and the rest of this week's.
pub(super) async fn today(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let today = state.app.today();
    let draft = json!({"content": "", "tags": "", "date": today.to_string()});
    let saved = query.contains_key("saved");
    today_page(&state, &web, StatusCode::OK, draft, None, saved).await
}

async fn today_page(
    state: &AppState,
    web: &WebUser,
    status: StatusCode,
    draft: Value,
    error: Option<String>,
    saved: bool,
) -> Response {
    let today = state.app.today();
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    let query = WorkLogQuery {
        date_from: Some(monday),
        date_to: Some(today),
        page: PageRequest::first(PAGE_ENTRIES),
        ..Default::default()
    };
    let week = match state.app.list_worklogs(&web.actor(), query).await {
        Ok(page) => page.results,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let (todays, weeks): (Vec<&WorkLog>, Vec<&WorkLog>) =
        week.iter().partition(|w| w.date == today);
    let mut known_tags: Vec<&str> = week
        .iter()
        .flat_map(|w| &w.tags)
        .map(String::as_str)
        .collect();
    known_tags.sort_unstable();
    known_tags.dedup();
    let mut context = web.context("today");
    context["today"] = json!(today.format("%A, %-d %B %Y").to_string());
    context["draft"] = draft;
    context["error"] = json!(error);
    context["saved"] = json!(saved);
    context["todays"] = json!(todays);
    context["weeks"] = json!(weeks);
    context["known_tags"] = json!(known_tags);
    page("today.html", status, &context)
}

/// `POST /`: writes the entry and goes back to *Today*; a bad entry comes
/// back in the form with what is wrong.
pub(super) async fn write_entry(
    State(state): State<AppState>,
    web: WebUser,
    Form(form): Form<EntryForm>,
) -> Response {
    if let Some(refused) = web.refusal(&form.csrf) {
        return refused;
    }
    let draft = form.draft();
    let input = match entry_input(&form) {
        Ok(input) => input,
        Err(message) => {
            return today_page(
                &state,
                &web,
                StatusCode::BAD_REQUEST,
                draft,
                Some(message),
                false,
            )
            .await;
        }
    };
    let actor = web.actor();
    match state.app.create_worklog(&actor, None, input).await {
        Ok(created) => {
            // The page promises skills once analyzed: ask for it now.
            if let Err(e) = state.app.analyze_worklog(&actor, created.id, None).await {
                tracing::warn!(worklog_id = created.id, error = %e, "could not enqueue the analysis");
            }
            Redirect::to("/?saved=1").into_response()
        }
        Err(e) if e.status() == afterresume_core::ErrorStatus::Permanent => {
            let message = e.public_message();
            today_page(
                &state,
                &web,
                StatusCode::BAD_REQUEST,
                draft,
                Some(message),
                false,
            )
            .await
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

impl EntryForm {
    /// The fields as sent, to put back in the form.
    fn draft(&self) -> Value {
        json!({"content": self.content, "tags": self.tags, "date": self.date})
    }
}

fn entry_input(form: &EntryForm) -> Result<WorkLogInput, String> {
    let date = match form.date.trim() {
        "" => None,
        d => Some(parse_date("date", d).map_err(|e| e.message().to_owned())?),
    };
    let tags = form
        .tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(WorkLogInput {
        content: form.content.replace("\r\n", "\n"),
        date,
        tags,
        source: Some("web".into()),
        ..WorkLogInput::default()
    })
}

/// The journal's filters, as the form sends them.
#[derive(Deserialize, Default)]
pub(super) struct JournalQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    cursor: String,
}

/// `GET /journal`: every entry, newest first, filtered by dates and tag.
pub(super) async fn journal(
    State(state): State<AppState>,
    web: WebUser,
    Query(filter): Query<JournalQuery>,
) -> Response {
    let date = |field: &str, value: &str| -> Result<Option<NaiveDate>, String> {
        match value.trim() {
            "" => Ok(None),
            v => parse_date(field, v)
                .map(Some)
                .map_err(|e| e.message().to_owned()),
        }
    };
    let mut context = web.context("journal");
    context["filter"] =
        json!({"from": filter.from, "to": filter.to, "tag": filter.tag, "q": filter.q});
    let query = date("from", &filter.from).and_then(|from| {
        Ok(WorkLogQuery {
            date_from: from,
            date_to: date("to", &filter.to)?,
            tag: Some(filter.tag.trim().to_owned()).filter(|t| !t.is_empty()),
            text: Some(filter.q.clone()),
            page: PageRequest {
                limit: Some(PAGE_ENTRIES),
                cursor: Some(filter.cursor.clone()).filter(|c| !c.is_empty()),
            },
            ..Default::default()
        })
    });
    let listed = match query {
        Ok(query) => state
            .app
            .list_worklogs(&web.actor(), query)
            .await
            .map_err(|e| e.public_message()),
        Err(message) => Err(message),
    };
    match listed {
        Ok(found) => {
            context["entries"] = json!(found.results);
            context["next"] = json!(found.next.map(|cursor| {
                let mut next = form_query(&filter);
                next.push_str(&format!("&cursor={}", query_value(&cursor)));
                next
            }));
            page("journal.html", StatusCode::OK, &context)
        }
        Err(message) => {
            context["entries"] = json!([]);
            context["error"] = json!(message);
            page("journal.html", StatusCode::BAD_REQUEST, &context)
        }
    }
}

/// The filters as a query string (for the next page's link).
fn form_query(filter: &JournalQuery) -> String {
    format!(
        "from={}&to={}&tag={}&q={}",
        query_value(&filter.from),
        query_value(&filter.to),
        query_value(&filter.tag),
        query_value(&filter.q)
    )
}

/// `GET /journal/{id}/edit`: the entry in a form.
pub(super) async fn edit_entry(
    State(state): State<AppState>,
    web: WebUser,
    Path(id): Path<i64>,
) -> Response {
    match state.app.worklog(&web.actor(), id).await {
        Ok(w) => {
            let draft = json!({"content": w.content, "tags": w.tags.join(", "),
                               "date": w.date.to_string()});
            edit_page(&web, id, StatusCode::OK, draft, None)
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

fn edit_page(
    web: &WebUser,
    id: i64,
    status: StatusCode,
    draft: Value,
    error: Option<String>,
) -> Response {
    let mut context = web.context("journal");
    context["id"] = json!(id);
    context["draft"] = draft;
    context["error"] = json!(error);
    page("edit.html", status, &context)
}

/// `POST /journal/{id}`: saves the edited entry (new content is analyzed
/// again) and goes back to the journal; a bad edit comes back in the form.
pub(super) async fn save_entry(
    State(state): State<AppState>,
    web: WebUser,
    Path(id): Path<i64>,
    Form(form): Form<EntryForm>,
) -> Response {
    if let Some(refused) = web.refusal(&form.csrf) {
        return refused;
    }
    let draft = form.draft();
    let input = match entry_input(&form) {
        Ok(input) => input,
        Err(message) => return edit_page(&web, id, StatusCode::BAD_REQUEST, draft, Some(message)),
    };
    let actor = web.actor();
    let before = match state.app.worklog(&actor, id).await {
        Ok(before) => before,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let patch = WorkLogPatch {
        date: input.date,
        content: Some(input.content),
        tags: Some(input.tags),
        ..WorkLogPatch::default()
    };
    match state.app.update_worklog(&actor, id, patch).await {
        Ok(after) => {
            if after.content != before.content
                && let Err(e) = state.app.analyze_worklog(&actor, id, None).await
            {
                tracing::warn!(worklog_id = id, error = %e, "could not enqueue the analysis");
            }
            Redirect::to("/journal").into_response()
        }
        Err(e) if e.status() == afterresume_core::ErrorStatus::Permanent => edit_page(
            &web,
            id,
            StatusCode::BAD_REQUEST,
            draft,
            Some(e.public_message()),
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /journal/{id}/delete`: deletes one of the person's entries.
pub(super) async fn delete_entry(
    State(state): State<AppState>,
    web: WebUser,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = web.refusal(&form.csrf) {
        return refused;
    }
    match state.app.delete_worklog(&web.actor(), id).await {
        Ok(()) => Redirect::to("/journal").into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
