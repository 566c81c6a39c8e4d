//! Notify hooks: a command per state, run with the instance name, the state
//! and the priority appended and in its environment. Never waited on by the
//! protocol loop; a reaper task collects each child.

use crate::config::Notify;

pub fn run(notify: &Notify, instance: &str, state: &str, priority: u8) {
    let own = match state {
        "master" => &notify.master,
        "backup" => &notify.backup,
        "fault" => &notify.fault,
        "stop" => &notify.stop,
        _ => &None,
    };
    for cmd in [own, &notify.any].into_iter().flatten() {
        let Some((prog, args)) = cmd.split_first() else {
            continue;
        };
        let spawned = tokio::process::Command::new(prog)
            .args(args)
            .arg(instance)
            .arg(state)
            .arg(priority.to_string())
            .env("VRLABD_INSTANCE", instance)
            .env("VRLABD_STATE", state)
            .env("VRLABD_PRIORITY", priority.to_string())
            .stdin(std::process::Stdio::null())
            .spawn();
        match spawned {
            Ok(mut child) => {
                tokio::spawn(async move {
                    let _ = child.wait().await;
                });
            }
            Err(e) => tracing::warn!(%instance, hook = %prog, "notify hook failed to start: {e}"),
        }
    }
}
