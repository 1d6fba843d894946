// What generated code calls is reachable only through `__private`, not from `config` or the
// crate root.
use locker_config::config::{Ctx, DefaultValue, GlobalCell, Parser};
use locker_config::{Ctx as RootCtx, GlobalCell as RootGlobalCell};

fn main() {}
