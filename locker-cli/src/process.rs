//! The child process of `locker run`: starting it in a process group of its own with extra
//! environment variables, passing signals on to the group, stopping the whole group
//! gracefully, and turning the command's end into an exit code.

use std::ffi::OsString;
use std::io;
use std::os::unix::process::ExitStatusExt as _;
use std::process::ExitStatus;
use std::time::Duration;

use nix::sys::signal::{SigSet, SigmaskHow, Signal, killpg};
use nix::unistd::{Pid, getpgrp, tcgetpgrp, tcsetpgrp};
use tokio::signal::unix::{SignalKind, signal};

use crate::error::{CliResult, Failure};

/// The exit code when the command exists but cannot be executed (as `env` and shells do).
pub(crate) const CANNOT_EXECUTE: u8 = 126;
/// The exit code when the command is not found (as `env` and shells do).
pub(crate) const NOT_FOUND: u8 = 127;

/// A running command, leader of a process group of its own: everything it starts (unless it
/// moves elsewhere) is in that group, so a signal or a stop reaches the whole tree.
#[derive(Debug)]
pub(crate) struct Child {
    inner: tokio::process::Child,
    /// The command's process group (its pid), until the group is found empty.
    group: Option<Pid>,
    /// Whether the terminal on standard input was handed to the group and must be taken back.
    terminal: bool,
}

/// Starts `command` (program and arguments) with `vars` added to the environment, or with
/// only `vars` when `inherit` is false, in a process group of its own. Standard input, output
/// and error are shared; when locker holds the terminal, the command's group gets it (as a
/// shell gives it to a job), so Ctrl-C, Ctrl-Z and reads from the terminal go to the command.
///
/// # Errors
///
/// A failure with exit code 127 when the program is not found, 126 when it cannot be run.
pub(crate) fn spawn(
    command: &[OsString],
    vars: &[(&str, &str)],
    inherit: bool,
) -> CliResult<Child> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| Failure::usage("no command given after --"))?;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args).process_group(0);
    if !inherit {
        cmd.env_clear();
    }
    cmd.envs(vars.iter().copied());
    let inner = cmd.spawn().map_err(|e| {
        let name = program.to_string_lossy();
        let (code, hint) = match e.kind() {
            io::ErrorKind::NotFound if !inherit && !name.contains('/') => (
                NOT_FOUND,
                " (with --no-inherit the command is not looked up on PATH: give its full path)",
            ),
            io::ErrorKind::NotFound => (NOT_FOUND, ""),
            _ => (CANNOT_EXECUTE, ""),
        };
        Failure::with_code(code, format!("could not run {name}: {e}{hint}"))
    })?;
    let group = inner
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .map(Pid::from_raw);
    let terminal = group.is_some_and(hand_terminal_to);
    Ok(Child {
        inner,
        group,
        terminal,
    })
}

impl Child {
    /// Sends `signal` to the command's process group, if any of it is still running.
    pub(crate) fn signal(&self, signal: Signal) {
        if let Some(group) = self.group
            && let Err(e) = killpg(group, signal)
        {
            tracing::debug!(%signal, error = %e, "could not signal the command");
        }
    }

    /// Waits for the command to end (what it left running in its group is not waited for:
    /// see [`Child::end_group`]).
    pub(crate) async fn wait(&mut self) -> CliResult<ExitStatus> {
        let status = self
            .inner
            .wait()
            .await
            .map_err(|e| Failure::error(format!("could not wait for the command: {e}")))?;
        self.take_terminal_back();
        Ok(status)
    }

    /// Ends what the command left running in its group (after it ended itself): SIGTERM, then
    /// SIGKILL for whatever is still there after `grace`.
    pub(crate) async fn end_group(&mut self, grace: Duration) {
        if self.group_alive() {
            self.signal(Signal::SIGTERM);
            self.wait_group_gone(grace).await;
        }
        self.group = None;
    }

