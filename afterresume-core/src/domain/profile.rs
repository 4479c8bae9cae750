//! A person's profile, positions and education: what a resume says about them
//! that no worklog can (name, title, employers, schooling), and the working days
//! a standup counts. Stored together as one document per user
//! ([`ProfileDocument`]) so a change is one compare-and-swap write.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Deserializer, Serialize};

use super::storable::{check_date, check_text};
use super::{UserId, WorkLog};
use crate::{Error, Result};

/// A position's or an education entry's id, unique within its user's profile.
pub type PositionId = i64;

/// Where a person is (JSON Resume `basics.location`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// City.
    #[serde(default)]
    pub city: String,
    /// Region, state or province.
    #[serde(default)]
    pub region: String,
    /// ISO 3166-1 alpha-2 code ("DE"), or empty.
    #[serde(default, rename = "countryCode")]
    pub country_code: String,
}

/// An online profile (JSON Resume `basics.profiles[]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SocialProfile {
    /// "GitHub", "LinkedIn", ...
    pub network: String,
    /// The user name there.
    #[serde(default)]
    pub username: String,
    /// The profile's address.
    #[serde(default)]
    pub url: String,
}

/// The days a person works; a standup on Monday looks back to the last of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingDays(u8);

impl WorkingDays {
    /// Monday to Friday.
    pub const WEEKDAYS: WorkingDays = WorkingDays(0b001_1111);

    /// The set of `days`; at least one.
    pub fn new(days: &[Weekday]) -> Result<Self> {
        let bits = days
            .iter()
            .fold(0u8, |b, d| b | 1 << d.num_days_from_monday());
        if bits == 0 {
            return Err(Error::invalid_input(
                "working_days: name at least one day (mon, tue, wed, thu, fri, sat, sun)",
            ));
        }
        Ok(WorkingDays(bits))
    }

    /// Whether `day` is a working day.
    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    /// The last working day strictly before `day`.
    pub fn previous(self, day: NaiveDate) -> NaiveDate {
        let mut d = day.pred_opt().unwrap_or(day);
        // At most a week back: there is at least one working day.
        for _ in 0..7 {
            if self.contains(d.weekday()) {
                break;
            }
            d = d.pred_opt().unwrap_or(d);
        }
        d
    }

    fn days(self) -> Vec<Weekday> {
        (0..7u8)
            .filter(|i| self.0 & (1 << i) != 0)
            .map(|i| Weekday::try_from(i).expect("0..7 is a weekday"))
            .collect()
    }
}

impl Default for WorkingDays {
    fn default() -> Self {
        WorkingDays::WEEKDAYS
    }
}

fn day_name(day: Weekday) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][day.num_days_from_monday() as usize]
}

impl Serialize for WorkingDays {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.days().into_iter().map(day_name))
    }
}

impl<'de> Deserialize<'de> for WorkingDays {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        let mut days = Vec::with_capacity(names.len());
        for name in &names {
            let day = name.parse::<Weekday>().map_err(|_| {
                serde::de::Error::custom(format!(
                    "'{name}' is not a day (mon, tue, wed, thu, fri, sat, sun)"
                ))
            })?;
            days.push(day);
        }
        WorkingDays::new(&days).map_err(serde::de::Error::custom)
    }
}

/// The person behind the worklogs, as a resume's header shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Full name; empty falls back to the account's name.
    #[serde(default)]
    pub name: String,
    /// Professional title ("Backend engineer").
    #[serde(default)]
    pub label: String,
    /// Contact address; empty falls back to the account's.
    #[serde(default)]
    pub email: String,
    /// Phone number.
    #[serde(default)]
    pub phone: String,
    /// Personal site.
    #[serde(default)]
    pub url: String,
    /// A few sentences about them; empty lets the resume write one from evidence.
    #[serde(default)]
    pub summary: String,
    /// Where they are.
    #[serde(default)]
    pub location: Location,
    /// Online profiles.
    #[serde(default)]
    pub profiles: Vec<SocialProfile>,
    /// Days they work.
    #[serde(default)]
    pub working_days: WorkingDays,
}

