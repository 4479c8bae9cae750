//! Cron expressions as users write them: standard 5-field cron plus `@hourly`,
//! `@daily` and `@every_minute` (and `@weekly`, `@monthly`, `@yearly`, `@midnight`),
//! in UTC or, with a `CRON_TZ=Europe/Paris ` prefix (the convention of cronie and
//! Kubernetes), in an IANA time zone: `CRON_TZ=Europe/Paris 0 9 * * 1-5` fires at
//! 09:00 Paris time whatever the season. A local time that a clock change skips
//! does not fire that day; one it repeats fires once.
//!
//! Each field is validated here so that errors name the field ("hour: 25 is out of
//! range 0-23"); the expression is then translated for the `cron` crate, which wants a
//! seconds field and numbers days of the week 1-7 from Sunday where standard cron uses
//! 0-7 with both 0 and 7 meaning Sunday. Standard cron also matches a day when *either*
//! a restricted day-of-month *or* a restricted day-of-week matches, while the `cron`
//! crate requires both; when both are restricted we keep two schedules and take the
//! earlier next time.

use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::{Error, Result};

/// A parsed, validated cron expression.
#[derive(Debug, Clone)]
pub struct CronExpr {
    source: String,
    zone: Option<chrono_tz::Tz>,
    schedules: Vec<cron::Schedule>,
}

/// The prefix that names an expression's time zone.
pub const TIME_ZONE_PREFIX: &str = "CRON_TZ=";

/// Reads an IANA time zone name (`Europe/Paris`, `UTC`); the error names the
/// field.
pub fn parse_time_zone(name: &str) -> Result<chrono_tz::Tz> {
    name.parse::<chrono_tz::Tz>().map_err(|_| {
        let shown: String = name.chars().take(60).collect();
        Error::invalid_input(format!(
            "time_zone: '{}' is not an IANA time zone (like Europe/Paris or UTC)",
            shown.escape_default()
        ))
    })
}

/// An expression in a time zone: the prefix written before it (none for UTC).
pub fn with_time_zone(expr: &str, zone: Option<&str>) -> Result<String> {
    let expr = expr.trim();
    match zone.map(str::trim).filter(|z| !z.is_empty()) {
        None => Ok(expr.to_owned()),
        Some(_) if expr.starts_with(TIME_ZONE_PREFIX) => Err(Error::invalid_input(
            "time_zone: given twice, in the expression and apart",
        )),
        Some(zone) => {
            let tz = parse_time_zone(zone)?;
            Ok(format!("{TIME_ZONE_PREFIX}{} {expr}", tz.name()))
        }
    }
}

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MINUTE: Field = Field {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
};
const HOUR: Field = Field {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
};
const DAY_OF_MONTH: Field = Field {
    name: "day_of_month",
    min: 1,
    max: 31,
    names: &[],
};
const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ],
};
const DAY_OF_WEEK: Field = Field {
    name: "day_of_week",
    min: 0,
    max: 7,
    names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
};

