//! PLACEHOLDER: being written (RFC 5545 text).
