//! Profile documents in memory, with their revisions.

use afterresume_core::ports::profile_revision_conflict;

use super::*;

#[async_trait]
impl ProfileStore for MemoryDomainStore {
    async fn get_profile(&self, user_id: UserId) -> Result<StoredProfile> {
        let s = self.lock();
        let (document, revision) = s.profiles.get(&user_id).cloned().unwrap_or_default();
        Ok(StoredProfile {
            user_id,
            document,
            revision,
        })
    }

    async fn put_profile(
        &self,
        user_id: UserId,
        document: &ProfileDocument,
        expected: i64,
        _now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut s = self.lock();
        if !s.users.contains_key(&user_id) {
            return Err(missing("user", user_id));
        }
        let stored = s.profiles.get(&user_id).map_or(0, |(_, r)| *r);
        if stored != expected {
            return Err(profile_revision_conflict(user_id, expected));
        }
        s.profiles.insert(user_id, (document.clone(), expected + 1));
        Ok(expected + 1)
    }
}
