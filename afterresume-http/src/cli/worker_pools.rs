//! `afterresume worker --queues`: the worker pools one process runs. Plain
//! names share the `--workers` slots (`--queues llm,reports`); `name:N` gives a
//! queue a pool of its own with N slots, its concurrency in this process
//! (`--queues llm:2,reports,default` runs two slots for `llm` and `--workers`
//! slots shared by `reports` and `default`). Without `--queues`, one pool
//! serves every queue.

use afterresume_core::{Error, Result, WorkerOptions};

/// Most slots one pool may have.
const MAX_SLOTS: usize = 256;

/// The pools to start, the first running the scheduler and maintenance loops.
pub(super) fn plan(workers: usize, queues: Option<&[String]>) -> Result<Vec<WorkerOptions>> {
    let base = WorkerOptions::workers(workers);
    let Some(entries) = queues else {
        return Ok(vec![base]);
    };
    let mut shared = Vec::new();
    let mut own = Vec::new();
    for entry in entries {
        let entry = entry.trim();
        match entry.split_once(':') {
            Some((name, slots)) => {
                let slots: usize = slots
                    .trim()
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_SLOTS).contains(n))
                    .ok_or_else(|| {
                        Error::invalid_input(format!(
                            "queues: '{entry}': the slots after ':' must be 1 to {MAX_SLOTS}"
                        ))
                    })?;
                own.push((name.trim().to_owned(), slots));
            }
            None => shared.push(entry.to_owned()),
        }
    }
    let mut names: Vec<&str> = shared
        .iter()
        .map(String::as_str)
        .chain(own.iter().map(|(name, _)| name.as_str()))
        .collect();
    names.sort_unstable();
    if let Some(twice) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::invalid_input(format!(
            "queues: '{}' is named twice",
            twice[0]
        )));
    }
    let mut pools = Vec::new();
    if !shared.is_empty() || own.is_empty() {
        pools.push(WorkerOptions {
            queues: Some(shared),
            ..base.clone()
        });
    }
    for (name, slots) in own {
        pools.push(WorkerOptions {
            name: format!("{}/{name}", base.name),
            queues: Some(vec![name]),
            ..WorkerOptions::workers(slots)
        });
    }
    for (i, pool) in pools.iter_mut().enumerate() {
        pool.check()?;
        pool.scheduler = i == 0;
        pool.maintenance = i == 0;
    }
    Ok(pools)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queues(text: &str) -> Vec<String> {
        text.split(',').map(str::to_owned).collect()
    }

    fn shape(pools: &[WorkerOptions]) -> Vec<(Option<Vec<String>>, usize, bool)> {
        pools
            .iter()
            .map(|p| (p.queues.clone(), p.workers, p.scheduler && p.maintenance))
            .collect()
    }

    #[test]
    fn without_queues_one_pool_serves_every_queue() {
        assert_eq!(shape(&plan(4, None).unwrap()), vec![(None, 4, true)]);
    }

    #[test]
    fn plain_names_share_the_workers_and_counted_ones_get_their_own_pool() {
        let pools = plan(6, Some(&queues("reports, llm:2 ,default"))).unwrap();
        assert_eq!(
            shape(&pools),
            vec![
                (Some(vec!["reports".into(), "default".into()]), 6, true),
                (Some(vec!["llm".into()]), 2, false),
            ]
        );
        assert!(pools[1].name.ends_with("/llm"));
        let only_own = plan(6, Some(&queues("llm:1,bulk:3"))).unwrap();
        assert_eq!(
            shape(&only_own),
            vec![
                (Some(vec!["llm".into()]), 1, true),
                (Some(vec!["bulk".into()]), 3, false),
            ]
        );
    }

    #[test]
    fn bad_entries_are_named() {
        for (text, says) in [
            ("llm:0", "'llm:0'"),
            ("llm:x", "1 to 256"),
            ("llm:999", "1 to 256"),
            ("llm,llm:2", "'llm' is named twice"),
            ("Bad Name", "queue: must be"),
            ("ok,", "queue: must be"),
        ] {
            let err = plan(2, Some(&queues(text))).unwrap_err();
            assert!(err.to_string().contains(says), "{text}: {err}");
        }
    }
}