    /// Stops the command and its whole group: SIGTERM, then SIGKILL for whatever is still
    /// running after `grace`. Signals that reach locker meanwhile are passed on and returned,
    /// so the caller can stop too.
    pub(crate) async fn stop(
        &mut self,
        grace: Duration,
        signals: &mut Signals,
    ) -> CliResult<(ExitStatus, Option<Signal>)> {
        self.signal(Signal::SIGTERM);
        let mut received = None;
        let deadline = tokio::time::Instant::now() + grace;
        let status = loop {
            tokio::select! {
                status = self.wait() => break status?,
                signal = signals.recv() => {
                    self.signal(signal);
                    received = Some(signal);
                }
                () = tokio::time::sleep_until(deadline) => {
                    self.signal(Signal::SIGKILL);
                    break self.wait().await?;
                }
            }
        };
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        self.wait_group_gone(left).await;
        self.group = None;
        Ok((status, received))
    }

    /// Whether any process of the command's group is still there.
    fn group_alive(&self) -> bool {
        self.group.is_some_and(|group| killpg(group, None).is_ok())
    }

    /// Waits until the group is empty, at most `grace`; then SIGKILLs what is left.
    async fn wait_group_gone(&self, grace: Duration) {
        let deadline = tokio::time::Instant::now() + grace;
        while self.group_alive() {
            if tokio::time::Instant::now() >= deadline {
                self.signal(Signal::SIGKILL);
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn take_terminal_back(&mut self) {
        if std::mem::take(&mut self.terminal) {
            take_terminal_back();
        }
    }
}

impl Drop for Child {
    /// On any early return the terminal goes back to locker's group.
    fn drop(&mut self) {
        self.take_terminal_back();
    }
}

/// Makes `group` the foreground group of the terminal on standard input, when that is
/// locker's own; returns whether it did.
fn hand_terminal_to(group: Pid) -> bool {
    let stdin = io::stdin();
    if !matches!(tcgetpgrp(&stdin), Ok(fg) if fg == getpgrp()) {
        return false;
    }
    if let Err(e) = tcsetpgrp(&stdin, group) {
        tracing::debug!(error = %e, "could not hand the terminal to the command");
        return false;
    }
    // A read from the terminal before the hand-over stopped the command (SIGTTIN): go on.
    let _ = killpg(group, Signal::SIGCONT);
    true
}

/// Makes locker's group the terminal's foreground group again. Locker is in the background
/// then, so SIGTTOU (which would stop it) is blocked on this thread meanwhile.
fn take_terminal_back() {
    let mut ttou = SigSet::empty();
    ttou.add(Signal::SIGTTOU);
    let old = ttou.thread_swap_mask(SigmaskHow::SIG_BLOCK);
    if let Err(e) = tcsetpgrp(io::stdin(), getpgrp()) {
        tracing::debug!(error = %e, "could not take the terminal back");
    }
    if let Ok(old) = old {
        let _ = old.thread_set_mask();
    }
}

/// The exit code that reports `status`: the command's own, or 128 + the signal that ended it.
pub(crate) fn exit_code(status: ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        return u8::try_from(code & 0xff).unwrap_or(1);
    }
    match status.signal() {
        Some(sig) => u8::try_from(128 + (sig & 0x7f)).unwrap_or(1),
        None => 1,
    }
}

/// SIGINT, SIGTERM and SIGHUP sent to locker, caught from the moment this is created (so none
/// ends locker before the command could be told).
#[derive(Debug)]
pub(crate) struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

impl Signals {
    pub(crate) fn install() -> CliResult<Signals> {
        let make = |kind| {
            signal(kind)
                .map_err(|e| Failure::error(format!("could not install a signal handler: {e}")))
        };
        Ok(Signals {
            interrupt: make(SignalKind::interrupt())?,
            terminate: make(SignalKind::terminate())?,
            hangup: make(SignalKind::hangup())?,
        })
    }

    /// The next signal sent to locker. The command runs in a group of its own, so even a
    /// Ctrl-C (when the terminal was not handed to the command) reaches it only through here.
    pub(crate) async fn recv(&mut self) -> Signal {
        tokio::select! {
            _ = self.interrupt.recv() => Signal::SIGINT,
            _ = self.terminate.recv() => Signal::SIGTERM,
            _ = self.hangup.recv() => Signal::SIGHUP,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_shell() {
        assert_eq!(exit_code(ExitStatus::from_raw(7 << 8)), 7);
        assert_eq!(exit_code(ExitStatus::from_raw(0)), 0);
        assert_eq!(exit_code(ExitStatus::from_raw(15)), 128 + 15); // killed by SIGTERM
        assert_eq!(exit_code(ExitStatus::from_raw(9)), 128 + 9);
    }
}
