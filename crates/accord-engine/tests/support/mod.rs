//! What the engine's test binaries share: commands from JSON, and a
//! submission of one by an administrator with no command id.

use accord_domain::Command;
use accord_engine::Submission;
use accord_store::{Actor, Role};

/// The administrator the tests submit as.
pub fn admin() -> Actor {
    Actor {
        token_id: "test".into(),
        role: Role::Admin,
        party_id: None,
    }
}

/// A command from its JSON form (`{"type": …, "data": …}`).
pub fn command(json: serde_json::Value) -> Command {
    serde_json::from_value(json).expect("a valid command")
}

/// `command` submitted by [`admin`], with no command id or expected version.
pub fn submission(command: Command) -> Submission {
    Submission {
        command,
        command_id: None,
        expected_version: None,
        correlation_id: None,
        actor: admin(),
        request_hash: [0; 32],
    }
}
