// "Podatki i opłaty" (issue 14), mirroring Android's TaxesActivity,
// TaxDetailActivity and QrCodeView with their state holders (TaxesModel,
// TaxDetailModel in android/core/…/state/Taxes.kt): the activation code form,
// the household's liabilities with the totals, one liability with the
// bank-transfer QR drawn from the core's module matrix, "Zapłać" through the
// gmina's payment gateway with its result and confirmation, unlinking, and
// the due-date reminders (the days in Ustawienia, local notifications).
// Every figure, label, status, date and note is the core's; whether there is
// something to pay is the core's `canPay`. Tax data is personal: it is never
// logged. Not compiled in CI (no Swift toolchain on Linux): `make test-swift`
// parses it and checks its calls into the bindings.
import Foundation
import MmCore
import QuickLook
import SwiftUI
import UserNotifications

/// Today in Warsaw, `YYYY-MM-DD`: the day the core states the figures for
/// (interest to date, reminders); the core counts days there.
func warsawToday(_ now: Date = Date()) -> String {
    var warsaw = Calendar(identifier: .gregorian)
    warsaw.timeZone = TimeZone(identifier: "Europe/Warsaw") ?? .current
    let d = warsaw.dateComponents([.year, .month, .day], from: now)
    return String(format: "%04d-%02d-%02d", d.year ?? 1970, d.month ?? 1, d.day ?? 1)
}

extension TaxPaymentState {
    /// Paid, failed, expired or refused: no later answer changes it. This is
    /// the core's `TaxPaymentStatus::is_final`, which the record does not
    /// carry (Android's `TaxDetailModel.isFinal` repeats it the same way).
    /// (`self.` so that `make test-swift` checks the field and the cases.)
    var isFinal: Bool {
        switch self.status {
        case .paid, .failed, .expired, .refused: return true
        case .queued, .pending: return false
        }
    }
}

/// The taxes list, the link form and the reminder days: read the stored copy
/// first (offline too: the core recomputes the interest for today), then
/// refresh from the server.
@MainActor
@Observable
final class TaxesModel {
    let core: MmCore
    var screen: TaxesScreen?
    var loadError: UserError?
    /// What the resident typed into the activation code field (the core
    /// normalises it: spaces, dashes, case).
    var code = ""
    var linking = false
    /// The code was refused (wrong, expired, used; or locked after too many
    /// tries, with the minutes in the core's words).
    var linkError: UserError?
    /// The taxpayer the last code linked (announced once).
    var linked: Taxpayer?
    var refreshing = false
    /// The last refresh failed; the stored figures still show.
    var refreshError: UserError?
    /// Unlinking failed.
    var actionError: UserError?
    /// Days before a due date the reminder comes (the core's, 1–7); nil: not read yet.
    var reminderDays: UInt32?
    var reminderError: UserError?

    init(core: MmCore) { self.core = core }

    /// Linked to at least one taxpayer: the list; otherwise the link form.
    var isLinked: Bool { !(screen?.taxpayers.isEmpty ?? true) }

    func load() async {
        let today = warsawToday()
        do {
            screen = try await offMain { [core] in try core.taxesScreen(today: today) }
            loadError = nil
        } catch {
            loadError = UserError(error)
        }
    }

    /// Pulls the liabilities, then shows what the store holds (even when the pull failed).
    func refresh() async {
        refreshing = true
        do {
            try await core.taxesRefresh()
            refreshError = nil
        } catch {
            refreshError = UserError(error)
        }
        refreshing = false
        await load()
        await TaxReminders.postDue(core: core)
    }

    /// Links the phone with the typed code; the liabilities come at once.
    func link() async {
        guard !linking else { return }
        let typed = code
        linking = true
        linkError = nil
        linked = nil
        do {
            let taxpayer = try await core.taxesLink(code: typed)
            linking = false
            linked = taxpayer
            code = ""
            await refresh()
            // In context, not at launch: the due-date reminders are notifications.
            if await LocalNotifications.authorizationStatus() == .notDetermined {
                await LocalNotifications.requestAuthorization()
                await TaxReminders.postDue(core: core)
            }
        } catch {
            linking = false
            linkError = UserError(error)
        }
    }

