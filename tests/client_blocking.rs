//! The blocking facade, from plain threads and from inside a runtime.

mod support;

use locker_config::blocking;
use locker_config::{EnvironmentUpdate, ExportFormat, NewEnvironment, NewSecret, SecretUpdate};
use support::Project;

#[test]
fn every_operation_works_without_a_runtime() {
    let p = Project::new();
    let locker = p.blocking();
    locker
        .create_environment(NewEnvironment::new("dev"))
        .unwrap();
    assert!(locker.get_environment("dev").unwrap().is_some());
    locker
        .modify_environment("dev", EnvironmentUpdate::new().description("local"))
        .unwrap();
    assert_eq!(locker.list_environments().unwrap().len(), 1);
    locker
        .create(NewSecret::new("K", "v").environment("dev"))
        .unwrap();
    assert_eq!(locker.get("K", Some("dev")).unwrap().as_deref(), Some("v"));
    assert_eq!(locker.get_or("X", Some("dev"), "d").unwrap(), "d");
    assert_eq!(locker.retrieve("K", Some("dev")).unwrap().value, "v");
    locker
        .modify("K", Some("dev"), SecretUpdate::new().value("w"))
        .unwrap();
    assert_eq!(locker.list_secrets(Some("dev")).unwrap()[0].value, "w");
    assert_eq!(
        locker.export(Some("dev"), ExportFormat::Dotenv).unwrap(),
        "K=\"w\"\n"
    );
    assert!(locker.project_id().unwrap() > 0);
}

#[tokio::test]
async fn works_inside_a_runtime_too() {
    let p = Project::new();
    let locker: blocking::Locker = p.client().into();
    assert!(locker.list_secrets(None).unwrap().is_empty());
}