/// A change to a profile: each field present replaces the stored one.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    /// Full name.
    pub name: Option<String>,
    /// Professional title.
    pub label: Option<String>,
    /// Contact address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Personal site.
    pub url: Option<String>,
    /// About them.
    pub summary: Option<String>,
    /// Where they are.
    pub location: Option<Location>,
    /// Online profiles (the whole list).
    pub profiles: Option<Vec<SocialProfile>>,
    /// Days they work.
    pub working_days: Option<WorkingDays>,
}

impl ProfilePatch {
    /// The profile with this patch applied, checked.
    pub fn apply_to(self, profile: &Profile) -> Result<Profile> {
        let mut p = profile.clone();
        let ProfilePatch {
            name,
            label,
            email,
            phone,
            url,
            summary,
            location,
            profiles,
            working_days,
        } = self;
        p.name = name.unwrap_or(p.name);
        p.label = label.unwrap_or(p.label);
        p.email = email.unwrap_or(p.email);
        p.phone = phone.unwrap_or(p.phone);
        p.url = url.unwrap_or(p.url);
        p.summary = summary.unwrap_or(p.summary);
        p.location = location.unwrap_or(p.location);
        p.profiles = profiles.unwrap_or(p.profiles);
        p.working_days = working_days.unwrap_or(p.working_days);
        p.validate()?;
        Ok(p)
    }
}

impl Profile {
    /// Checks every field; the error names it.
    pub fn validate(&self) -> Result<()> {
        short_text("name", &self.name, 200)?;
        short_text("label", &self.label, 200)?;
        short_text("phone", &self.phone, 50)?;
        short_text("summary", &self.summary, 2000)?;
        short_text("location.city", &self.location.city, 200)?;
        short_text("location.region", &self.location.region, 200)?;
        let cc = &self.location.country_code;
        let is_code = cc.len() == 2 && cc.chars().all(|c| c.is_ascii_uppercase());
        if !cc.is_empty() && !is_code {
            return Err(Error::invalid_input(
                "location.countryCode: must be two capital letters (ISO 3166-1 alpha-2, e.g. DE)",
            ));
        }
        if !self.email.is_empty() {
            let valid = self
                .email
                .split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
            if !valid || self.email.chars().any(char::is_whitespace) {
                return Err(Error::invalid_input("email: not a valid email address"));
            }
        }
        short_text("email", &self.email, 254)?;
        check_url("url", &self.url)?;
        if self.profiles.len() > 20 {
            return Err(Error::invalid_input("profiles: at most 20"));
        }
        for (i, p) in self.profiles.iter().enumerate() {
            if p.network.trim().is_empty() {
                return Err(Error::invalid_input(format!(
                    "profiles[{i}].network: must not be blank"
                )));
            }
            short_text(&format!("profiles[{i}].network"), &p.network, 100)?;
            short_text(&format!("profiles[{i}].username"), &p.username, 200)?;
            check_url(&format!("profiles[{i}].url"), &p.url)?;
        }
        Ok(())
    }
}

fn short_text(field: &str, text: &str, max: usize) -> Result<()> {
    check_text(field, text)?;
    if text.chars().count() > max {
        return Err(Error::invalid_input(format!(
            "{field}: must be at most {max} characters"
        )));
    }
    Ok(())
}

fn required_text(field: &str, text: &str, max: usize) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::invalid_input(format!("{field}: must not be blank")));
    }
    short_text(field, text, max)
}

/// An empty string or an http(s) address: a host name (letters, digits, dots,
/// hyphens) with an optional port, then any visible ASCII.
fn check_url(field: &str, url: &str) -> Result<()> {
    short_text(field, url, 500)?;
    if url.is_empty() {
        return Ok(());
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let valid = rest.is_some_and(|rest| {
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            && port
                .is_none_or(|p| (1..=5).contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit()))
            && tail.chars().all(|c| c.is_ascii_graphic())
    });
    if !valid {
        return Err(Error::invalid_input(format!(
            "{field}: must be an http:// or https:// address"
        )));
    }
    Ok(())
}

