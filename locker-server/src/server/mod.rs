//! Serving HTTP: fault injection and the request log ([`control`]), request bodies that are
//! drained after early answers ([`body`]), JSON bodies for the answers hyper gives malformed
//! requests ([`parse_errors`]), the connection loop ([`connection`]) and the in-process
//! [`LocalServer`] ([`local`]).

mod body;
mod connection;
mod control;
mod local;
mod parse_errors;

pub use connection::serve;
pub use control::{Fault, RequestRecord};
pub use local::{LocalServer, ServerOptions};
