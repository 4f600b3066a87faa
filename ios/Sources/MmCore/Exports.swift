// The generated MmCore.swift (copied in by `make ios`) is the whole API:
// MmCore, its records, MmError, CoreListener. This file only documents the
// conventions it follows, which the app relies on:
// - instants are Int64 milliseconds since 1970 (UTC): use `Date(ms:)`;
// - calendar days are "YYYY-MM-DD" strings in Europe/Warsaw.
import Foundation

public extension Date {
    init(ms: Int64) { self.init(timeIntervalSince1970: TimeInterval(ms) / 1000) }
}