fn check_dates(start: Option<NaiveDate>, end: Option<NaiveDate>) -> Result<()> {
    if let Some(start) = start {
        check_date("start_date", start)?;
    }
    if let Some(end) = end {
        check_date("end_date", end)?;
    }
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        return Err(Error::invalid_input(format!(
            "end_date: {end} is before start_date {start}"
        )));
    }
    Ok(())
}

/// A job held: worklogs in its dates belong to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Id within the user's profile.
    pub id: PositionId,
    /// Employer.
    pub company: String,
    /// Job title.
    pub title: String,
    /// Where.
    #[serde(default)]
    pub location: String,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day; `None` while it lasts.
    pub end_date: Option<NaiveDate>,
    /// What the role was.
    #[serde(default)]
    pub summary: String,
    /// Employer's site.
    #[serde(default)]
    pub url: String,
}

impl Position {
    /// Whether `day` falls within the position's dates.
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.start_date <= day && self.end_date.is_none_or(|end| day <= end)
    }

    fn validate(&self) -> Result<()> {
        required_text("company", &self.company, 200)?;
        required_text("title", &self.title, 200)?;
        short_text("location", &self.location, 200)?;
        short_text("summary", &self.summary, 2000)?;
        check_url("url", &self.url)?;
        check_dates(Some(self.start_date), self.end_date)
    }
}

/// The fields of a new position.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPosition {
    /// Employer.
    pub company: String,
    /// Job title.
    pub title: String,
    /// Where.
    #[serde(default)]
    pub location: String,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day, or none while it lasts.
    #[serde(default)]
    pub end_date: Option<NaiveDate>,
    /// What the role was.
    #[serde(default)]
    pub summary: String,
    /// Employer's site.
    #[serde(default)]
    pub url: String,
}

/// A change to a position: each field present replaces the stored one
/// (`end_date: null` makes it current).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionPatch {
    /// Employer.
    pub company: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Where.
    pub location: Option<String>,
    /// First day.
    pub start_date: Option<NaiveDate>,
    /// Last day; `Some(None)` makes it current.
    #[serde(default, deserialize_with = "present")]
    pub end_date: Option<Option<NaiveDate>>,
    /// What the role was.
    pub summary: Option<String>,
    /// Employer's site.
    pub url: Option<String>,
}

/// Schooling (JSON Resume `education[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Education {
    /// Id within the user's profile.
    pub id: PositionId,
    /// School or university.
    pub institution: String,
    /// Field of study ("Computer Science").
    #[serde(default)]
    pub area: String,
    /// Degree ("BSc").
    #[serde(default)]
    pub study_type: String,
    /// First day.
    #[serde(default)]
    pub start_date: Option<NaiveDate>,
    /// Last day.
    #[serde(default)]
    pub end_date: Option<NaiveDate>,
    /// Grade.
    #[serde(default)]
    pub score: String,
    /// School's site.
    #[serde(default)]
    pub url: String,
}

impl Education {
    fn validate(&self) -> Result<()> {
        required_text("institution", &self.institution, 200)?;
        short_text("area", &self.area, 200)?;
        short_text("study_type", &self.study_type, 100)?;
        short_text("score", &self.score, 50)?;
        check_url("url", &self.url)?;
        check_dates(self.start_date, self.end_date)
    }
}

/// The fields of a new education entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEducation {
    /// School or university.
    pub institution: String,
    /// Field of study.
    #[serde(default)]
    pub area: String,
    /// Degree.
    #[serde(default)]
    pub study_type: String,
    /// First day.
    #[serde(default)]
    pub start_date: Option<NaiveDate>,
    /// Last day.
    #[serde(default)]
    pub end_date: Option<NaiveDate>,
    /// Grade.
    #[serde(default)]
    pub score: String,
    /// School's site.
    #[serde(default)]
    pub url: String,
}