    /// One taxpayer (its id) or all (nil): the phone's copy goes at once,
    /// the server hears through the outbox.
    func unlink(_ taxpayer: String?) async {
        do {
            try await core.taxesUnlink(taxpayer: taxpayer)
            actionError = nil
        } catch {
            actionError = UserError(error)
        }
        linked = nil
        await load()
        // The unlinked taxpayer's reminders leave the notification centre too.
        await TaxReminders.postDue(core: core)
    }

    func loadReminderDays() async {
        do {
            reminderDays = try await offMain { [core] in try core.taxReminderDays() }
        } catch {
            reminderError = UserError(error)
        }
    }

    /// The core checks the range (`invalid_input` on `reminder_days`).
    func setReminderDays(_ days: UInt32) async {
        do {
            try await offMain { [core] in try core.setTaxReminderDays(days: days) }
            reminderError = nil
        } catch {
            reminderError = UserError(error)
        }
        await loadReminderDays()
        await TaxReminders.postDue(core: core)
    }
}

/// One liability: its figures, the QR, paying it and the payment's result.
@MainActor
@Observable
final class TaxDetailModel {
    let core: MmCore
    let liabilityId: String
    var detail: TaxLiabilityDetail?
    var error: UserError?
    /// The payment made from this screen, as the core last reported it.
    var payment: TaxPaymentState?
    /// Creating or following the payment failed (payments off, no network): the core's words.
    var paymentError: UserError?
    /// The payment's local id (the core's), once "Zapłać" was pressed.
    var paymentId: String?
    /// Creating the payment: "Zapłać" is disabled (one payment, not two).
    var paying = false
    /// The gateway's page is open in Safari: coming back asks for the result.
    var awayPaying = false
    /// iOS would not open the gateway's page.
    var noBrowser = false
    /// Earlier payments of this liability made on this phone (`taxPayments`).
    var earlier: [TaxPaymentState] = []
    /// The printable confirmation (the core's HTML) as a temporary file, shown by Quick Look.
    var receiptFile: URL?
    var receiptError: UserError?

    private static let pollMs = 500
    private static let redirectTries = 20

    init(core: MmCore, liabilityId: String) {
        self.core = core
        self.liabilityId = liabilityId
    }

    func load() async {
        let id = liabilityId
        let today = warsawToday()
        do {
            detail = try await offMain { [core] in try core.taxLiability(id: id, today: today) }
            error = nil
        } catch {
            self.error = UserError(error)
        }
        if let all = try? await offMain({ [core] in try core.taxPayments() }) {
            let current = paymentId
            earlier = all.filter { $0.liability == id && $0.id != current }
                .sorted { $0.createdAtMs > $1.createdAtMs }
        }
    }

    /// "Zapłać" (the whole total as of today): the core queues the payment
    /// with its idempotency key and sends it at once when online. Returns the
    /// gateway's page to open, or nil (the failure is in `paymentError`, or
    /// the gateway's answer has not come yet: `awaitResult` keeps asking).
    func pay() async -> URL? {
        guard !paying else { return nil }
        paying = true
        defer { paying = false }
        paymentError = nil
        receiptError = nil
        let liability = liabilityId
        let id: String
        do {
            id = try await core.taxPay(liability: liability, amountGrosze: nil)
        } catch {
            paymentError = UserError(error)
            return nil
        }
        paymentId = id
        var state = await fetchPayment(id)
        var tries = 0
        while let p = state, p.redirectUrl == nil, !p.isFinal, tries < Self.redirectTries {
            tries += 1
            do { try await Task.sleep(for: .milliseconds(Self.pollMs)) } catch { return nil }
            state = await fetchPayment(id)
        }
        guard let p = state, !p.isFinal, let page = p.redirectUrl else { return nil }
        return URL(string: page)
    }

