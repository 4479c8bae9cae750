//! Python values into the core's request types, and results back into Python:
//! only shapes are read here; every rule (defaults, limits, ownership) is the
//! core's.

use afterresume_core::domain::{JobId, WorkLogPatch, storable};
use afterresume_core::service::worklogs::WorkLogInput;
use chrono::NaiveDate;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde::Serialize;
use serde_json::{Value, json};

use crate::errors::{InvalidInput, conversion, to_py};

/// The fields a worklog entry may carry.
const WORKLOG_FIELDS: [&str; 6] = ["content", "date", "title", "tags", "source", "metadata"];

/// A serializable result as Python dicts, lists and strings.
pub(crate) fn to_python<T: Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    pythonize::pythonize(py, value)
        .map(Bound::unbind)
        .map_err(conversion)
}

/// A Python object as JSON; `None` (or nothing) is `{}`.
pub(crate) fn from_python(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Value> {
    match obj {
        None => Ok(json!({})),
        Some(o) if o.is_none() => Ok(json!({})),
        Some(o) => pythonize::depythonize::<Value>(o).map_err(conversion),
    }
}

/// A `YYYY-MM-DD` date, checked as the core checks every date.
pub(crate) fn date(field: &str, value: Option<&str>) -> PyResult<Option<NaiveDate>> {
    value
        .map(|v| storable::parse_date(field, v).map_err(to_py))
        .transpose()
}

/// A job id.
pub(crate) fn parse_job_id(id: &str) -> PyResult<JobId> {
    id.parse()
        .map_err(|_| InvalidInput::new_err(format!("job id: '{id}' is not a UUID")))
}

/// The fields of a new worklog, read from keyword arguments.
pub(crate) struct WorkLogFields<'py> {
    pub(crate) content: String,
    pub(crate) date: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) tags: Option<Vec<String>>,
    pub(crate) source: Option<String>,
    pub(crate) metadata: Option<Bound<'py, PyAny>>,
}

impl WorkLogFields<'_> {
    pub(crate) fn into_input(self) -> PyResult<WorkLogInput> {
        Ok(WorkLogInput {
            content: self.content,
            date: date("date", self.date.as_deref())?,
            title: self.title,
            tags: self.tags.unwrap_or_default(),
            source: self.source,
            metadata: self
                .metadata
                .as_ref()
                .map(|m| from_python(Some(m)))
                .transpose()?,
        })
    }
}

/// One entry of an import: a dict with the fields of a new worklog. Errors name
/// the entry (`entries[3].tags: ...`).
pub(crate) fn import_entry(i: usize, entry: &Bound<'_, PyDict>) -> PyResult<WorkLogInput> {
    let bad =
        |field: &str, what: &str| InvalidInput::new_err(format!("entries[{i}].{field}: {what}"));
    for key in entry.keys() {
        let key: String = key.extract()?;
        if !WORKLOG_FIELDS.contains(&key.as_str()) {
            return Err(bad(&key, "unknown field"));
        }
    }
    let get = |k: &str| entry.get_item(k).ok().flatten().filter(|v| !v.is_none());
    let string = |k: &str| -> PyResult<Option<String>> {
        get(k)
            .map(|v| {
                v.extract::<String>()
                    .map_err(|_| bad(k, "must be a string"))
            })
            .transpose()
    };
    let fields = WorkLogFields {
        content: string("content")?.ok_or_else(|| bad("content", "required"))?,
        date: string("date")?,
        title: string("title")?,
        tags: get("tags")
            .map(|t| {
                t.extract::<Vec<String>>()
                    .map_err(|_| bad("tags", "must be a list of strings"))
            })
            .transpose()?,
        source: string("source")?,
        metadata: get("metadata"),
    };
    fields
        .into_input()
        .map_err(|e| InvalidInput::new_err(format!("entries[{i}].{e}")))
}

/// A patch from keyword arguments; `title=None` clears the title.
pub(crate) fn worklog_patch(fields: Option<&Bound<'_, PyDict>>) -> PyResult<WorkLogPatch> {
    let mut patch = WorkLogPatch::default();
    let Some(fields) = fields else {
        return Ok(patch);
    };
    for (key, value) in fields.iter() {
        let key: String = key.extract()?;
        let bad = |what: &str| InvalidInput::new_err(format!("{key}: must be {what}"));
        match key.as_str() {
            "content" => patch.content = Some(value.extract().map_err(|_| bad("a string"))?),
            "date" => {
                let text: String = value.extract().map_err(|_| bad("a YYYY-MM-DD string"))?;
                patch.date = date("date", Some(&text))?;
            }
            "title" => patch.title = Some(value.extract().map_err(|_| bad("a string or None"))?),
            "tags" => patch.tags = Some(value.extract().map_err(|_| bad("a list of strings"))?),
            "source" => patch.source = Some(value.extract().map_err(|_| bad("a string"))?),
            "metadata" => patch.metadata = Some(from_python(Some(&value))?),
            other => return Err(InvalidInput::new_err(format!("{other}: unknown field"))),
        }
    }
    Ok(patch)
}

/// Keyword fields read as a core request type (unknown fields refused, the
/// error names the field).
pub(crate) fn fields_as<T: serde::de::DeserializeOwned>(
    fields: Option<&Bound<'_, PyDict>>,
) -> PyResult<T> {
    let value = match fields {
        Some(dict) => from_python(Some(dict.as_any()))?,
        None => Value::Object(Default::default()),
    };
    serde_json::from_value(value)
        .map_err(|e| to_py(afterresume_core::Error::invalid_input(e.to_string())))
}
