//! PLACEHOLDER: being written (RFC 5545 RRULE subset).
#[derive(Debug, Clone, PartialEq)]
pub struct RecurrenceRule;
impl RecurrenceRule {
    pub fn parse(_s: &str) -> Result<Self, String> { todo!() }
}
