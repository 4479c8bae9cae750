//! Conformance of imports by external id (`WorkLogStore::import_worklogs`).

use std::future::Future;

use chrono::NaiveDate;
use serde_json::json;

use super::domain_store::{evidence, skill, user};
use super::{at, t0};
use crate::ErrorKind;
use crate::domain::*;
use crate::import::ImportOutcome;
use crate::ports::{ImportWorkLog, ImportedWorkLog, SharedDomainStore};

fn entry(user: UserId, id: &str, day: u32, content: &str) -> ImportWorkLog {
    let mut worklog = NewWorkLog::new(
        user,
        NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
        content,
    );
    worklog.source = "git".into();
    worklog.tags = vec!["billing".into()];
    worklog.metadata = json!({"commits": [id]});
    ImportWorkLog {
        external_id: format!("git:root:{id}"),
        worklog,
    }
}

fn outcomes(written: &[ImportedWorkLog]) -> Vec<ImportOutcome> {
    written.iter().map(|w| w.outcome).collect()
}

/// Created, then unchanged; a changed field updates in place (a new content
/// clears the analysis and the evidence); a dry run writes nothing; a deleted
/// worklog comes back; ids are per user; a batch that fails writes nothing.
pub async fn imports_write_by_external_id<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedDomainStore>,
{
    use ImportOutcome::*;
    let store = make().await;
    let alice = user(&store, "alice").await.id;
    let bob = user(&store, "bob").await.id;
    let batch = vec![
        entry(alice, "d20", 20, "- Postgres invoice export"),
        entry(alice, "d21", 21, "- Cache exchange rates"),
    ];

    let dry = store
        .import_worklogs(alice, batch.clone(), t0(), true)
        .await
        .unwrap();
    assert_eq!(outcomes(&dry), [Created, Created]);
    assert!(dry.iter().all(|w| w.id.is_none()), "a dry run names no ids");
    let listed = |user| {
        let store = std::sync::Arc::clone(&store);
        async move {
            store
                .list_worklogs(&WorkLogFilter {
                    user_id: Some(user),
                    limit: 100,
                    ..Default::default()
                })
                .await
                .unwrap()
        }
    };
    assert!(listed(alice).await.is_empty(), "a dry run wrote rows");

    let first = store
        .import_worklogs(alice, batch.clone(), t0(), false)
        .await
        .unwrap();
    assert_eq!(outcomes(&first), [Created, Created]);
    let ids: Vec<WorkLogId> = first.iter().map(|w| w.id.unwrap()).collect();
    let stored = store.get_worklog(ids[0]).await.unwrap();
    assert_eq!(stored.source, "git");
    assert_eq!(stored.tags, ["billing"]);
    assert_eq!(stored.metadata, json!({"commits": ["d20"]}));

    let again = store
        .import_worklogs(alice, batch.clone(), at(60), false)
        .await
        .unwrap();
    assert_eq!(outcomes(&again), [Unchanged, Unchanged]);
    assert_eq!(again.iter().map(|w| w.id.unwrap()).collect::<Vec<_>>(), ids);
    assert_eq!(store.get_worklog(ids[0]).await.unwrap().updated_at, t0());

    // Analysis and evidence on the first day; its content then changes.
    let skill = store
        .upsert_skill(skill("rust", SkillCategory::Language))
        .await
        .unwrap();
    let first_day = store.get_worklog(ids[0]).await.unwrap();
    store
        .replace_worklog_analysis(
            ids[0],
            json!({"skills": []}),
            &[evidence(alice, skill.id, &first_day, 2)],
            t0(),
        )
        .await
        .unwrap();
    let mut changed = batch.clone();
    changed[0].worklog.content = "- Postgres invoice export\n- Stream the rows".into();
    changed[1].worklog.tags = vec!["billing".into(), "fx".into()];
    let updated = store
        .import_worklogs(alice, changed, at(120), false)
        .await
        .unwrap();
    assert_eq!(outcomes(&updated), [Updated, Updated]);
    let first_day = store.get_worklog(ids[0]).await.unwrap();
    assert_eq!(
        first_day.content,
        "- Postgres invoice export\n- Stream the rows"
    );
    assert_eq!(
        first_day.analysis, None,
        "a new content clears the analysis"
    );
    assert_eq!(first_day.updated_at, at(120));
    assert!(
        store
            .list_evidence(alice, skill.id)
            .await
            .unwrap()
            .is_empty(),
        "a new content drops the evidence"
    );
    assert_eq!(
        store.get_worklog(ids[1]).await.unwrap().tags,
        ["billing", "fx"]
    );

    // A deleted worklog comes back on the next import; Bob's ids are his own.
    store.delete_worklog(ids[1]).await.unwrap();
    let back = store
        .import_worklogs(alice, batch.clone(), at(180), false)
        .await
        .unwrap();
    assert_eq!(back[1].outcome, Created);
    assert_ne!(back[1].id, Some(ids[1]));
    let bobs = store
        .import_worklogs(bob, vec![entry(bob, "d20", 20, "- Bob's day")], t0(), false)
        .await
        .unwrap();
    assert_eq!(outcomes(&bobs), [Created]);
    assert_eq!(listed(alice).await.len(), 2);
    assert_eq!(listed(bob).await.len(), 1);

    // One entry for another user, or the same id twice: nothing written.
    let mut bad = vec![entry(alice, "d25", 25, "- New day")];
    bad.push(entry(bob, "d26", 26, "- Not Alice's"));
    let err = store
        .import_worklogs(alice, bad, t0(), false)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    let twice = vec![
        entry(alice, "d25", 25, "- New day"),
        entry(alice, "d25", 25, "- New day again"),
    ];
    let err = store
        .import_worklogs(alice, twice, t0(), false)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(listed(alice).await.len(), 2, "a refused batch wrote rows");
    let err = store
        .import_worklogs(alice + bob + 100, vec![], t0(), false)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}
