// The generated MmCore.swift (copied in by `make ios`) is the whole API:
// MmCore, its records, MmError, CoreListener. Conventions it follows, which
// the app relies on:
// - instants are Int64 milliseconds since 1970 (UTC) (the app's `Date(ms:)`);
// - calendar days are "YYYY-MM-DD" strings in Europe/Warsaw;
// - every text for the resident (`whenText`, `stateText`, card lines,
//   labels) is in the language of the core's locale.
import Foundation
