//! Curation: a person pins, hides, orders and rewords what their resume shows.
//! Choices live in the profile document, so every refresh keeps them.

use super::{Actor, App};
use crate::domain::{Choice, ChoicePatch, Curation, HighlightId, SkillId, UserId};
use crate::{Error, Result};

/// A choice with the id it was made on, as hosts show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CuratedItem {
    /// A skill id or a highlight id (`w12s0`).
    pub id: String,
    /// The choice.
    #[serde(flatten)]
    pub choice: Choice,
}

impl App {
    /// Every choice a user made.
    pub async fn curation(&self, actor: &Actor, user_id: Option<UserId>) -> Result<Curation> {
        let user = self.subject(actor, user_id).await?;
        Ok(self.domain.get_profile(user).await?.document.curation)
    }

    /// Pins, hides or orders one of the user's evidenced skills.
    pub async fn curate_skill(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        skill_id: SkillId,
        patch: ChoicePatch,
    ) -> Result<CuratedItem> {
        if patch.text.is_some() {
            return Err(Error::invalid_input(
                "text: only a bullet can be reworded, not a skill",
            ));
        }
        let user = self.subject(actor, user_id).await?;
        let has_it = self
            .domain
            .list_user_skills(user)
            .await?
            .iter()
            .any(|s| s.skill.id == skill_id);
        if !has_it {
            return Err(super::hidden("skill", skill_id));
        }
        let choice = self
            .edit_profile(actor, Some(user), move |doc| {
                let choice = patch.clone().apply_to(&doc.curation.skill(skill_id))?;
                doc.curation.skills.insert(skill_id, choice.clone());
                Ok(choice)
            })
            .await?;
        Ok(CuratedItem {
            id: skill_id.to_string(),
            choice,
        })
    }

    /// Pins, hides, orders or rewords one bullet (`w{worklog}s{statement}`, the
    /// `id` beside each highlight's evidence); a reworded bullet keeps its
    /// evidence.
    pub async fn curate_highlight(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        id: &str,
        patch: ChoicePatch,
    ) -> Result<CuratedItem> {
        let id = HighlightId::parse(id)?;
        let user = self.subject(actor, user_id).await?;
        let owner = self
            .domain
            .get_worklog(id.worklog_id)
            .await
            .ok()
            .map(|w| w.user_id);
        if owner != Some(user) {
            return Err(super::hidden("highlight", id));
        }
        let choice = self
            .edit_profile(actor, Some(user), move |doc| {
                let choice = patch.clone().apply_to(&doc.curation.highlight(&id))?;
                doc.curation
                    .highlights
                    .insert(id.to_string(), choice.clone());
                Ok(choice)
            })
            .await?;
        Ok(CuratedItem {
            id: id.to_string(),
            choice,
        })
    }
}
