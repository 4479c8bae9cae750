//! The use cases: what a person or a program may do with AfterResume, with every
//! rule that decides it — who may see and act for whom, page sizes and cursors,
//! idempotency keys, date ranges, defaults, orderings, formats.
//!
//! Hosts (the HTTP server, the Python module, the CLI, an embedding application)
//! parse their input into the request types here, call [`App`] with an [`Actor`],
//! and render what comes back. A rule written here holds in every host, and a new
//! host gets all of them by calling the same methods.

mod accounts;
mod actor;
pub mod curation;
pub mod demo;
pub mod import;
pub mod jobs;
pub mod operations;
pub mod overview;
mod page;
pub mod profile;
pub mod queues;
pub mod reports;
pub mod resume;
pub mod schedules;
pub mod skills;
pub mod worklogs;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use crate::Engine;
use crate::accounts::Accounts;
use crate::domain::{User, UserId};
use crate::ports::SharedDomainStore;

pub use actor::Actor;
pub use jobs::{Enqueued, EventPage, EventQuery, JobQuery};
pub use page::{DEFAULT_PAGE, MAX_PAGE, Page, PageRequest, invalid_limit};

/// The application: the engine, the domain store and the accounts over it.
/// Cheap to clone; every clone shares the same backends.
#[derive(Debug, Clone)]
pub struct App {
    engine: Engine,
    domain: SharedDomainStore,
    accounts: Accounts,
}

impl App {
    /// The application over an engine and the domain store its workflows use.
    pub fn new(engine: Engine, domain: SharedDomainStore) -> Self {
        App {
            accounts: Accounts::new(Arc::clone(&domain)),
            engine,
            domain,
        }
    }

    /// The job engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Users, worklogs, skills, reports and resumes.
    pub fn domain(&self) -> &SharedDomainStore {
        &self.domain
    }

    /// Passwords, tokens and login limits.
    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    /// The engine's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.engine.now()
    }

    /// Today by the engine's clock: the default date of a new entry.
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// The user `actor` asks to act for, checked to exist. An actor's own id
    /// needs no lookup; another id (staff or in-process code) does, so a request
    /// for a missing user fails here rather than writing rows nobody owns.
    pub(crate) async fn subject(
        &self,
        actor: &Actor,
        requested: Option<UserId>,
    ) -> crate::Result<UserId> {
        let user = actor.acting_for(requested)?;
        if actor.id() != Some(user) {
            self.domain.get_user(user).await?;
        }
        Ok(user)
    }

    /// A user's record, if `actor` may see it.
    pub async fn user(&self, actor: &Actor, user_id: UserId) -> crate::Result<User> {
        let found = self.domain.get_user(user_id).await;
        visible(actor, found, |u| Some(u.id), "user", user_id)
    }
}

/// The not-found answer for an object the actor may not see: the same whether it
/// exists or belongs to someone else, so ids reveal nothing.
pub(crate) fn hidden(what: &str, id: impl std::fmt::Display) -> crate::Error {
    crate::Error::not_found(format!("{what} {id} not found"))
}

/// An object from the store if `actor` may see its owner, else [`hidden`].
pub(crate) fn visible<T>(
    actor: &Actor,
    found: crate::Result<T>,
    owner: impl Fn(&T) -> Option<UserId>,
    what: &str,
    id: impl std::fmt::Display,
) -> crate::Result<T> {
    match found {
        Ok(object) if actor.may_see(owner(&object)) => Ok(object),
        Ok(_) => Err(hidden(what, id)),
        Err(e) if e.is(crate::ErrorKind::NotFound) => Err(hidden(what, id)),
        Err(e) => Err(e),
    }
}
