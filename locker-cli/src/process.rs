//! The child process of `locker run`: starting it with extra environment variables, passing
//! signals on, stopping it gracefully, and turning its end into an exit code.

use std::ffi::OsString;
use std::io;
use std::os::unix::process::ExitStatusExt as _;
use std::process::ExitStatus;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::signal::unix::{SignalKind, signal};

use crate::error::{CliResult, Failure};

/// The exit code when the command exists but cannot be executed (as `env` and shells do).
pub(crate) const CANNOT_EXECUTE: u8 = 126;
/// The exit code when the command is not found (as `env` and shells do).
pub(crate) const NOT_FOUND: u8 = 127;

/// A running command.
#[derive(Debug)]
pub(crate) struct Child {
    inner: tokio::process::Child,
    pid: Option<Pid>,
}

/// Starts `command` (program and arguments) with `vars` added to the environment, or with
/// only `vars` when `inherit` is false. Standard input, output and error are shared.
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
    cmd.args(args);
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
    let pid = inner
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .map(Pid::from_raw);
    Ok(Child { inner, pid })
}

impl Child {
    /// Sends `signal` to the command, if it is still running.
    pub(crate) fn signal(&self, signal: Signal) {
        if let Some(pid) = self.pid
            && let Err(e) = kill(pid, signal)
        {
            tracing::debug!(%signal, error = %e, "could not signal the command");
        }
    }

    /// Waits for the command to end.
    pub(crate) async fn wait(&mut self) -> CliResult<ExitStatus> {
        let status = self
            .inner
            .wait()
            .await
            .map_err(|e| Failure::error(format!("could not wait for the command: {e}")))?;
        self.pid = None;
        Ok(status)
    }

    /// Stops the command: SIGTERM, then SIGKILL if it is still running after `grace`. Signals
    /// that reach locker meanwhile are passed on and returned, so the caller can stop too.
    pub(crate) async fn stop(
        &mut self,
        grace: Duration,
        signals: &mut Signals,
    ) -> CliResult<(ExitStatus, Option<Signal>)> {
        self.signal(Signal::SIGTERM);
        let mut received = None;
        let deadline = tokio::time::sleep(grace);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                status = self.inner.wait() => {
                    self.pid = None;
                    let status = status.map_err(|e| Failure::error(format!("could not wait for the command: {e}")))?;
                    return Ok((status, received));
                }
                signal = signals.recv() => {
                    self.signal(signal);
                    received = Some(signal);
                }
                () = &mut deadline => {
                    self.signal(Signal::SIGKILL);
                    let status = self.wait().await?;
                    return Ok((status, received));
                }
            }
        }
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

    /// The next signal that should reach the command.
    ///
    /// A Ctrl-C on the terminal sends SIGINT to every process of the foreground group, the
    /// command included, so such a SIGINT is not sent a second time.
    pub(crate) async fn recv(&mut self) -> Signal {
        loop {
            let signal = tokio::select! {
                _ = self.interrupt.recv() => Signal::SIGINT,
                _ = self.terminate.recv() => Signal::SIGTERM,
                _ = self.hangup.recv() => Signal::SIGHUP,
            };
            if signal == Signal::SIGINT && in_terminal_foreground() {
                continue;
            }
            return signal;
        }
    }
}

/// Whether locker (and so the command) is in the foreground process group of the terminal on
/// standard input.
fn in_terminal_foreground() -> bool {
    match nix::unistd::tcgetpgrp(std::io::stdin()) {
        Ok(group) => group == nix::unistd::getpgrp(),
        Err(_) => false,
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