/// A change to an education entry: each field present replaces the stored one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EducationPatch {
    /// School or university.
    pub institution: Option<String>,
    /// Field of study.
    pub area: Option<String>,
    /// Degree.
    pub study_type: Option<String>,
    /// First day; `Some(None)` clears it.
    #[serde(default, deserialize_with = "present")]
    pub start_date: Option<Option<NaiveDate>>,
    /// Last day; `Some(None)` clears it.
    #[serde(default, deserialize_with = "present")]
    pub end_date: Option<Option<NaiveDate>>,
    /// Grade.
    pub score: Option<String>,
    /// School's site.
    pub url: Option<String>,
}

/// A field that is present (even as `null`) becomes `Some`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> std::result::Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Positions and education entries a profile may hold.
pub const MAX_PROFILE_ENTRIES: usize = 100;

/// Everything about a user that is not a worklog, stored as one document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileDocument {
    /// The header.
    #[serde(default)]
    pub profile: Profile,
    /// Jobs held, by start date (newest first).
    #[serde(default)]
    pub positions: Vec<Position>,
    /// Schooling, by start date (newest first).
    #[serde(default)]
    pub education: Vec<Education>,
    /// The last id handed out to a position or education entry.
    #[serde(default)]
    pub last_id: PositionId,
    /// Skills and bullets pinned, hidden, ordered or reworded.
    #[serde(default)]
    pub curation: super::Curation,
}

impl ProfileDocument {
    /// Adds a position; returns it with its id.
    pub fn add_position(&mut self, new: NewPosition) -> Result<Position> {
        self.check_room()?;
        let position = Position {
            id: self.last_id + 1,
            company: new.company,
            title: new.title,
            location: new.location,
            start_date: new.start_date,
            end_date: new.end_date,
            summary: new.summary,
            url: new.url,
        };
        position.validate()?;
        self.last_id += 1;
        self.positions.push(position.clone());
        self.sort();
        Ok(position)
    }

    /// Applies a patch to position `id`.
    pub fn update_position(&mut self, id: PositionId, patch: PositionPatch) -> Result<Position> {
        let updated = change_entry(&mut self.positions, id, |mut p| {
            p.company = patch.company.unwrap_or(p.company);
            p.title = patch.title.unwrap_or(p.title);
            p.location = patch.location.unwrap_or(p.location);
            p.start_date = patch.start_date.unwrap_or(p.start_date);
            p.end_date = patch.end_date.unwrap_or(p.end_date);
            p.summary = patch.summary.unwrap_or(p.summary);
            p.url = patch.url.unwrap_or(p.url);
            p
        })?;
        self.sort();
        Ok(updated)
    }

    /// Removes position `id`.
    pub fn delete_position(&mut self, id: PositionId) -> Result<()> {
        remove_entry(&mut self.positions, id)
    }

    /// Adds an education entry; returns it with its id.
    pub fn add_education(&mut self, new: NewEducation) -> Result<Education> {
        self.check_room()?;
        let entry = Education {
            id: self.last_id + 1,
            institution: new.institution,
            area: new.area,
            study_type: new.study_type,
            start_date: new.start_date,
            end_date: new.end_date,
            score: new.score,
            url: new.url,
        };
        entry.validate()?;
        self.last_id += 1;
        self.education.push(entry.clone());
        self.sort();
        Ok(entry)
    }

    /// Applies a patch to education entry `id`.
    pub fn update_education(&mut self, id: PositionId, patch: EducationPatch) -> Result<Education> {
        let updated = change_entry(&mut self.education, id, |mut e| {
            e.institution = patch.institution.unwrap_or(e.institution);
            e.area = patch.area.unwrap_or(e.area);
            e.study_type = patch.study_type.unwrap_or(e.study_type);
            e.start_date = patch.start_date.unwrap_or(e.start_date);
            e.end_date = patch.end_date.unwrap_or(e.end_date);
            e.score = patch.score.unwrap_or(e.score);
            e.url = patch.url.unwrap_or(e.url);
            e
        })?;
        self.sort();
        Ok(updated)
    }

