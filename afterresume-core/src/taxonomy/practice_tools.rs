//! Tools whose only use is a practice of the closed list: work with one of them is
//! that practice too ("Retired the old Jenkins jobs" is CI/CD work, "Ran the Locust
//! suite" is load testing). Only tools with no other use are listed: a database or a
//! cloud says nothing about the practice it served.

/// A practice and the tools whose use shows it.
pub(super) const PRACTICE_TOOLS: &[(&str, &[&str])] = &[
    (
        "ci-cd",
        &[
            "github-actions",
            "gitlab-ci",
            "jenkins",
            "circleci",
            "travis-ci",
            "buildkite",
            "teamcity",
            "appveyor",
            "bitrise",
            "codemagic",
            "gocd",
            "semaphore-ci",
            "aws-codepipeline",
            "tekton",
            "spinnaker",
            "argocd",
        ],
    ),
    (
        "load-testing",
        &["k6", "locust", "jmeter", "apache-jmeter", "gatling"],
    ),
];

/// The practice `tool` (a slug) shows, if it is one of [`PRACTICE_TOOLS`].
pub(super) fn practice_of_tool(tool: &str) -> Option<&'static str> {
    PRACTICE_TOOLS
        .iter()
        .find(|(_, tools)| tools.contains(&tool))
        .map(|(practice, _)| *practice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxonomy::Taxonomy;

    #[test]
    fn every_listed_slug_is_in_the_taxonomy_and_each_practice_is_one() {
        let taxonomy = Taxonomy::builtin();
        for (practice, tools) in PRACTICE_TOOLS {
            let skill = taxonomy.get(practice).expect("practice in the taxonomy");
            assert_eq!(skill.category, crate::domain::SkillCategory::Practice);
            for tool in *tools {
                assert!(taxonomy.get(tool).is_some(), "{tool} not in the taxonomy");
            }
        }
    }

    #[test]
    fn ci_services_and_load_generators_show_their_practice() {
        assert_eq!(practice_of_tool("jenkins"), Some("ci-cd"));
        assert_eq!(practice_of_tool("locust"), Some("load-testing"));
        assert_eq!(practice_of_tool("postgresql"), None);
        assert_eq!(practice_of_tool("terraform"), None);
    }
}
