//! The profile, positions and education of a user: read, change, and keep the
//! resume current after each change.

use super::{Actor, App};
use crate::domain::{
    Education, EducationPatch, NewEducation, NewPosition, Position, PositionId, PositionPatch,
    Profile, ProfileDocument, ProfilePatch, UserId,
};
use crate::{ErrorKind, Result};

/// Writers that lose a race re-read and re-apply their change this many times.
const PROFILE_WRITE_ATTEMPTS: usize = 8;

impl App {
    /// A user's profile (header, working days).
    pub async fn profile(&self, actor: &Actor, user_id: Option<UserId>) -> Result<Profile> {
        let user = self.subject(actor, user_id).await?;
        Ok(self.domain.get_profile(user).await?.document.profile)
    }

    /// Changes the fields the patch names; checked as a whole, so a bad field
    /// changes nothing.
    pub async fn update_profile(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        patch: ProfilePatch,
    ) -> Result<Profile> {
        self.edit_profile(actor, user_id, move |doc| {
            doc.profile = patch.clone().apply_to(&doc.profile)?;
            Ok(doc.profile.clone())
        })
        .await
    }

    /// A user's positions, newest first.
    pub async fn positions(&self, actor: &Actor, user_id: Option<UserId>) -> Result<Vec<Position>> {
        let user = self.subject(actor, user_id).await?;
        Ok(self.domain.get_profile(user).await?.document.positions)
    }

    /// One position.
    pub async fn position(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        id: PositionId,
    ) -> Result<Position> {
        self.positions(actor, user_id)
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| super::hidden("position", id))
    }

    /// Adds a position.
    pub async fn create_position(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        new: NewPosition,
    ) -> Result<Position> {
        self.edit_profile(actor, user_id, move |doc| doc.add_position(new.clone()))
            .await
    }

    /// Changes the fields the patch names.
    pub async fn update_position(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        id: PositionId,
        patch: PositionPatch,
    ) -> Result<Position> {
        self.edit_profile(actor, user_id, move |doc| {
            doc.update_position(id, patch.clone())
        })
        .await
    }

    /// Removes a position (its worklogs stay, outside any position).
    pub async fn delete_position(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        id: PositionId,
    ) -> Result<()> {
        self.edit_profile(actor, user_id, move |doc| doc.delete_position(id))
            .await
    }

    /// A user's education, newest first.
    pub async fn education(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
    ) -> Result<Vec<Education>> {
        let user = self.subject(actor, user_id).await?;
        Ok(self.domain.get_profile(user).await?.document.education)
    }

    /// One education entry.
    pub async fn education_entry(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        id: PositionId,
    ) -> Result<Education> {
        self.education(actor, user_id)
            .await?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or_else(|| super::hidden("education entry", id))
    }

    /// Adds an education entry.
    pub async fn create_education(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        new: NewEducation,
    ) -> Result<Education> {
        self.edit_profile(actor, user_id, move |doc| doc.add_education(new.clone()))
            .await
    }

    /// Changes the fields the patch names.
    pub async fn update_education(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        id: PositionId,
        patch: EducationPatch,
    ) -> Result<Education> {
        self.edit_profile(actor, user_id, move |doc| {
            doc.update_education(id, patch.clone())
        })
        .await
    }

    /// Removes an education entry.
    pub async fn delete_education(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        id: PositionId,
    ) -> Result<()> {
        self.edit_profile(actor, user_id, move |doc| doc.delete_education(id))
            .await
    }

    /// Reads the document, applies `change` to a copy and writes it under the
    /// revision read; a concurrent writer makes it read and apply again. A
    /// failing change writes nothing. The resume is refreshed afterwards.
    pub(super) async fn edit_profile<T>(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        change: impl Fn(&mut ProfileDocument) -> Result<T>,
    ) -> Result<T> {
        let user = self.subject(actor, user_id).await?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let stored = self.domain.get_profile(user).await?;
            let mut document = stored.document;
            let out = change(&mut document)?;
            match self
                .domain
                .put_profile(user, &document, stored.revision, self.now())
                .await
            {
                Ok(_) => {
                    self.resume_changed(user).await;
                    return Ok(out);
                }
                Err(e) if e.is(ErrorKind::Conflict) && attempt < PROFILE_WRITE_ATTEMPTS => {}
                Err(e) => return Err(e),
            }
        }
    }
}
