//! The domain model: plain data types shared by every port, backend and host.
//!
//! Ids of domain entities are integers, as in the reference design; jobs use UUIDs.
//! Types serialize to the JSON shapes of the reference HTTP API.

mod curation;
mod event;
mod job;
mod placement;
mod profile;
mod queued;
mod report;
mod resume;
mod schedule;
mod skill;
pub mod storable;
mod user;
mod worklog;

pub use curation::{Choice, ChoicePatch, Curation, HighlightId, MAX_BULLET_CHARS};
pub use event::{Event, EventLevel, EventSource, NewEvent, OPERATOR_DETAIL_KEY};
pub use job::{Job, JobId, JobStatus, NewJob, Trigger};
pub use placement::{
    DEFAULT_PRIORITY, DEFAULT_QUEUE, HIGHEST_PRIORITY, LOWEST_PRIORITY, MAX_QUEUE_NAME_LEN,
    PRIORITY_AGING, check_priority, check_queue_name, claim_order,
};
pub use profile::{
    Education, EducationPatch, Location, MAX_PROFILE_ENTRIES, NewEducation, NewPosition, Position,
    PositionId, PositionPatch, Profile, ProfileDocument, ProfilePatch, SocialProfile,
    StoredProfile, WorkingDays,
};
pub use queued::{QUEUED_MESSAGE, QueuedFacts, queued_event};
pub use report::{NewReport, Report, ReportId, ReportKind};
pub use resume::{NewResume, Resume, ResumeId};
pub use schedule::{NewSchedule, Schedule, ScheduleId};
pub use skill::{
    EvidenceId, NewSkill, NewSkillEvidence, Skill, SkillCategory, SkillEvidence, SkillId, UserSkill,
};
pub use user::{
    ApiToken, NewApiToken, NewUser, TOKEN_USE_RESOLUTION, TokenId, TokenPage, User, UserId,
};
pub use worklog::{
    DEFAULT_SOURCE, MAX_CONTENT_CHARS, NewWorkLog, WorkLog, WorkLogFilter, WorkLogId, WorkLogPatch,
};

/// Declares a string-backed enum with `as_str`, `FromStr`, `Display` and serde.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text, )+ }
            }

            /// Parses the value of a request field: the error names the field
            /// and lists what it accepts.
            pub fn parse_field(field: &str, text: &str) -> $crate::Result<Self> {
                text.parse().map_err(|_| {
                    let shown: String = text.chars().take(40).collect();
                    $crate::Error::invalid_input(format!(
                        "{field}: '{}' is not one of {}",
                        shown.escape_default(),
                        [$($text),+].join(", ")
                    ))
                })
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::Error;
            fn from_str(s: &str) -> $crate::Result<Self> {
                match s {
                    $( $text => Ok($name::$variant), )+
                    other => Err($crate::Error::invalid_input(format!(
                        "unknown {} '{}' (expected one of: {})",
                        stringify!($name),
                        other,
                        [$($text),+].join(", ")
                    ))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;
