use mm_core::CoreError;

/// Every failure a shell can see. Kotlin: `MmException` with one subclass
/// per variant; Swift: `MmError`. Each variant carries the stable `code`
/// (snake_case, never renamed: shells branch on it), the text for the
/// resident in Polish and English, and what the variant knows besides.
/// `detail` is for logs only, never for the screen (it may name hosts or
/// files; it never holds personal data).
#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum MmError {
    /// The server could not be reached (offline, refused, timeout).
    #[error("{code}: {detail}")]
    Network { code: String, message_pl: String, message_en: String, detail: String },
    /// The server answered with an error; `code` is the server's own.
    #[error("{code}: {message_en}")]
    Server { code: String, message_pl: String, message_en: String, field: Option<String> },
    /// Something the resident or the shell passed is wrong.
    #[error("{code}: {field}: {message_en}")]
    InvalidInput { code: String, message_pl: String, message_en: String, field: String },
    #[error("{code}: {what}")]
    NotFound { code: String, message_pl: String, message_en: String, what: String },
    /// The local database failed: `code` tells `storage_full` (free some
    /// space), `storage_corrupt` (clear the app's data) and `storage`.
    #[error("{code}: {detail}")]
    Storage { code: String, message_pl: String, message_en: String, detail: String },
    #[error("{code}: {url}")]
    InvalidServerUrl { code: String, message_pl: String, message_en: String, url: String },
    /// `gmina_not_chosen`: no gmina chosen yet; show the gmina picker.
    #[error("{code}")]
    GminaNotChosen { code: String, message_pl: String, message_en: String },
    #[error("{code}: {detail}")]
    Internal { code: String, message_pl: String, message_en: String, detail: String },
    /// `activation_locked`: too many wrong activation codes; try again in `minutes`.
    #[error("{code}: {minutes} min")]
    ActivationLocked { code: String, message_pl: String, message_en: String, minutes: u32 },
    /// `taxes_not_linked`: link a taxpayer first (`taxes_link`).
    #[error("{code}")]
    TaxesNotLinked { code: String, message_pl: String, message_en: String },
}

impl From<CoreError> for MmError {
    fn from(e: CoreError) -> Self {
        let code = e.code().to_owned();
        let m = e.message();
        let (message_pl, message_en) = (m.pl, m.en);
        match e {
            CoreError::Network { detail } => MmError::Network { code, message_pl, message_en, detail },
            CoreError::Server { field, .. } => MmError::Server { code, message_pl, message_en, field },
            CoreError::InvalidInput { field, .. } => MmError::InvalidInput { code, message_pl, message_en, field },
            CoreError::NotFound { what } => MmError::NotFound { code, message_pl, message_en, what },
            // One variant, three codes: `storage`, `storage_full` ("zwolnij
            // miejsce"), `storage_corrupt`.
            CoreError::Storage { detail }
            | CoreError::StorageFull { detail }
            | CoreError::StorageCorrupt { detail } => MmError::Storage { code, message_pl, message_en, detail },
            CoreError::InvalidServerUrl { url } => MmError::InvalidServerUrl { code, message_pl, message_en, url },
            CoreError::GminaNotChosen => MmError::GminaNotChosen { code, message_pl, message_en },
            CoreError::Internal { detail } => MmError::Internal { code, message_pl, message_en, detail },
            CoreError::ActivationLocked { minutes } => MmError::ActivationLocked { code, message_pl, message_en, minutes },
            CoreError::TaxesNotLinked => MmError::TaxesNotLinked { code, message_pl, message_en },
            // The budget's: `ballot_rule`, `invalid_identity` (the field
            // names what to fix), `sms_locked` (the minutes are in the text).
            CoreError::BallotRule { field, .. } => MmError::Server { code, message_pl, message_en, field },
            CoreError::InvalidIdentity { field, .. } => MmError::InvalidInput { code, message_pl, message_en, field },
            CoreError::SmsLocked { .. } => MmError::Server { code, message_pl, message_en, field: None },
            // The waste schedule's: the address form shows them on the
            // address (`waste_address_unknown`) or the building-type
            // choice (`waste_building_type_needed`).
            CoreError::WasteAddressUnknown => {
                MmError::InvalidInput { code, message_pl, message_en, field: "address".into() }
            }
            CoreError::WasteBuildingTypeNeeded => {
                MmError::InvalidInput { code, message_pl, message_en, field: "building".into() }
            }
        }
    }
}

/// What a [`crate::CoreListener`] method returns when the shell's code
/// failed. Kotlin: `ListenerException`. An exception of any other type
/// thrown by the shell arrives as `Unexpected`. Either way the core logs it
/// and carries on: a listener can never break a sync.
#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum ListenerError {
    #[error("listener failed: {reason}")]
    Failed { reason: String },
    #[error("listener threw: {reason}")]
    Unexpected { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for ListenerError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        ListenerError::Unexpected { reason: e.reason }
    }
}