    /// "Zapłać", then the gateway's page in Safari (BLIK, card, transfer
    /// there); back in the app, `awaitResult` asks for the outcome.
    func payAndOpen() async {
        noBrowser = false
        guard let page = await pay() else { return }
        await open(page)
    }

    /// The gateway's page of a payment still open (its answer came after
    /// "Zapłać" stopped waiting, or the resident left the page unfinished).
    func openPage(_ redirectUrl: String) async {
        noBrowser = false
        guard let page = URL(string: redirectUrl) else { noBrowser = true; return }
        await open(page)
    }

    private func open(_ page: URL) async {
        awayPaying = true
        if !(await UIApplication.shared.open(page)) {
            awayPaying = false
            noBrowser = true
        }
    }

    private func fetchPayment(_ id: String) async -> TaxPaymentState? {
        do {
            let p = try await core.taxPayment(id: id)
            payment = p
            paymentError = nil
            return p
        } catch {
            paymentError = UserError(error)
            return nil
        }
    }

    /// The payment's status again (back from the gateway's page); once it is
    /// final the figures are read again.
    func checkPayment() async {
        guard let id = paymentId else { return }
        let p = await fetchPayment(id)
        if p?.isFinal == true { await load() }
    }

    /// Asks until the gateway's result is known or the tries run out (a
    /// leaving screen cancels the sleep and with it the asking).
    func awaitResult(tries: Int = 30) async {
        for _ in 0..<tries {
            await checkPayment()
            if payment?.isFinal == true { return }
            do { try await Task.sleep(for: .milliseconds(Self.pollMs)) } catch { return }
        }
    }

    /// The confirmation of a paid payment, written where Quick Look can show
    /// it (and print or share it from there); protected while the phone is locked.
    func loadReceipt(_ paymentId: String) async {
        do {
            let html = try await core.taxReceipt(id: paymentId)
            let file = URL.temporaryDirectory
                .appending(path: t("potwierdzenie-platnosci", "payment-confirmation") + ".html")
            try Data(html.utf8).write(to: file, options: [.atomic, .completeFileProtection])
            receiptError = nil
            receiptFile = file
        } catch {
            receiptError = UserError(error)
        }
    }

    /// Quick Look closed: the personal copy goes.
    func discardReceipt(_ file: URL) {
        try? FileManager.default.removeItem(at: file)
    }
}

/// Due-date reminders as local notifications. The core says which
/// instalments fall due within the resident's days as of today
/// (`taxReminders`), and words them (title and body); each is posted once,
/// when the app or its background refresh first sees it, and withdrawn once
/// the core no longer lists it (paid, past, unlinked). Called after every
/// sync and refresh, so the figures are today's, never a stale schedule's.
/// On the main actor: after the awaits, reading and writing the ids posted
/// is one step, so two calls at once (a sync and a refresh) post nothing twice.
@MainActor
enum TaxReminders {
    /// The liability a reminder is about, in `userInfo`, so a tap opens it.
    nonisolated static let liabilityKey = "pl.mmieszkaniec.taxLiability"
    /// The request ids already posted (the core has no "posted" flag for reminders).
    private static let postedKey = "taxes.remindersPosted"

    static func postDue(core: MmCore) async {
        let today = warsawToday()
        guard let due = try? await offMain({ try core.taxReminders(today: today) }) else { return }
        let status = await LocalNotifications.authorizationStatus()
        let ids = due.map { "tax-reminder-\($0.liability)-\($0.effectiveDueDate)" }
        let posted = UserDefaults.standard.stringArray(forKey: postedKey) ?? []
        // Gone from the core's list (paid, past the date, unlinked): its notification goes too.
        let gone = posted.filter { !ids.contains($0) }
        if !gone.isEmpty {
            UNUserNotificationCenter.current().removeDeliveredNotifications(withIdentifiers: gone)
        }
        // Without permission iOS would drop them quietly: remember none, so
        // they come once the resident allows notifications.
        guard status == .authorized || status == .provisional else {
            UserDefaults.standard.set([String](), forKey: postedKey)
            return
        }
        for (r, id) in zip(due, ids) where !posted.contains(id) {
            post(r, id: id)
        }
        UserDefaults.standard.set(ids, forKey: postedKey)
    }

