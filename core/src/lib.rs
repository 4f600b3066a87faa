//! mm-core (being written)