    /// Removes education entry `id`.
    pub fn delete_education(&mut self, id: PositionId) -> Result<()> {
        remove_entry(&mut self.education, id)
    }

    /// The position a worklog belongs to: the one named in its metadata
    /// (`position_id`), else the most recent one whose dates cover it.
    pub fn position_of(&self, worklog: &WorkLog) -> Option<&Position> {
        if let Some(id) = worklog.metadata.get("position_id").and_then(|v| v.as_i64()) {
            return self.positions.iter().find(|p| p.id == id);
        }
        self.positions.iter().find(|p| p.covers(worklog.date))
    }

    fn check_room(&self) -> Result<()> {
        if self.positions.len() + self.education.len() >= MAX_PROFILE_ENTRIES {
            return Err(Error::invalid_input(format!(
                "a profile holds at most {MAX_PROFILE_ENTRIES} positions and education entries"
            )));
        }
        Ok(())
    }

    fn sort(&mut self) {
        self.positions
            .sort_by(|a, b| b.start_date.cmp(&a.start_date).then(b.id.cmp(&a.id)));
        self.education
            .sort_by(|a, b| b.start_date.cmp(&a.start_date).then(b.id.cmp(&a.id)));
    }
}

fn missing(what: &str, id: PositionId) -> Error {
    Error::not_found(format!("{what} {id} not found"))
}

/// A position or an education entry: what the shared edits need of it.
trait ProfileEntry: Clone {
    /// "position", "education entry": how errors name it.
    const WHAT: &'static str;
    fn id(&self) -> PositionId;
    fn validate(&self) -> Result<()>;
}

impl ProfileEntry for Position {
    const WHAT: &'static str = "position";
    fn id(&self) -> PositionId {
        self.id
    }
    fn validate(&self) -> Result<()> {
        Position::validate(self)
    }
}

impl ProfileEntry for Education {
    const WHAT: &'static str = "education entry";
    fn id(&self) -> PositionId {
        self.id
    }
    fn validate(&self) -> Result<()> {
        Education::validate(self)
    }
}

/// Applies `change` to entry `id`, checked; a failing check changes nothing.
fn change_entry<T: ProfileEntry>(
    list: &mut [T],
    id: PositionId,
    change: impl FnOnce(T) -> T,
) -> Result<T> {
    let slot = list
        .iter_mut()
        .find(|e| e.id() == id)
        .ok_or_else(|| missing(T::WHAT, id))?;
    let changed = change(slot.clone());
    changed.validate()?;
    *slot = changed.clone();
    Ok(changed)
}

/// Removes entry `id`, or says it is not there.
fn remove_entry<T: ProfileEntry>(list: &mut Vec<T>, id: PositionId) -> Result<()> {
    let before = list.len();
    list.retain(|e| e.id() != id);
    if list.len() == before {
        return Err(missing(T::WHAT, id));
    }
    Ok(())
}