    private static func post(_ r: TaxReminder, id: String) {
        let content = UNMutableNotificationContent()
        content.title = r.title
        content.body = r.body
        content.sound = .default
        content.threadIdentifier = "taxes"
        content.userInfo = [liabilityKey: r.liability]
        content.interruptionLevel = .active
        let request = UNNotificationRequest(identifier: id, content: content, trigger: nil)
        UNUserNotificationCenter.current().add(request) { error in
            if let error {
                // No ids here: a liability's id is the tax system's.
                notificationsLog.error("tax reminder not posted: \(error.localizedDescription, privacy: .public)")
            }
        }
    }
}

extension NotificationsModel {
    /// A tap on a due-date reminder: Start, the taxes, that liability.
    func openTaxReminderTapped() {
        guard let id = NotificationSignals.shared.taxTapped else { return }
        NotificationSignals.shared.taxTapped = nil
        tab = .home
        homePath = [.taxes, .taxLiability(id)]
    }
}

/// "Podatki i opłaty": every liability of the household (kind, taxpayer, due
/// date, the total with interest to date, status), each opening its detail;
/// the taxpayers with "Odłącz". While none is linked: the activation code form.
struct TaxesView: View {
    @Environment(TaxesModel.self) private var model
    @State private var refreshed = false
    @State private var unlinking: Taxpayer?
    @State private var unlinkingAll = false

    var body: some View {
        List {
            if model.refreshing {
                ProgressView(t("Pobieranie należności…", "Fetching the liabilities…"))
            }
            if model.isLinked { ErrorLine(error: model.refreshError) }
            ErrorLine(error: model.actionError)
            ErrorLine(error: model.loadError)
            if let screen = model.screen {
                if screen.taxpayers.isEmpty {
                    TaxLinkForm(model: model, first: true)
                } else {
                    TaxHousehold(screen: screen, unlinking: $unlinking, unlinkingAll: $unlinkingAll)
                    TaxLinkForm(model: model, first: false)
                }
            }
        }
        .navigationTitle(t("Podatki i opłaty", "Taxes and fees"))
        .refreshable { await model.refresh() }
        .task {
            // Back from a liability (paid meanwhile): the figures again; the pull once per visit.
            await model.load()
            if !refreshed {
                refreshed = true
                await model.refresh()
            }
        }
        .confirmationDialog(t("Odłączyć podatnika?", "Unlink the taxpayer?"),
                            isPresented: Binding(get: { unlinking != nil }, set: { if !$0 { unlinking = nil } }),
                            presenting: unlinking) { p in
            Button(t("Odłącz podatnika \(p.name)", "Unlink the taxpayer \(p.name)"), role: .destructive) {
                Task { await model.unlink(p.id) }
            }
        } message: { _ in
            Text(t("Jego należności znikną z telefonu. Ponowne połączenie wymaga kodu aktywacyjnego.",
                   "Their liabilities leave the phone. Linking again needs an activation code."))
        }
        .confirmationDialog(t("Odłączyć wszystkich podatników?", "Unlink all taxpayers?"), isPresented: $unlinkingAll) {
            Button(t("Odłącz wszystkich podatników", "Unlink all taxpayers"), role: .destructive) {
                Task { await model.unlink(nil) }
            }
        }
    }
}

