//! (issue 14: being built)
