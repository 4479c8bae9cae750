//! Users and tokens in memory.

use super::*;

#[async_trait]
impl UserStore for MemoryDomainStore {
    async fn create_user(&self, new: NewUser, now: DateTime<Utc>) -> Result<User> {
        let mut s = self.lock();
        if s.users
            .values()
            .any(|u| u.username.eq_ignore_ascii_case(&new.username))
        {
            return Err(Error::already_exists(format!(
                "username '{}' is taken",
                new.username
            )));
        }
        let user = User {
            id: s.next_id("users"),
            username: new.username,
            email: new.email,
            full_name: new.full_name,
            password_hash: new.password_hash,
            is_staff: new.is_staff,
            is_active: true,
            created_at: now,
        };
        s.users.insert(user.id, user.clone());
        Ok(user)
    }

    async fn get_user(&self, id: UserId) -> Result<User> {
        self.lock()
            .users
            .get(&id)
            .cloned()
            .ok_or_else(|| missing("user", id))
    }

    async fn get_user_by_username(&self, username: &str) -> Result<User> {
        self.lock()
            .users
            .values()
            .find(|u| u.username.eq_ignore_ascii_case(username))
            .cloned()
            .ok_or_else(|| missing("user", username))
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        Ok(self.lock().users.values().cloned().collect())
    }

    async fn set_password_hash(&self, id: UserId, password_hash: &str) -> Result<()> {
        let mut s = self.lock();
        let user = s.users.get_mut(&id).ok_or_else(|| missing("user", id))?;
        user.password_hash = password_hash.to_owned();
        Ok(())
    }
}

#[async_trait]
impl TokenStore for MemoryDomainStore {
    async fn create_token(&self, new: NewApiToken, now: DateTime<Utc>) -> Result<ApiToken> {
        let mut s = self.lock();
        if !s.users.contains_key(&new.user_id) {
            return Err(missing("user", new.user_id));
        }
        if s.tokens.values().any(|t| t.token_hash == new.token_hash) {
            return Err(Error::already_exists("token hash already exists"));
        }
        let token = ApiToken {
            id: s.next_id("tokens"),
            user_id: new.user_id,
            name: new.name,
            token_hash: new.token_hash,
            created_at: now,
            last_used_at: None,
            revoked_at: None,
            expires_at: new.expires_at,
        };
        s.tokens.insert(token.id, token.clone());
        Ok(token)
    }

    async fn use_token(&self, token_hash: &str, now: DateTime<Utc>) -> Result<ApiToken> {
        let mut s = self.lock();
        let token = s
            .tokens
            .values_mut()
            .find(|t| t.token_hash == token_hash && t.is_live(now))
            .ok_or_else(|| Error::not_found("token not found"))?;
        if token.use_is_due(now) {
            token.last_used_at = Some(now);
        }
        Ok(token.clone())
    }

    async fn list_tokens(&self, user_id: UserId, page: TokenPage) -> Result<Vec<ApiToken>> {
        let limit = if page.limit == 0 {
            usize::MAX
        } else {
            page.limit
        };
        Ok(self
            .lock()
            .tokens
            .values()
            .filter(|t| t.user_id == user_id && page.matches(t))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn revoke_token(&self, user_id: UserId, id: TokenId, now: DateTime<Utc>) -> Result<()> {
        let mut s = self.lock();
        let token = s
            .tokens
            .get_mut(&id)
            .filter(|t| t.user_id == user_id)
            .ok_or_else(|| missing("token", id))?;
        token.revoked_at.get_or_insert(now);
        Ok(())
    }
}