/// A user's stored profile document and the revision a writer must name.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredProfile {
    /// Whose.
    pub user_id: UserId,
    /// The document.
    pub document: ProfileDocument,
    /// Increases with every write; 0 when nothing is stored yet.
    pub revision: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn working_days_look_back_over_days_off() {
        let w = WorkingDays::WEEKDAYS;
        assert_eq!(w.previous(day("2026-12-07")), day("2026-12-04"), "Monday");
        assert_eq!(w.previous(day("2026-12-06")), day("2026-12-04"), "Sunday");
        assert_eq!(w.previous(day("2026-12-09")), day("2026-12-08"));
        let sun_to_thu: WorkingDays =
            serde_json::from_value(json!(["sun", "mon", "tue", "wed", "thu"])).unwrap();
        assert_eq!(
            sun_to_thu.previous(day("2026-12-06")),
            day("2026-12-03"),
            "Sunday after Thursday"
        );
        assert_eq!(sun_to_thu.previous(day("2026-12-07")), day("2026-12-06"));
        assert_eq!(
            serde_json::to_value(sun_to_thu).unwrap(),
            json!(["mon", "tue", "wed", "thu", "sun"])
        );
        let err = serde_json::from_value::<WorkingDays>(json!(["funday"])).unwrap_err();
        assert!(err.to_string().contains("'funday' is not a day"), "{err}");
        assert!(serde_json::from_value::<WorkingDays>(json!([])).is_err());
    }

    #[test]
    fn profile_patches_are_checked_field_by_field() {
        let p = Profile::default();
        let patch: ProfilePatch = serde_json::from_value(
            json!({"name": "Dana", "location": {"city": "Berlin", "countryCode": "DE"}}),
        )
        .unwrap();
        let p = patch.apply_to(&p).unwrap();
        assert_eq!(
            (p.name.as_str(), p.location.city.as_str()),
            ("Dana", "Berlin")
        );
        for (patch, needle) in [
            (json!({"email": "nope"}), "email"),
            (json!({"url": "ftp://x"}), "url: must be an http"),
            (json!({"url": "https://[::1"}), "url: must be an http"),
            (json!({"url": "https:///path"}), "url: must be an http"),
            (
                json!({"location": {"countryCode": "Germany"}}),
                "countryCode",
            ),
            (
                json!({"profiles": [{"network": " "}]}),
                "profiles[0].network",
            ),
        ] {
            let patch: ProfilePatch = serde_json::from_value(patch).unwrap();
            let err = patch.apply_to(&p).unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
        assert!(serde_json::from_value::<ProfilePatch>(json!({"nmae": "x"})).is_err());
    }

    #[test]
    fn positions_get_ids_keep_order_and_claim_their_worklogs() {
        let mut doc = ProfileDocument::default();
        let old = doc
            .add_position(NewPosition {
                company: "Acme".into(),
                title: "Engineer".into(),
                location: String::new(),
                start_date: day("2024-01-01"),
                end_date: Some(day("2025-06-30")),
                summary: String::new(),
                url: String::new(),
            })
            .unwrap();
        let new = doc
            .add_position(NewPosition {
                company: "Globex".into(),
                title: "Senior Engineer".into(),
                location: String::new(),
                start_date: day("2025-07-01"),
                end_date: None,
                summary: String::new(),
                url: String::new(),
            })
            .unwrap();
        assert_eq!((old.id, new.id), (1, 2));
        assert_eq!(doc.positions[0].company, "Globex", "newest first");
        let mut w = WorkLog {
            id: 1,
            user_id: 1,
            date: day("2025-01-10"),
            content: "Shipped it.".into(),
            title: None,
            tags: vec![],
            source: "manual".into(),
            metadata: json!({}),
            analysis: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        assert_eq!(doc.position_of(&w).unwrap().id, old.id);
        w.date = day("2026-12-01");
        assert_eq!(doc.position_of(&w).unwrap().id, new.id);
        w.metadata = json!({"position_id": 1});
        assert_eq!(doc.position_of(&w).unwrap().id, old.id, "explicit wins");
        let err = doc
            .update_position(
                2,
                serde_json::from_value(json!({"end_date": "2020-01-01"})).unwrap(),
            )
            .unwrap_err();
        assert!(err.to_string().contains("before start_date"), "{err}");
        assert_eq!(
            doc.positions[0].end_date, None,
            "a failed patch changes nothing"
        );
        doc.delete_position(1).unwrap();
        assert!(
            doc.delete_position(1)
                .unwrap_err()
                .to_string()
                .contains("position 1 not found")
        );
        let e = doc
            .add_education(
                serde_json::from_value(json!({"institution": "TU Berlin", "area": "CS"})).unwrap(),
            )
            .unwrap();
        assert_eq!(e.id, 3, "ids are never reused");
    }
}