/// The totals, the liabilities and the taxpayers of a linked household.
struct TaxHousehold: View {
    let screen: TaxesScreen
    @Binding var unlinking: Taxpayer?
    @Binding var unlinkingAll: Bool

    var body: some View {
        Section {
            // "Stan na …": when the server last stated them (interest is recomputed for today meanwhile).
            Text(screen.fetchedText).font(.subheadline).foregroundStyle(.secondary)
            Text(t("Razem do zapłaty: ", "Total to pay: ") + screen.totalText).font(.title3.bold())
            if screen.overdueGrosze > 0 {
                Text(t("W tym po terminie: ", "Of which overdue: ") + screen.overdueText).foregroundStyle(.red)
            }
        }
        Section {
            if screen.liabilities.isEmpty {
                Text(t("Brak należności.", "No liabilities.")).foregroundStyle(.secondary)
            }
            ForEach(screen.liabilities, id: \.id) { l in
                NavigationLink(value: Route.taxLiability(l.id)) { TaxLiabilityRow(l: l) }
            }
        } header: {
            Text(t("Należności", "Liabilities")).accessibilityAddTraits(.isHeader)
        }
        Section {
            ForEach(screen.taxpayers, id: \.id) { p in
                HStack {
                    Text(p.name)
                    Spacer()
                    Button(t("Odłącz", "Unlink"), role: .destructive) { unlinking = p }
                        .buttonStyle(.borderless)
                        .accessibilityLabel(t("Odłącz podatnika \(p.name)", "Unlink the taxpayer \(p.name)"))
                }
            }
            if screen.taxpayers.count > 1 {
                Button(t("Odłącz wszystkich podatników", "Unlink all taxpayers"), role: .destructive) { unlinkingAll = true }
            }
        } header: {
            Text(t("Podatnicy", "Taxpayers")).accessibilityAddTraits(.isHeader)
        }
    }
}

/// A liability in the list: the core's kind, period, taxpayer, due date, total and status.
struct TaxLiabilityRow: View {
    let l: TaxLiabilitySummary

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            Text("\(l.kindText) \(l.periodText)".trimmingCharacters(in: .whitespaces)).font(.body)
            Text("\(l.taxpayerName) · \(l.dueText)").font(.subheadline).foregroundStyle(.secondary)
            HStack {
                Text(l.totalText).font(.headline)
                Spacer()
                Text(l.statusText).font(.subheadline)
                    .foregroundStyle(l.status == .overdue ? Color.red : Color.secondary)
            }
        }
        .accessibilityElement(children: .ignore)
        .accessibilityLabel("\(l.kindText) \(l.periodText). \(l.taxpayerName). \(l.dueText). "
            + t("Do zapłaty: ", "To pay: ") + "\(l.totalText). \(l.statusText).")
    }
}

/// The activation code: the only form while nothing is linked, "add a
/// taxpayer" below the list otherwise. A wrong code, or the lock after too
/// many (with its minutes), is the core's text.
struct TaxLinkForm: View {
    @Bindable var model: TaxesModel
    let first: Bool

    var body: some View {
        Section {
            if first {
                Text(t("Połącz telefon ze swoimi podatkami kodem aktywacyjnym z decyzji podatkowej albo z urzędu.",
                       "Link the phone to your taxes with the activation code from the tax decision or from the town hall."))
            }
            TextField(t("Kod aktywacyjny", "Activation code"), text: $model.code)
                .font(.title3)
                .textInputAutocapitalization(.characters)
                .autocorrectionDisabled()
                .submitLabel(.go)
                .onSubmit { Task { await model.link() } }
                .onChange(of: model.code) { model.linkError = nil }
            ErrorLine(error: model.linkError)
            if let p = model.linked {
                Text(t("Połączono: \(p.name)", "Linked: \(p.name)"))
            }
            Button(model.linking ? t("Łączenie…", "Linking…") : t("Połącz", "Link")) {
                Task { await model.link() }
            }
            .disabled(model.linking)
            .accessibilityLabel(t("Połącz telefon z podatnikiem", "Link the phone to the taxpayer"))
        } header: {
            if !first {
                Text(t("Dodaj podatnika (kolejny kod)", "Add a taxpayer (another code)")).accessibilityAddTraits(.isHeader)
            }
        }
        .onChange(of: model.linked) { _, now in
            if let now { AccessibilityNotification.Announcement(t("Połączono: \(now.name)", "Linked: \(now.name)")).post() }
        }
    }
}

