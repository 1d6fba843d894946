//! Export as dotenv and JSON.

mod support;

use locker_config::ExportFormat;
use support::Project;

#[tokio::test]
async fn dotenv_and_json() {
    let p = Project::new();
    p.seed(
        &["prod"],
        &[
            (Some("prod"), "B_URL", "https://b"),
            (Some("prod"), "A_QUOTED", "say \"hi\"\n$HOME \\"),
            (Some("prod"), "not-a-name", "skipped"),
            (None, "SHARED", "all"),
        ],
    );
    let locker = p.client();

    let dotenv = locker
        .export(Some("prod"), ExportFormat::Dotenv)
        .await
        .unwrap();
    assert_eq!(
        dotenv,
        "A_QUOTED=\"say \\\"hi\\\"\\n\\$HOME \\\\\"\nB_URL=\"https://b\"\n"
    );

    let all = locker.export(None, ExportFormat::Dotenv).await.unwrap();
    assert!(all.contains("SHARED=\"all\"\n") && all.contains("B_URL="));

    let json = locker
        .export(Some("prod"), ExportFormat::Json)
        .await
        .unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    let items = parsed.as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["key"], "A_QUOTED");
    assert_eq!(items[0]["value"], "say \"hi\"\n$HOME \\");
    assert_eq!(items[0]["environment_name"], "prod");
}
