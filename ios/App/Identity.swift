// The person behind a vote or an answer, as typed: shared by the budget's
// ballot and a support signature (Budget.swift) and a per-person consultation's survey
// (Consultations.swift). Which fields show is the edition's or the
// consultation's setting (`BudgetIdentityMode`, `smsRequired`), what is
// valid is the core's (`invalid_identity` names the field; the refusal is
// shown in the core's words and what was typed stays, to fix). What is typed
// is personal: never logged nor printed, no autofill suggestion for the
// PESEL, and dropped by the screen once the vote or the answers are taken.
// Not compiled in CI (no Swift toolchain on Linux): `make test-swift`
// parses it and checks its calls into the bindings.
import MmCore
import SwiftUI

/// The identity form as typed.
struct IdentityForm: Equatable, CustomStringConvertible {
    var firstName = ""
    var lastName = ""
    var pesel = ""
    var locality: Int64?
    var street = ""
    var house = ""
    var flat = ""
    var phone = ""

    /// Personal data: a stray `print` or string interpolation shows none of it.
    var description: String { "IdentityForm(***)" }

    /// What crosses to the core: the fields of `mode`, the phone when codes are texted.
    func identity(_ mode: BudgetIdentityMode, smsRequired: Bool) -> BudgetIdentity {
        var address: BudgetAddress?
        var number: String?
        switch mode {
        case .pesel:
            number = pesel
        case .nameAddress:
            if let locality {
                address = BudgetAddress(locality: locality, street: street, house: house, flat: flat.isEmpty ? nil : flat)
            }
        }
        return BudgetIdentity(firstName: firstName, lastName: lastName, pesel: number, address: address,
                              phone: smsRequired ? phone : nil)
    }
}

/// Names, then the PESEL or the address as `mode` asks (rows of the caller's section).
struct IdentityFields: View {
    @Binding var form: IdentityForm
    let mode: BudgetIdentityMode
    /// The gmina's localities (`localities()`), for an address.
    let localities: [Locality]

    var body: some View {
        TextField(t("Imię", "First name"), text: $form.firstName).textContentType(.givenName)
        TextField(t("Nazwisko", "Last name"), text: $form.lastName).textContentType(.familyName)
        switch mode {
        case .pesel:
            // No content type: iOS neither suggests nor remembers it; digits only on the keyboard.
            TextField(t("PESEL", "PESEL"), text: $form.pesel)
                .keyboardType(.numberPad)
                .textContentType(nil)
                .autocorrectionDisabled()
        case .nameAddress:
            Picker(t("Miejscowość", "Locality"), selection: $form.locality) {
                Text(t("Wybierz", "Choose")).tag(Int64?.none)
                ForEach(localities, id: \.id) { l in Text(l.name).tag(Int64?.some(l.id)) }
            }
            TextField(t("Ulica (puste, jeśli miejscowość nie ma ulic)", "Street (empty if the locality has no streets)"),
                      text: $form.street)
                .textContentType(.streetAddressLine1)
            TextField(t("Numer domu", "House number"), text: $form.house)
            TextField(t("Numer mieszkania (jeśli jest)", "Flat number (if any)"), text: $form.flat)
        }
    }
}

/// The declaration of living in the gmina (an edition's setting, `residenceRequired`):
/// shared by the ballot and a support signature (Budget.swift).
struct ResidenceToggle: View {
    @Binding var declared: Bool

    var body: some View {
        Toggle(t("Oświadczam, że mieszkam na terenie gminy.", "I declare that I live in the municipality."), isOn: $declared)
    }
}

/// The phone, "Wyślij kod SMS", and the code once sent (rows of the caller's section).
struct SmsCodeFields: View {
    @Binding var phone: String
    @Binding var code: String
    /// A code was sent: the field for it shows.
    let sent: Bool
    let sending: Bool
    /// The request was refused (the identity, the phone, the cap): the core's words.
    let error: UserError?
    let send: () -> Void

    var body: some View {
        TextField(t("Numer telefonu komórkowego", "Mobile phone number"), text: $phone)
            .keyboardType(.phonePad).textContentType(.telephoneNumber)
        ErrorLine(error: error)
        Button(sending ? t("Wysyłanie kodu…", "Sending the code…") : t("Wyślij kod SMS", "Send the SMS code"), action: send)
            .disabled(sending)
        if sent {
            Text(t("Kod wysłany SMS-em. Wpisz go poniżej.", "The code was sent by SMS. Type it below."))
            TextField(t("Kod z SMS-a", "Code from the SMS"), text: $code)
                .keyboardType(.numberPad).textContentType(.oneTimeCode)
        }
    }
}