/// One liability: its figures as of today (amount, paid, interest, the
/// total), the payments booked, "Zapłać" opening the gateway's page in
/// Safari and, back from it, the payment's result and its confirmation; the
/// bank-transfer QR (with the core's note and the amount beside it when the
/// amount cannot be in the code).
struct TaxDetailView: View {
    @Environment(TaxesModel.self) private var taxes
    @Environment(\.scenePhase) private var phase
    @State private var model: TaxDetailModel

    init(core: MmCore, id: String) {
        _model = State(initialValue: TaxDetailModel(core: core, liabilityId: id))
    }

    var body: some View {
        List {
            ErrorLine(error: model.error)
            if let d = model.detail {
                TaxFigures(d: d)
                TaxPaymentSection(d: d, model: model, paymentsEnabled: taxes.screen?.paymentsEnabled)
                TaxQrSection(d: d)
            }
        }
        .navigationTitle(t("Należność", "Liability"))
        .navigationBarTitleDisplayMode(.inline)
        .refreshable {
            await model.load()
            await model.checkPayment()
        }
        .task {
            await model.load()
            // Opened from a reminder: the list (and its payments flag) may not be read yet.
            if taxes.screen == nil { await taxes.load() }
        }
        .onChange(of: phase) { _, now in
            if now == .active && model.awayPaying {
                model.awayPaying = false
                Task { await model.awaitResult() }
            }
        }
        .quickLookPreview($model.receiptFile)
        .onChange(of: model.receiptFile) { old, now in
            if let old, now == nil { model.discardReceipt(old) }
        }
    }
}

/// "Zapłać", or the payment made from here with its status and
/// confirmation; the earlier payments of this liability from this phone.
struct TaxPaymentSection: View {
    let d: TaxLiabilityDetail
    let model: TaxDetailModel
    /// The gmina takes payments online (the core's flag on the list); nil: not read yet.
    let paymentsEnabled: Bool?

    var body: some View {
        let l = d.summary
        Section {
            // The core says whether there is something to pay and a gateway to pay it through.
            if d.canPay && (model.payment.map { $0.isFinal && !$0.receiptAvailable } ?? true) {
                Button(t("Zapłać", "Pay")) { Task { await model.payAndOpen() } }
                    .font(.headline)
                    .disabled(model.paying)
                    .accessibilityLabel(t("Zapłać \(l.totalText) online (BLIK, karta, przelew)",
                                          "Pay \(l.totalText) online (BLIK, card, transfer)"))
            } else if model.payment == nil && paymentsEnabled == false {
                Text(t("Płatności online nie są włączone w tej gminie: zapłać przelewem (kod QR).",
                       "Online payments are not enabled in this municipality: pay by transfer (QR code)."))
                    .foregroundStyle(.secondary)
            }
            if model.paying {
                ProgressView(t("Otwieram stronę płatności…", "Opening the payment page…"))
            }
            if model.noBrowser {
                Text(t("Nie udało się otworzyć strony płatności.", "The payment page could not be opened."))
                    .foregroundStyle(.red)
            }
            ErrorLine(error: model.paymentError)
            if let p = model.payment {
                TaxPaymentLineView(p: p, checking: true, model: model)
            }
            ErrorLine(error: model.receiptError)
        } header: {
            Text(t("Płatność", "Payment")).accessibilityAddTraits(.isHeader)
        }
        if !model.earlier.isEmpty {
            Section {
                ForEach(model.earlier, id: \.id) { p in
                    TaxPaymentLineView(p: p, checking: false, model: model)
                }
            } header: {
                Text(t("Wcześniejsze płatności z tego telefonu", "Earlier payments from this phone"))
                    .accessibilityAddTraits(.isHeader)
            }
        }
    }
}

