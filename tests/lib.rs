//! End-to-end scenarios live in this package's test targets (`forgery.rs`, ...): each runs real
//! `rsc-server` processes and talks to them over HTTP with real documents and keys. The library
//! itself is empty.
