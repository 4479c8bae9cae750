//! Who is asking: the one place that decides what a caller may see and for whom
//! it may act.

use crate::domain::{User, UserId};
use crate::{Error, ErrorKind, Result};

/// The caller of a use case.
///
/// A person is an actor with their user id; staff may also see every user's
/// objects and act for them. In-process code that embeds the engine (a script,
/// a test, the CLI) is [`Actor::system`]: trusted like staff, with no user of its
/// own, so it names the user it acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    user_id: Option<UserId>,
    staff: bool,
}

impl Actor {
    /// A signed-in user; staff if their account is.
    pub fn user(user: &User) -> Self {
        Actor {
            user_id: Some(user.id),
            staff: user.is_staff,
        }
    }

    /// A user by id, with their staff flag (when the record is not at hand).
    pub fn person(user_id: UserId, staff: bool) -> Self {
        Actor {
            user_id: Some(user_id),
            staff,
        }
    }

    /// Trusted in-process code: sees everything, acts for the user it names.
    pub fn system() -> Self {
        Actor {
            user_id: None,
            staff: true,
        }
    }

    /// The actor's own user, if it is a person.
    pub fn id(&self) -> Option<UserId> {
        self.user_id
    }

    /// Whether the actor may see every user's objects and operate the engine.
    pub fn is_operator(&self) -> bool {
        self.staff
    }

    /// Whether the actor may see an object owned by `owner`: their own, or any
    /// for staff and the system. Ownerless objects (system jobs) are for
    /// operators only.
    pub fn may_see(&self, owner: Option<UserId>) -> bool {
        self.staff || (owner.is_some() && owner == self.user_id)
    }

    /// The user the actor acts for: `requested`, if they may act for them, else
    /// their own id. The system must name a user.
    pub fn acting_for(&self, requested: Option<UserId>) -> Result<UserId> {
        match (requested, self.user_id) {
            (None, Some(own)) => Ok(own),
            (None, None) => Err(Error::invalid_input("user_id: required")),
            (Some(id), own) if own == Some(id) || self.staff => Ok(id),
            (Some(_), _) => Err(Error::new(
                ErrorKind::PermissionDenied,
                "user_id: only staff may act for another user",
            )),
        }
    }

    /// Refuses anyone who is not an operator.
    pub fn require_operator(&self) -> Result<()> {
        if self.staff {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::PermissionDenied, "staff only"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_see_and_act_for_themselves_only() {
        let me = Actor::person(7, false);
        assert!(me.may_see(Some(7)));
        assert!(!me.may_see(Some(8)));
        assert!(!me.may_see(None), "ownerless jobs are for operators");
        assert_eq!(me.acting_for(None).unwrap(), 7);
        assert_eq!(me.acting_for(Some(7)).unwrap(), 7);
        let err = me.acting_for(Some(8)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
        assert!(me.require_operator().is_err());
    }

    #[test]
    fn staff_and_the_system_act_for_anyone_and_the_system_must_say_whom() {
        let staff = Actor::person(1, true);
        assert!(staff.may_see(Some(8)) && staff.may_see(None));
        assert_eq!(staff.acting_for(Some(8)).unwrap(), 8);
        assert_eq!(staff.acting_for(None).unwrap(), 1);
        let system = Actor::system();
        assert_eq!(system.acting_for(Some(8)).unwrap(), 8);
        assert_eq!(
            system.acting_for(None).unwrap_err().message(),
            "user_id: required"
        );
    }
}