/// A liability's figures, the core's texts.
struct TaxFigures: View {
    let d: TaxLiabilityDetail

    var body: some View {
        let l = d.summary
        Section {
            Text("\(l.kindText) \(l.periodText)".trimmingCharacters(in: .whitespaces))
                .font(.title2).accessibilityAddTraits(.isHeader)
            Text(l.taxpayerName)
            Text(l.statusText).foregroundStyle(l.status == .overdue ? Color.red : Color.primary)
            Text(t("Do zapłaty: ", "To pay: ") + l.totalText).font(.title3.bold())
            Text(l.dueText)
            Text(t("Kwota należności: ", "Amount: ") + l.amountText).foregroundStyle(.secondary)
            Text(t("Odsetki na dziś: ", "Interest today: ") + l.interestText).foregroundStyle(.secondary)
            Text(t("Decyzja: ", "Decision: ") + d.decision).foregroundStyle(.secondary)
        }
        if !d.payments.isEmpty {
            Section {
                ForEach(Array(d.payments.enumerated()), id: \.offset) { _, p in
                    Text(p.text).foregroundStyle(p.booked ? Color.primary : Color.secondary)
                }
            } header: {
                Text(t("Wpłaty", "Payments")).accessibilityAddTraits(.isHeader)
            }
        }
    }
}

/// One payment made on this phone: amount and status (the core's words),
/// why it waits or was refused, "check again" and the confirmation.
struct TaxPaymentLineView: View {
    let p: TaxPaymentState
    /// The payment made from this screen: it can be asked about again.
    let checking: Bool
    let model: TaxDetailModel

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            Text("\(p.amountText): \(p.statusText)").font(.headline)
            if let paid = p.paidAtMs {
                Text(model.core.datetimeText(atMs: paid)).font(.subheadline).foregroundStyle(.secondary)
            }
            // Why it waits or was refused (the gateway down, no network): the core's words.
            if let why = p.errorText { Text(why).font(.subheadline).foregroundStyle(.secondary) }
        }
        .accessibilityElement(children: .combine)
        .onChange(of: p.statusText) { _, now in
            if checking { AccessibilityNotification.Announcement(now).post() }
        }
        if checking && !p.isFinal {
            if let page = p.redirectUrl {
                Button(t("Otwórz stronę płatności", "Open the payment page")) { Task { await model.openPage(page) } }
            }
            Button(t("Sprawdź stan płatności", "Check the payment's status")) { Task { await model.checkPayment() } }
        }
        if p.receiptAvailable {
            Button(t("Pokaż potwierdzenie", "Show the confirmation")) {
                Task { await model.loadReceipt(p.id) }
            }
        }
    }
}

/// The bank-transfer QR with what a banking app needs beside it.
struct TaxQrSection: View {
    let d: TaxLiabilityDetail