impl CronExpr {
    /// Parses and validates an expression; errors name the field at fault.
    pub fn parse(expr: &str) -> Result<Self> {
        let source = expr.trim().to_owned();
        let (zone, fields_text) = match source.strip_prefix(TIME_ZONE_PREFIX) {
            Some(rest) => {
                let (name, fields) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                (Some(parse_time_zone(name)?), fields.trim().to_owned())
            }
            None => (None, source.clone()),
        };
        let expanded = match fields_text.to_ascii_lowercase().as_str() {
            "@every_minute" => "* * * * *".to_owned(),
            "@hourly" => "0 * * * *".to_owned(),
            "@daily" | "@midnight" => "0 0 * * *".to_owned(),
            "@weekly" => "0 0 * * 0".to_owned(),
            "@monthly" => "0 0 1 * *".to_owned(),
            "@yearly" | "@annually" => "0 0 1 1 *".to_owned(),
            other if other.starts_with('@') => {
                return Err(Error::invalid_input(format!(
                    "cron: unknown shortcut '{source}' (use @hourly, @daily, @every_minute, \
                     @weekly, @monthly, @yearly or 5 fields)"
                )));
            }
            _ => fields_text.clone(),
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(Error::invalid_input(format!(
                "cron: expected 5 fields (minute hour day_of_month month day_of_week), got {} in '{source}'",
                fields.len()
            )));
        }
        let minute = MINUTE.values(fields[0])?;
        let hour = HOUR.values(fields[1])?;
        let dom = DAY_OF_MONTH.values(fields[2])?;
        let month = MONTH.values(fields[3])?;
        let dow: Vec<u32> = DAY_OF_WEEK.values(fields[4])?;
        let mut days: Vec<u32> = dow.iter().map(|d| d % 7).collect();
        days.sort_unstable();
        days.dedup();

        let list = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let dow_crate = days
            .iter()
            .map(|d| (d + 1).to_string())
            .collect::<Vec<_>>()
            .join(",");
        let base = format!("0 {} {}", list(&minute), list(&hour));
        let dom_restricted = fields[2] != "*";
        let dow_restricted = fields[4] != "*" && days.len() < 7;
        let variants = match (dom_restricted, dow_restricted) {
            (true, true) => vec![
                format!("{base} {} {} * *", list(&dom), list(&month)),
                format!("{base} * {} {dow_crate} *", list(&month)),
            ],
            (false, true) => vec![format!("{base} * {} {dow_crate} *", list(&month))],
            _ => vec![format!("{base} {} {} * *", list(&dom), list(&month))],
        };
        let schedules = variants
            .iter()
            .map(|v| {
                cron::Schedule::from_str(v).map_err(|e| {
                    Error::invalid_input(format!("cron: '{source}' is not valid: {e}"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CronExpr {
            source,
            zone,
            schedules,
        })
    }

    /// The time zone it is read in, when not UTC.
    pub fn time_zone(&self) -> Option<&'static str> {
        self.zone.map(|z| z.name())
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The first due time strictly after `after`, or `None` if there is none
    /// (a date such as 30 February that never comes).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.zone {
            None => self
                .schedules
                .iter()
                .filter_map(|s| s.after(&after).next())
                .min(),
            Some(zone) => {
                let local = after.with_timezone(&zone);
                self.schedules
                    .iter()
                    .filter_map(|s| s.after(&local).next())
                    .map(|t| t.with_timezone(&Utc))
                    .min()
            }
        }
    }
}

impl Field {
    /// The sorted set of values a field matches.
    fn values(&self, text: &str) -> Result<Vec<u32>> {
        let mut out = Vec::new();
        for item in text.split(',') {
            self.item(item, &mut out)?;
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    fn item(&self, item: &str, out: &mut Vec<u32>) -> Result<()> {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => {
                let step: u32 = step.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                    self.error(format!("step '{step}' must be a positive number"))
                })?;
                (range, step)
            }
            None => (item, 1),
        };
        let (low, high) = if range == "*" {
            (self.min, self.max)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (self.value(a)?, self.value(b)?);
            if a > b {
                return Err(self.error(format!("range '{range}' goes backwards")));
            }
            (a, b)
        } else {
            let a = self.value(range)?;
            // "5/15" means "from 5 to the end, every 15".
            (a, if item.contains('/') { self.max } else { a })
        };
        out.extend((low..=high).step_by(step as usize));
        Ok(())
    }

    fn value(&self, text: &str) -> Result<u32> {
        let lower = text.to_ascii_lowercase();
        if let Some(pos) = self.names.iter().position(|n| *n == lower) {
            // Month names count from 1 (jan), weekday names from 0 (sun): the field minimum.
            return Ok(self.min + pos as u32);
        }
        let value: u32 = text
            .parse()
            .map_err(|_| self.error(format!("'{text}' is not a number")))?;
        if value < self.min || value > self.max {
            return Err(self.error(format!("{value} is out of range {}-{}", self.min, self.max)));
        }
        Ok(value)
    }

    fn error(&self, why: String) -> Error {
        Error::invalid_input(format!("cron {}: {why}", self.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, TimeZone, Timelike, Weekday};

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn a_time_zone_keeps_local_time_across_daylight_saving() {
        let paris = CronExpr::parse("CRON_TZ=Europe/Paris 0 9 * * *").unwrap();
        assert_eq!(paris.time_zone(), Some("Europe/Paris"));
        assert_eq!(paris.as_str(), "CRON_TZ=Europe/Paris 0 9 * * *");
        // Winter: UTC+1; summer (from 29 March 2026): UTC+2.
        assert_eq!(
            paris.next_after(at(2026, 3, 27, 12, 0)),
            Some(at(2026, 3, 28, 8, 0))
        );
        assert_eq!(
            paris.next_after(at(2026, 3, 28, 12, 0)),
            Some(at(2026, 3, 29, 7, 0))
        );
        // 02:30 does not exist in Paris on 29 March 2026: that day is skipped.
        let skipped = CronExpr::parse("CRON_TZ=Europe/Paris 30 2 * * *").unwrap();
        assert_eq!(
            skipped.next_after(at(2026, 3, 28, 12, 0)),
            Some(at(2026, 3, 30, 0, 30))
        );
        let daily = CronExpr::parse("CRON_TZ=America/New_York @daily").unwrap();
        assert_eq!(
            daily.next_after(at(2026, 1, 10, 12, 0)),
            Some(at(2026, 1, 11, 5, 0))
        );
        assert_eq!(
            with_time_zone("0 9 * * 1-5", Some("Asia/Tokyo")).unwrap(),
            "CRON_TZ=Asia/Tokyo 0 9 * * 1-5"
        );
        assert_eq!(with_time_zone("0 9 * * *", None).unwrap(), "0 9 * * *");
        for (expr, zone, needle) in [
            (
                "CRON_TZ=Mars/Olympus 0 9 * * *",
                None,
                "'Mars/Olympus' is not an IANA time zone",
            ),
            (
                "0 9 * * *",
                Some("Paris"),
                "'Paris' is not an IANA time zone",
            ),
            ("CRON_TZ=UTC 0 9 * * *", Some("UTC"), "given twice"),
            ("CRON_TZ=UTC", None, "expected 5 fields"),
        ] {
            let error = with_time_zone(expr, zone)
                .and_then(|e| CronExpr::parse(&e))
                .unwrap_err();
            assert!(error.message().contains(needle), "{expr}: {error}");
        }
    }

    #[test]
    fn shortcuts() {
        let t = at(2026, 11, 24, 10, 30);
        assert_eq!(
            CronExpr::parse("@every_minute").unwrap().next_after(t),
            Some(at(2026, 11, 24, 10, 31))
        );
        assert_eq!(
            CronExpr::parse("@hourly").unwrap().next_after(t),
            Some(at(2026, 11, 24, 11, 0))
        );
        assert_eq!(
            CronExpr::parse("@daily").unwrap().next_after(t),
            Some(at(2026, 11, 25, 0, 0))
        );
    }

    #[test]
    fn five_fields_and_steps() {
        let e = CronExpr::parse("*/15 9-17 * * *").unwrap();
        assert_eq!(
            e.next_after(at(2026, 11, 24, 10, 31)),
            Some(at(2026, 11, 24, 10, 45))
        );
        assert_eq!(
            e.next_after(at(2026, 11, 24, 17, 50)),
            Some(at(2026, 11, 25, 9, 0))
        );
        let e = CronExpr::parse("0 9 * * *").unwrap();
        assert_eq!(
            e.next_after(at(2026, 11, 24, 9, 0)),
            Some(at(2026, 11, 25, 9, 0))
        );
    }

    #[test]
    fn weekdays_use_standard_numbering() {
        // 2026-11-24 is a Tuesday. "1-5" is Monday to Friday in standard cron.
        let e = CronExpr::parse("0 9 * * 1-5").unwrap();
        let next = e.next_after(at(2026, 11, 27, 10, 0)).unwrap(); // Friday after 9
        assert_eq!(next.weekday(), Weekday::Mon);
        for sunday in ["0 9 * * 0", "0 9 * * 7", "0 9 * * sun"] {
            let next = CronExpr::parse(sunday)
                .unwrap()
                .next_after(at(2026, 11, 24, 0, 0))
                .unwrap();
            assert_eq!(next.weekday(), Weekday::Sun, "{sunday}");
        }
        let e = CronExpr::parse("0 0 1 jan *").unwrap();
        assert_eq!(
            e.next_after(at(2026, 11, 24, 0, 0)),
            Some(at(2027, 1, 1, 0, 0))
        );
    }

    #[test]
    fn restricted_day_fields_are_ored() {
        // The 1st of the month OR any Monday: from Tue 24 Nov the next is Mon 30 Nov.
        let e = CronExpr::parse("0 0 1 * 1").unwrap();
        let next = e.next_after(at(2026, 11, 24, 0, 0)).unwrap();
        assert_eq!((next.day(), next.hour()), (30, 0));
        let after = e.next_after(next).unwrap();
        assert_eq!((after.month(), after.day()), (12, 1));
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            ("61 * * * *", "minute"),
            ("0 25 * * *", "hour"),
            ("0 0 0 * *", "day_of_month"),
            ("0 0 * 13 *", "month"),
            ("0 0 * * 8", "day_of_week"),
            ("*/0 * * * *", "minute"),
            ("0 5-1 * * *", "hour"),
            ("x * * * *", "minute"),
        ];
        for (expr, field) in cases {
            let err = CronExpr::parse(expr).unwrap_err().to_string();
            assert!(err.contains(field), "{expr}: {err}");
        }
        assert!(
            CronExpr::parse("* * * *")
                .unwrap_err()
                .to_string()
                .contains("5 fields")
        );
        assert!(
            CronExpr::parse("@often")
                .unwrap_err()
                .to_string()
                .contains("unknown shortcut")
        );
    }
}
