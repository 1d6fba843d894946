//! Environment operations against a real local server.

mod support;

use locker_config::{EnvironmentUpdate, ErrorKind, NewEnvironment, NewSecret};
use support::Project;

#[tokio::test]
async fn create_get_list_and_modify() {
    let p = Project::new();
    let locker = p.client();
    assert!(locker.list_environments().await.unwrap().is_empty());
    assert_eq!(locker.get_environment("staging").await.unwrap(), None);

    let env = locker
        .create_environment(
            NewEnvironment::new("staging")
                .external_url("https://staging.example.com")
                .description("pre-production"),
        )
        .await
        .unwrap();
    assert_eq!(env.name, "staging");
    assert_eq!(
        env.external_url.as_deref(),
        Some("https://staging.example.com")
    );
    assert_eq!(env.description.as_deref(), Some("pre-production"));
    locker
        .create_environment(NewEnvironment::new("production"))
        .await
        .unwrap();

    let got = locker.get_environment("staging").await.unwrap().unwrap();
    assert_eq!(got, env);
    let mut names: Vec<_> = locker
        .list_environments()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    names.sort();
    assert_eq!(names, ["production", "staging"]);

    let err = locker
        .create_environment(NewEnvironment::new("staging"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err:?}");

    // Rename and change the URL; secrets follow the environment.
    locker
        .create(NewSecret::new("K", "v").environment("staging"))
        .await
        .unwrap();
    let m = locker
        .modify_environment(
            "staging",
            EnvironmentUpdate::new()
                .name("preprod")
                .external_url("https://preprod.example.com")
                .description("renamed"),
        )
        .await
        .unwrap();
    assert_eq!(m.id, env.id);
    assert_eq!(m.name, "preprod");
    assert_eq!(
        m.external_url.as_deref(),
        Some("https://preprod.example.com")
    );
    assert_eq!(locker.get_environment("staging").await.unwrap(), None);
    assert_eq!(
        locker.get("K", Some("preprod")).await.unwrap().as_deref(),
        Some("v")
    );

    let err = locker
        .modify_environment("preprod", EnvironmentUpdate::new().name("production"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err:?}");
    let err = locker
        .modify_environment("nowhere", EnvironmentUpdate::new().description("x"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}
