//! Examples and end-to-end tests of the locker-config workspace.