    var body: some View {
        let l = d.summary
        Section {
            Text(t("Zeskanuj kod w aplikacji swojego banku: wypełni przelew.",
                   "Scan the code in your banking app: it fills in the transfer."))
                .foregroundStyle(.secondary)
            // Above 9 999,99 zł the ZBP format cannot carry the amount: the
            // core's note, and the amount beside it to type in the banking app.
            if let note = d.amountNote {
                Text(note)
                Text(t("Do zapłaty: ", "To pay: ") + l.totalText).font(.headline)
            }
            HStack {
                Spacer()
                QrCodeView(size: Int(d.qrSize), modules: d.qrModules)
                    .accessibilityLabel(d.amountInCode
                        ? t("Kod QR do przelewu w aplikacji banku, kwota \(l.totalText)",
                            "QR code for a transfer in a banking app, amount \(l.totalText)")
                        : t("Kod QR do przelewu w aplikacji banku, bez kwoty: wpisz ją sam",
                            "QR code for a transfer in a banking app, without the amount: type it yourself"))
                Spacer()
            }
            Text(t("Odbiorca: ", "Recipient: ") + d.recipientName)
            Text(t("Rachunek: ", "Account: ") + d.accountText).textSelection(.enabled)
            Text(t("Tytuł przelewu: ", "Transfer title: ") + d.transferTitle).textSelection(.enabled)
            // What the code says (the ZBP 2013 recommendation's fields), for a
            // banking app that takes it pasted rather than scanned.
            Text(d.zbpPayload).font(.caption.monospaced()).foregroundStyle(.secondary)
                .textSelection(.enabled)
                .accessibilityLabel(t("Treść kodu QR: \(d.zbpPayload)", "The QR code's content: \(d.zbpPayload)"))
        } header: {
            Text(t("Kod QR do przelewu", "QR code for a transfer")).accessibilityAddTraits(.isHeader)
        }
    }
}

/// A QR code drawn from the core's module matrix (`qrSize` × `qrSize`, row
/// by row, true = dark): the core encodes the ZBP payload, the shell only
/// paints squares. Black on white with the four-module quiet zone the QR
/// standard asks for (ISO/IEC 18004 §6.3.8), so a banking app's scanner reads
/// it off the screen; whole device pixels per module (no blurred edges), at
/// most `maxSide` points wide. Drawn as rows of colour cells flattened by
/// `drawingGroup` into one image: SwiftUI's `Canvas` would do the same with
/// fewer views, but it is not among the names `make test-swift` knows
/// (tests/swift-check/platform-names.txt).
struct QrCodeView: View {
    let size: Int
    let modules: [Bool]
    var maxSide: Double = 280
    static let quietZone = 4
    @Environment(\.displayScale) private var scale

    var body: some View {
        let cells = Double(size + 2 * Self.quietZone)
        let pixels = max(1, (maxSide * scale / cells).rounded(.down))
        let module = pixels / scale
        Group {
            if size > 0 && modules.count == size * size {
                VStack(spacing: 0) {
                    ForEach(0..<size, id: \.self) { r in
                        HStack(spacing: 0) {
                            ForEach(0..<size, id: \.self) { c in
                                (modules[r * size + c] ? Color.black : Color.white)
                                    .frame(width: module, height: module)
                            }
                        }
                    }
                }
                .padding(module * Double(Self.quietZone))
                .background(Color.white)
                .drawingGroup()
            }
        }
        // Read as one image with its description (the screen sets it), not as cells.
        .accessibilityElement(children: .ignore)
        .accessibilityAddTraits(.isImage)
    }
}

/// Ustawienia: how many days before a due date the reminder comes (the
/// core's setting, 1–7, 3 by default).
struct TaxReminderDaysSection: View {
    @Environment(TaxesModel.self) private var taxes

    var body: some View {
        Section {
            if let days = taxes.reminderDays {
                Picker(t("Przypomnij", "Remind me"),
                       selection: Binding(get: { days }, set: { n in Task { await taxes.setReminderDays(n) } })) {
                    ForEach(Array(1...7), id: \.self) { n in
                        Text(reminderDaysText(n)).tag(UInt32(n))
                    }
                }
            }
            ErrorLine(error: taxes.reminderError)
        } header: {
            Text(t("Przypomnienia o terminach podatków", "Tax due-date reminders")).accessibilityAddTraits(.isHeader)
        }
        .task { await taxes.loadReminderDays() }
    }

    private func reminderDaysText(_ n: Int) -> String {
        t("\(n) " + (n == 1 ? "dzień" : "dni") + " przed terminem",
          "\(n) day" + (n == 1 ? "" : "s") + " before the due date")
    }
}
