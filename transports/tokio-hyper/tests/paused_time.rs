//! The driver's clock follows tokio's: with paused time, hours of refreshes run in milliseconds,
//! exactly on the policy's schedule.

use std::time::Duration;

use alibabacloud_credentials_testkit::{Answer, ScriptedSource};
use alibabacloud_credentials_tokio::Client;

#[tokio::test(start_paused = true)]
async fn background_refreshes_follow_tokios_paused_clock() {
    let (source, script) = ScriptedSource::new();
    for _ in 0..10 {
        script.push(Answer::Lives(Duration::from_secs(3600)));
    }
    let client = Client::builder().seed(5).build_source(Box::new(source), "scripted").unwrap();
    let first = client.get().await.unwrap();
    assert_eq!(script.fetches(), 1);

    // A one-hour credential is refreshed 15-18 minutes before expiry: not after 40 minutes...
    tokio::time::sleep(Duration::from_secs(40 * 60)).await;
    assert!(client.get().await.unwrap().ptr_eq(&first));
    assert_eq!(script.fetches(), 1);

    // ...but by 46 minutes, in the background, with the old credential served until then.
    tokio::time::sleep(Duration::from_secs(6 * 60)).await;
    assert_eq!(script.fetches(), 2);
    let second = client.get().await.unwrap();
    assert!(!second.ptr_eq(&first));

    // Five more hours: about one refresh per 42-45 minutes, never more.
    tokio::time::sleep(Duration::from_secs(5 * 3600)).await;
    let fetches = script.fetches();
    assert!((8..=10).contains(&fetches), "{fetches} fetches in 5 h 46 min");
}
