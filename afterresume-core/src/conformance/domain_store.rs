//! Conformance of the domain stores ([`DomainStore`](crate::DomainStore)).
//!
//! Scenarios take a factory `Fn() -> Future<Output = SharedDomainStore>` that returns a
//! fresh, empty store each call.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::json;

pub use super::domain_values::stored_values_round_trip_or_are_refused;
pub use super::throttle::{
    throttle_limits_hold_under_concurrency, throttle_windows_release_reset_and_purge,
};
pub use super::worklog_imports::imports_write_by_external_id;
use super::{at, t0};
use crate::ErrorKind;
use crate::domain::*;
use crate::ports::SharedDomainStore;

/// Runs every domain-store scenario as its own test.
#[macro_export]
macro_rules! domain_store_conformance {
    ($factory:expr) => {
        $crate::__conformance_tests!(
            domain_store,
            $factory,
            [
                users_are_unique_by_username,
                tokens_are_found_by_hash_until_revoked,
                tokens_expire_and_list_in_pages,
                worklog_crud_and_patch,
                worklog_filters_and_keyset_pagination,
                bulk_worklog_create_is_all_or_nothing,
                skills_upsert_by_slug,
                evidence_is_idempotent_and_summarized,
                changing_or_deleting_worklog_drops_its_evidence,
                replacing_an_analysis_is_all_or_nothing,
                reports_list_newest_first_with_cursor,
                resume_versions_are_gapless_under_concurrency,
                profiles_are_written_by_revision,
                imports_write_by_external_id,
                stored_values_round_trip_or_are_refused,
                throttle_limits_hold_under_concurrency,
                throttle_windows_release_reset_and_purge,
            ]
        );
    };
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

pub(super) async fn user(store: &SharedDomainStore, name: &str) -> User {
    store
        .create_user(
            NewUser {
                username: name.into(),
                email: format!("{name}@example.com"),
                full_name: name.to_uppercase(),
                password_hash: "$argon2id$x".into(),
                is_staff: false,
            },
            t0(),
        )
        .await
        .unwrap()
}

pub(super) fn skill(slug: &str, category: SkillCategory) -> NewSkill {
    NewSkill {
        name: slug.to_uppercase(),
        slug: slug.into(),
        category,
        aliases: vec![format!("{slug}-alias")],
    }
}

pub(super) fn evidence(
    user: UserId,
    skill: SkillId,
    worklog: &WorkLog,
    start: u32,
) -> NewSkillEvidence {
    NewSkillEvidence {
        user_id: user,
        skill_id: skill,
        worklog_id: worklog.id,
        worklog_date: worklog.date,
        excerpt: "Postgres".into(),
        start,
        end: start + 8,
        sentence: "Postgres on k8s".into(),
        sentence_start: start,
        confidence: 0.9,
        extractor: "test".into(),
    }
}

/// An analysis and its evidence are replaced together: a write that fails midway
/// (its second evidence row names no skill) leaves the old analysis with its old
/// evidence; rows for another worklog or user are refused before anything changes.
pub async fn replacing_an_analysis_is_all_or_nothing<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedDomainStore>,
{
    let store = make().await;
    let alice = user(&store, "alice").await;
    let bob = user(&store, "bob").await;
    let pg = store
        .upsert_skill(skill("postgresql", SkillCategory::Database))
        .await
        .unwrap();
    let k8s = store
        .upsert_skill(skill("kubernetes", SkillCategory::Platform))
        .await
        .unwrap();
    let w = store
        .create_worklog(NewWorkLog::new(alice.id, day(2), "Postgres on k8s"), t0())
        .await
        .unwrap();
    let first = json!({ "skills": ["postgresql"] });
    let stored = store
        .replace_worklog_analysis(
            w.id,
            first.clone(),
            &[evidence(alice.id, pg.id, &w, 0)],
            at(1),
        )
        .await
        .unwrap();
    assert_eq!(stored.analysis, Some(first.clone()));
    let evidence_of = |skill: SkillId| {
        let store = Arc::clone(&store);
        async move { store.list_evidence(alice.id, skill).await.unwrap().len() }
    };
    assert_eq!(
        (evidence_of(pg.id).await, evidence_of(k8s.id).await),
        (1, 0)
    );

    let broken = [
        evidence(alice.id, k8s.id, &w, 3),
        evidence(alice.id, SkillId::MAX, &w, 5),
    ];
    let err = store
        .replace_worklog_analysis(w.id, json!({ "skills": ["kubernetes"] }), &broken, at(2))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    let after = store.get_worklog(w.id).await.unwrap();
    assert_eq!(
        (after.analysis, after.updated_at),
        (Some(first.clone()), at(1))
    );
    assert_eq!(
        (evidence_of(pg.id).await, evidence_of(k8s.id).await),
        (1, 0)
    );

    for foreign in [
        evidence(bob.id, k8s.id, &w, 3),
        NewSkillEvidence {
            worklog_id: w.id + 1,
            ..evidence(alice.id, k8s.id, &w, 3)
        },
    ] {
        let err = store
            .replace_worklog_analysis(w.id, json!({}), &[foreign], at(3))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert_eq!(
            store.get_worklog(w.id).await.unwrap().analysis,
            Some(first.clone())
        );
    }

    let replaced = [evidence(alice.id, k8s.id, &w, 3)];
    store
        .replace_worklog_analysis(w.id, json!({ "skills": ["kubernetes"] }), &replaced, at(4))
        .await
        .unwrap();
    assert_eq!(
        (evidence_of(pg.id).await, evidence_of(k8s.id).await),
        (0, 1)
    );
    let missing = store
        .replace_worklog_analysis(WorkLogId::MAX, json!({}), &[], at(5))
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

/// Usernames are unique ignoring case; users are found by id and username.
pub async fn users_are_unique_by_username<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedDomainStore>,
{
    let store = make().await;
    let alice = user(&store, "alice").await;
    assert!(alice.is_active && !alice.is_staff);
    assert_eq!(alice.full_name, "ALICE");
    let err = store
        .create_user(
            NewUser {
                username: "ALICE".into(),
                ..NewUser::default()
            },
            t0(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    assert_eq!(store.get_user(alice.id).await.unwrap(), alice);
    assert_eq!(
        store.get_user_by_username("Alice").await.unwrap().id,
        alice.id
    );
    assert_eq!(
        store.get_user(alice.id + 100).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    store
        .set_password_hash(alice.id, "$argon2id$new")
        .await
        .unwrap();
    assert_eq!(
        store.get_user(alice.id).await.unwrap().password_hash,
        "$argon2id$new"
    );
    let bob = user(&store, "bob").await;
    let ids: Vec<_> = store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(ids, vec![alice.id, bob.id]);
}

/// Tokens authenticate by hash and stop once revoked.
pub async fn tokens_are_found_by_hash_until_revoked<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedDomainStore>,
{
    let store = make().await;
    let alice = user(&store, "alice").await;
    let bob = user(&store, "bob").await;
    let token = store
        .create_token(
            NewApiToken {
                user_id: alice.id,
                name: "laptop".into(),
                token_hash: "h1".into(),
                expires_at: None,
            },
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(token.last_used_at, None);
    let used = store.use_token("h1", at(5)).await.unwrap();
    assert_eq!(
        (used.id, used.user_id, used.last_used_at),
        (token.id, alice.id, Some(at(5)))
    );
    // Uses within the resolution are reads: the recorded use stays.
    let again = store.use_token("h1", at(5 + 59)).await.unwrap();
    assert_eq!(again.last_used_at, Some(at(5)));
    let later = store.use_token("h1", at(5 + 60)).await.unwrap();
    assert_eq!(later.last_used_at, Some(at(65)));
    let listed = store
        .list_tokens(alice.id, TokenPage::default())
        .await
        .unwrap();
    assert_eq!(
        listed[0].last_used_at,
        Some(at(65)),
        "the use was not stored"
    );
    assert_eq!(
        store.use_token("nope", at(5)).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let dup = store
        .create_token(
            NewApiToken {
                user_id: bob.id,
                name: "x".into(),
                token_hash: "h1".into(),
                expires_at: None,
            },
            t0(),
        )
        .await
        .unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::AlreadyExists);
    assert_eq!(
        store
            .revoke_token(bob.id, token.id, at(6))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound,
        "bob revoked alice's token"
    );
    store.revoke_token(alice.id, token.id, at(6)).await.unwrap();
    store.revoke_token(alice.id, token.id, at(7)).await.unwrap();
    assert_eq!(
        store.use_token("h1", at(8)).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let listed = store
        .list_tokens(alice.id, TokenPage::default())
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].revoked_at, Some(at(6)));
}

/// A token with an expiry stops authenticating at it; pages of tokens follow ids
/// and can hold live tokens only.
pub async fn tokens_expire_and_list_in_pages<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedDomainStore>,
{
    let store = make().await;
    let alice = user(&store, "alice").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let token = NewApiToken {
            user_id: alice.id,
            name: "session".into(),
            token_hash: format!("s{n}"),
            expires_at: Some(at(100 + n)),
        };
        ids.push(store.create_token(token, t0()).await.unwrap().id);
    }
    assert_eq!(
        store.use_token("s0", at(99)).await.unwrap().expires_at,
        Some(at(100))
    );
    assert_eq!(
        store.use_token("s0", at(100)).await.unwrap_err().kind(),
        ErrorKind::NotFound,
        "an expired token authenticated"
    );
    store.revoke_token(alice.id, ids[3], at(1)).await.unwrap();
    let page = |after, limit, live_at| TokenPage {
        after,
        limit,
        live_at,
    };
    let listed = |p| {
        let store = Arc::clone(&store);
        async move {
            let tokens = store.list_tokens(alice.id, p).await.unwrap();
            tokens.into_iter().map(|t| t.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(page(None, 2, None)).await, ids[..2]);
    assert_eq!(listed(page(Some(ids[1]), 2, None)).await, ids[2..4]);
    assert_eq!(
        listed(page(None, 0, Some(at(101)))).await,
        vec![ids[2], ids[4]],
        "live tokens: not expired (0, 1) and not revoked (3)"
    );
}

/// Worklogs round-trip; patches change only what they name; new content clears analysis.
pub async fn worklog_crud_and_patch<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedDomainStore>,
{
    let store = make().await;
    let alice = user(&store, "alice").await;
    let mut new = NewWorkLog::new(alice.id, day(23), "Moved billing to Postgres 15 on k8s");
    new.title = Some("Billing migration".into());
    new.tags = vec!["billing".into(), "infra".into()];
    new.metadata = json!({ "ticket": "BIL-7" });
    let w = store.create_worklog(new, t0()).await.unwrap();
    assert_eq!(w.analysis, None);
    assert_eq!(store.get_worklog(w.id).await.unwrap(), w);
    let analyzed = store
        .replace_worklog_analysis(w.id, json!({ "skills": [] }), &[], at(1))
        .await
        .unwrap();
    assert_eq!(analyzed.analysis, Some(json!({ "skills": [] })));

    let patched = store
        .update_worklog(
            w.id,
            WorkLogPatch {
                tags: Some(vec!["billing".into()]),
                title: Some(None),
                ..Default::default()
            },
            at(2),
        )
        .await
        .unwrap();
    assert_eq!(
        (patched.tags.clone(), patched.title.clone()),
        (vec!["billing".to_owned()], None)
    );
    assert_eq!(patched.content, w.content);
    assert!(
        patched.analysis.is_some(),
        "a patch without content keeps the analysis"
    );
    assert_eq!((patched.created_at, patched.updated_at), (t0(), at(2)));
    let rewritten = store
        .update_worklog(
            w.id,
            WorkLogPatch {
                content: Some("Something else".into()),
                ..Default::default()
            },
            at(3),
        )
        .await
        .unwrap();
    assert_eq!(rewritten.analysis, None);
    assert_eq!(rewritten.metadata, json!({ "ticket": "BIL-7" }));
    store.delete_worklog(w.id).await.unwrap();
    assert_eq!(
        store.get_worklog(w.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        store.delete_worklog(w.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let orphan = store
        .create_worklog(NewWorkLog::new(alice.id + 99, day(1), "x"), t0())
        .await
        .unwrap_err();
    assert_eq!(orphan.kind(), ErrorKind::NotFound);
}

/// Filters by owner, date range and tag; pages newest first without gaps.
pub async fn worklog_filters_and_keyset_pagination<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedDomainStore>,
{
    let store = make().await;
    let alice = user(&store, "alice").await;
    let bob = user(&store, "bob").await;
    let mut expected = Vec::new();
    for d in 1..=12u32 {
        for n in 0..2 {
            let mut w = NewWorkLog::new(alice.id, day(d), format!("day {d} entry {n}"));
            if d % 3 == 0 {
                w.tags = vec!["oncall".into()];
            }
            expected.push(store.create_worklog(w, t0()).await.unwrap());
        }
    }
    store
        .create_worklog(NewWorkLog::new(bob.id, day(5), "bob's"), t0())
        .await
        .unwrap();
    expected.sort_by_key(|w| std::cmp::Reverse((w.date, w.id)));
    let mut filter = WorkLogFilter {
        user_id: Some(alice.id),
        limit: 5,
        ..Default::default()
    };
    let mut seen = Vec::new();
    loop {
        let page = store.list_worklogs(&filter).await.unwrap();
        if page.is_empty() {
            break;
        }
        let last = page.last().unwrap();
        filter.after = Some((last.date, last.id));
        seen.extend(page.into_iter().map(|w| w.id));
    }
    assert_eq!(seen, expected.iter().map(|w| w.id).collect::<Vec<_>>());
    let ranged = store
        .list_worklogs(&WorkLogFilter {
            user_id: Some(alice.id),
            date_from: Some(day(3)),
            date_to: Some(day(6)),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ranged.len(), 8);
    let tagged = store
        .list_worklogs(&WorkLogFilter {
            user_id: Some(alice.id),
            tag: Some("oncall".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(tagged.len(), 8);
    assert!(tagged.iter().all(|w| w.tags == vec!["oncall".to_owned()]));
    let found = store
        .list_worklogs(&WorkLogFilter {
            user_id: Some(alice.id),
            text: Some("DAY 1 ENTRY".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut contents: Vec<&str> = found.iter().map(|w| w.content.as_str()).collect();
    contents.sort_unstable();
    assert_eq!(contents, ["day 1 entry 0", "day 1 entry 1"]);
    // The text is literal: no wildcard matches everything.
    let wildcard = store
        .list_worklogs(&WorkLogFilter {
            user_id: Some(alice.id),
            text: Some("%".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(wildcard.is_empty(), "{wildcard:?}");
    let everyone = store
        .list_worklogs(&WorkLogFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(everyone.len(), 25);
}

/// A bulk create with one bad entry stores none of them.
pub async fn bulk_worklog_create_is_all_or_nothing<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedDomainStore>,
{
    let store = make().await;
    let alice = user(&store, "alice").await;
    let good: Vec<_> = (1..=3)
        .map(|d| NewWorkLog::new(alice.id, day(d), format!("entry {d}")))
        .collect();
    let created = store.create_worklogs(good.clone(), t0()).await.unwrap();
    assert_eq!(created.len(), 3);
    assert_eq!(
        created
            .iter()
            .map(|w| w.content.as_str())
            .collect::<Vec<_>>(),
        vec!["entry 1", "entry 2", "entry 3"]
    );
    let mut bad = good;
    bad.push(NewWorkLog::new(alice.id + 50, day(4), "no such owner"));
    assert!(store.create_worklogs(bad, t0()).await.is_err());
    let all = store
        .list_worklogs(&WorkLogFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 3, "a failed bulk create left rows behind");
}

/// Skills are keyed by slug; upserting again updates in place.
pub async fn skills_upsert_by_slug<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedDomainStore>,
{
    let store = make().await;
    let pg = store
        .upsert_skill(skill("postgresql", SkillCategory::Database))
        .await
        .unwrap();
    let mut renamed = skill("postgresql", SkillCategory::Database);
    renamed.name = "PostgreSQL".into();
    renamed.aliases = vec!["postgres".into(), "psql".into()];
    let pg2 = store.upsert_skill(renamed).await.unwrap();
    assert_eq!(pg2.id, pg.id);
    assert_eq!(pg2.aliases, vec!["postgres", "psql"]);
    assert_eq!(store.get_skill(pg.id).await.unwrap(), pg2);
    assert_eq!(
        store.get_skill_by_slug("postgresql").await.unwrap().name,
        "PostgreSQL"
    );
    store
        .upsert_skill(skill("go", SkillCategory::Language))
        .await
        .unwrap();
    let names: Vec<_> = store
        .list_skills()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, vec!["GO", "PostgreSQL"]);
    assert_eq!(
        store.get_skill_by_slug("nope").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

/// Evidence is idempotent; user skills summarize it and list only evidenced skills.
pub async fn evidence_is_idempotent_and_summarized<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedDomainStore>,
{
    let store = make().await;
    let alice = user(&store, "alice").await;
    let bob = user(&store, "bob").await;
    let pg = store
        .upsert_skill(skill("postgresql", SkillCategory::Database))
        .await
        .unwrap();
    let k8s = store
        .upsert_skill(skill("kubernetes", SkillCategory::Tool))
        .await
        .unwrap();
    store
        .upsert_skill(skill("cobol", SkillCategory::Language))
        .await
        .unwrap();
    let w1 = store
        .create_worklog(NewWorkLog::new(alice.id, day(2), "Postgres and k8s"), t0())
        .await
        .unwrap();
    let w2 = store
        .create_worklog(NewWorkLog::new(alice.id, day(9), "More Postgres"), t0())
        .await
        .unwrap();
    let first = store
        .add_evidence(evidence(alice.id, pg.id, &w1, 0), t0())
        .await
        .unwrap();
    let again = store
        .add_evidence(evidence(alice.id, pg.id, &w1, 0), at(9))
        .await
        .unwrap();
    assert_eq!(first, again, "re-adding evidence created a duplicate");
    store
        .add_evidence(evidence(alice.id, pg.id, &w2, 5), t0())
        .await
        .unwrap();
    store
        .add_evidence(evidence(alice.id, k8s.id, &w1, 13), t0())
        .await
        .unwrap();
    let skills = store.list_user_skills(alice.id).await.unwrap();
    let summary: Vec<_> = skills
        .iter()
        .map(|s| {
            (
                s.skill.slug.as_str(),
                s.evidence_count,
                s.first_seen,
                s.last_seen,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("postgresql", 2, day(2), day(9)),
            ("kubernetes", 1, day(2), day(2))
        ]
    );
    assert!(store.list_user_skills(bob.id).await.unwrap().is_empty());
    let ev = store.list_evidence(alice.id, pg.id).await.unwrap();
    assert_eq!(
        ev.iter().map(|e| e.worklog_id).collect::<Vec<_>>(),
        vec![w2.id, w1.id]
    );
    assert_eq!(ev[1].excerpt, "Postgres");
    assert_eq!(ev[1].sentence, "Postgres on k8s");
    assert_eq!(
        ev[1].sentence_start, ev[1].start,
        "the mention's place in the sentence"
    );
    assert_eq!((ev[1].start, ev[1].end, ev[1].confidence), (0, 8, 0.9));
    assert_eq!(store.get_evidence(ev[0].id).await.unwrap(), ev[0]);
    let window = store
        .list_user_evidence(alice.id, Some(day(1)), Some(day(5)))
        .await
        .unwrap();
    assert_eq!(window.len(), 2);
    let mut bad = evidence(alice.id, pg.id, &w1, 10);
    bad.end = 10;
    assert!(bad.validate().is_err());
}

/// Evidence follows its worklog: new content or deletion removes it.
pub async fn changing_or_deleting_worklog_drops_its_evidence<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedDomainStore>,
{
    let store = make().await;
    let alice = user(&store, "alice").await;
    let pg = store
        .upsert_skill(skill("postgresql", SkillCategory::Database))
        .await
        .unwrap();
    let w1 = store
        .create_worklog(NewWorkLog::new(alice.id, day(2), "Postgres"), t0())
        .await
        .unwrap();
    let w2 = store
        .create_worklog(NewWorkLog::new(alice.id, day(3), "Postgres"), t0())
        .await
        .unwrap();
    store
        .add_evidence(evidence(alice.id, pg.id, &w1, 0), t0())
        .await
        .unwrap();
    store
        .add_evidence(evidence(alice.id, pg.id, &w2, 0), t0())
        .await
        .unwrap();
    store
        .update_worklog(
            w1.id,
            WorkLogPatch {
                date: Some(day(1)),
                ..Default::default()
            },
            at(1),
        )
        .await
        .unwrap();
    let ev = store.list_evidence(alice.id, pg.id).await.unwrap();
    assert_eq!(
        ev.iter().map(|e| e.worklog_date).collect::<Vec<_>>(),
        vec![day(3), day(1)],
        "evidence dates follow the worklog"
    );
    store
        .update_worklog(
            w1.id,
            WorkLogPatch {
                content: Some("Rewritten".into()),
                ..Default::default()
            },
            at(2),
        )
        .await
        .unwrap();
    assert_eq!(store.list_evidence(alice.id, pg.id).await.unwrap().len(), 1);
    store.delete_worklog(w2.id).await.unwrap();
    assert!(
        store
            .list_evidence(alice.id, pg.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store.list_user_skills(alice.id).await.unwrap().is_empty(),
        "a skill without evidence is listed"
    );
    assert_eq!(store.delete_evidence_for_worklog(w1.id).await.unwrap(), 0);
}

/// Reports list newest first per user, filtered by kind, paged by id.
pub async fn reports_list_newest_first_with_cursor<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedDomainStore>,
{
    let store = make().await;
    let alice = user(&store, "alice").await;
    let bob = user(&store, "bob").await;
    let mut ids = Vec::new();
    for n in 0..5u32 {
        let report = NewReport {
            user_id: alice.id,
            kind: if n % 2 == 0 {
                ReportKind::Standup
            } else {
                ReportKind::Status
            },
            period_start: day(1 + n),
            period_end: day(2 + n),
            content: format!("# Report {n}"),
            data: json!({ "items": [{ "text": "x", "worklog_ids": [n] }] }),
        };
        ids.push(store.create_report(report, at(n as i64)).await.unwrap().id);
    }
    let first = store.get_report(ids[0]).await.unwrap();
    assert_eq!(
        (first.kind, first.period_start, first.content.as_str()),
        (ReportKind::Standup, day(1), "# Report 0")
    );
    assert_eq!(first.data["items"][0]["worklog_ids"], json!([0]));
    let page = store.list_reports(alice.id, None, None, 3).await.unwrap();
    assert_eq!(
        page.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![ids[4], ids[3], ids[2]]
    );
    let rest = store
        .list_reports(alice.id, None, Some(ids[2]), 3)
        .await
        .unwrap();
    assert_eq!(
        rest.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![ids[1], ids[0]]
    );
    let standups = store
        .list_reports(alice.id, Some(ReportKind::Standup), None, 10)
        .await
        .unwrap();
    assert_eq!(standups.len(), 3);
    assert!(
        store
            .list_reports(bob.id, None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.get_report(ids[4] + 10).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

/// Resume versions count 1, 2, 3... per user with no gap or duplicate, even concurrently.
pub async fn resume_versions_are_gapless_under_concurrency<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedDomainStore>,
{
    let store = make().await;
    let alice = user(&store, "alice").await;
    let bob = user(&store, "bob").await;
    assert_eq!(
        store.latest_resume(alice.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let mut tasks = Vec::new();
    for n in 0..8 {
        let store = Arc::clone(&store);
        let user_id = alice.id;
        tasks.push(tokio::spawn(async move {
            let resume = NewResume {
                user_id,
                document: json!({ "basics": { "name": "Alice" }, "n": n }),
                markdown: "# Alice".into(),
                html: "<h1>Alice</h1>".into(),
            };
            store.create_resume(resume, at(n)).await.unwrap().version
        }));
    }
    let mut versions = HashSet::new();
    for t in tasks {
        versions.insert(t.await.unwrap());
    }
    assert_eq!(versions, (1..=8).collect::<HashSet<u32>>());
    let bobs = store
        .create_resume(
            NewResume {
                user_id: bob.id,
                document: json!({}),
                markdown: String::new(),
                html: String::new(),
            },
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(bobs.version, 1);
    let latest = store.latest_resume(alice.id).await.unwrap();
    assert_eq!((latest.version, latest.markdown.as_str()), (8, "# Alice"));
    assert_eq!(
        store.get_resume_version(alice.id, 3).await.unwrap().version,
        3
    );
    let listed: Vec<_> = store
        .list_resume_versions(alice.id)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.0)
        .collect();
    assert_eq!(listed, (1..=8).rev().collect::<Vec<_>>());
}

/// Profiles: the default at revision 0, compare-and-swap writes, one winner of
/// a race, per-user documents, unknown users refused.
pub async fn profiles_are_written_by_revision<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedDomainStore>,
{
    let store = make().await;
    let alice = user(&store, "alice").await;
    let bob = user(&store, "bob").await;
    let empty = store.get_profile(alice.id).await.unwrap();
    assert_eq!(empty.revision, 0);
    assert_eq!(empty.document, ProfileDocument::default());
    let mut doc = ProfileDocument::default();
    doc.profile.name = "Alice Ängström".into();
    doc.profile.working_days = WorkingDays::new(&[chrono::Weekday::Sun]).unwrap();
    doc.add_position(NewPosition {
        company: "Acme".into(),
        title: "Engineer".into(),
        location: "Berlin".into(),
        start_date: day(1),
        end_date: None,
        summary: String::new(),
        url: String::new(),
    })
    .unwrap();
    assert_eq!(store.put_profile(alice.id, &doc, 0, t0()).await.unwrap(), 1);
    let read = store.get_profile(alice.id).await.unwrap();
    assert_eq!((read.revision, &read.document), (1, &doc), "round trip");
    // A writer that read revision 0 lost: nothing changes.
    let mut stale = ProfileDocument::default();
    stale.profile.name = "stale".into();
    let err = store
        .put_profile(alice.id, &stale, 0, t0())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert_eq!(store.get_profile(alice.id).await.unwrap().document, doc);
    // Two writers from revision 1: exactly one wins.
    let mut tasks = Vec::new();
    for n in 0..4 {
        let store = Arc::clone(&store);
        let mut doc = doc.clone();
        doc.profile.label = format!("writer {n}");
        tasks.push(tokio::spawn(async move {
            store.put_profile(alice.id, &doc, 1, at(n)).await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(revision) => {
                won += 1;
                assert_eq!(revision, 2);
            }
            Err(e) => assert_eq!(e.kind(), ErrorKind::Conflict, "{e}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(
        store.get_profile(bob.id).await.unwrap().revision,
        0,
        "per user"
    );
    let err = store.put_profile(9_999, &doc, 0, t0()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}
