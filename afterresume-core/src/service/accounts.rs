//! A user's own account: their tokens and sessions.

use super::{Actor, App, Page, PageRequest};
use crate::domain::{ApiToken, TokenId};
use crate::{ErrorKind, Result};

impl App {
    /// The actor's live tokens and sessions, oldest first (never their secrets).
    pub async fn list_tokens(&self, actor: &Actor, page: PageRequest) -> Result<Page<ApiToken>> {
        let user = actor.acting_for(None)?;
        let limit = page.size()?;
        let after = page.position(|c| c.parse::<TokenId>().ok())?;
        let items = self
            .accounts
            .list_tokens(user, after, limit + 1, self.now())
            .await?;
        Ok(Page::from_overfetch(items, limit, |t| t.id.to_string()))
    }

    /// Revokes one of the actor's tokens; it never authenticates again.
    pub async fn revoke_token(&self, actor: &Actor, id: TokenId) -> Result<()> {
        let user = actor.acting_for(None)?;
        self.accounts
            .revoke_token(user, id, self.now())
            .await
            .map_err(|e| match e.kind() {
                ErrorKind::NotFound => super::hidden("token", id),
                _ => e,
            })
    }
}
