// "Odpady" (issue 16), mirroring Android's WasteActivity, WasteReminders and
// their state holder (WasteModel in android/core/…/state/Waste.kt): the
// resident's addresses with their next collections, adding one (the building
// type asked only when the core asks for it), removing one, "co gdzie
// wyrzucić" (the core's dictionary, offline), the reminder preferences, the
// schedule as an .ics file, and the reminders scheduled as local
// notifications. Zones, dates, fractions, bins, texts and the reminders'
// instants are all the core's. Not compiled in CI (no Swift toolchain on
// Linux): `make test-swift` parses it and checks its calls into the bindings.
import Foundation
import MmCore
import SwiftUI
import UserNotifications

/// The core's collection reminders as local notifications scheduled ahead
/// (`UNCalendarNotificationTrigger`), so they come even if the app does not
/// run that evening. Replaced wholesale after every change (an address, the
/// preferences), every sync (the schedule may have moved) and at start:
/// the pending `waste-…` requests go, the core's list for the next 60 days
/// comes in.
enum WasteReminders {
    /// The reminder's key in `userInfo`, so a tap opens "Odpady".
    static let keyKey = "pl.mmieszkaniec.wasteReminder"
    static let idPrefix = "waste-"
    static let thread = "waste"
    static let windowMs: Int64 = 60 * 24 * 60 * 60 * 1000
    /// iOS keeps at most 64 pending requests per app and silently drops the
    /// rest (the UNUserNotificationCenter documentation): the soonest 60,
    /// leaving room for the few others the app may schedule. The rest come
    /// with a later reschedule (every sync, every start).
    static let maxPending = 60

    /// One replacement at a time: two running together could interleave a
    /// removal and the other's additions.
    @MainActor private static var last: Task<Void, Never>?

    @MainActor
    static func reschedule(core: MmCore) async {
        let previous = last
        let task = Task { @MainActor in
            await previous?.value
            await replace(core: core)
        }
        last = task
        await task.value
    }

    /// Off the main actor: the requests and the center's answers are not
    /// `Sendable`, so they stay on one side.
    private static func replace(core: MmCore) async {
        let now = Date().ms
        let due: [WasteReminder]
        do {
            due = try await offMain { try core.wasteReminders(fromMs: now, toMs: now + windowMs) }
        } catch {
            // No gmina yet, a store error: what was scheduled stays (the core's last answer).
            notificationsLog.error("waste reminders not read: \(UserError(error).code, privacy: .public)")
            return
        }
        let center = UNUserNotificationCenter.current()
        let pending = await center.pendingNotificationRequests()
        let ours = pending.map { $0.identifier }.filter { $0.hasPrefix(idPrefix) }
        // Only ours: the other pending requests (none today) are not the schedule's.
        center.removePendingNotificationRequests(withIdentifiers: ours)
        let soonest = due.sorted { $0.atMs < $1.atMs }.prefix(maxPending)
        for r in soonest { await schedule(r) }
    }

    private static func schedule(_ r: WasteReminder) async {
        let content = UNMutableNotificationContent()
        content.title = r.title
        content.body = r.body
        content.sound = .default
        content.threadIdentifier = thread
        // A reminder the evening before: it may wait for a Focus to end.
        content.interruptionLevel = .active
        content.userInfo = [keyKey: r.key]
        // The core's instant as a wall-clock date in the phone's calendar and
        // zone; the zone is part of the components, so the trigger keeps to
        // the instant across a DST change and when the phone changes zone.
        let calendar = Calendar.current
        var when = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(ms: r.atMs))
        when.timeZone = calendar.timeZone
        let trigger = UNCalendarNotificationTrigger(dateMatching: when, repeats: false)
        // The core's key is stable per address, day and fraction: adding it
        // again replaces, never duplicates.
        let request = UNNotificationRequest(identifier: idPrefix + r.key, content: content, trigger: trigger)
        do {
            try await UNUserNotificationCenter.current().add(request)
        } catch {
            notificationsLog.error("waste reminder not scheduled: \(error.localizedDescription, privacy: .public)")
        }
    }
}

/// The waste screen's state: the core's screen, prefs and dictionary hits,
/// and the add-address form.
@MainActor
@Observable
final class WasteModel {
    let core: MmCore
    var screen: WasteScreen?
    var prefs: WasteReminderPrefs?
    /// nil: nothing searched; empty: nothing found.
    var hits: [WasteDictionaryHit]?
    /// The address just added, with the core's word on it (unchecked offline).
    var added: WasteAddress?
    var error: UserError?
    /// The last fetch failed; the stored schedule still shows.
    var refreshError: UserError?
    var refreshing = false
    var busy = false
    /// The form.
    var locality = ""
    var street = ""
    var number = ""
    var building: WasteBuilding?
    /// The core asked for the building type: its refusal named the field
    /// (`waste_building_type_needed` on `building`). Until then the form
    /// does not ask.
    var buildingAsked = false
    /// Each address's schedule as an .ics file in the temporary directory, for `ShareLink`.
    var icsFiles: [Int64: URL] = [:]

    /// Next collections shown per address (as Android).
    static let pickupsShown: UInt32 = 5

    init(core: MmCore) { self.core = core }

    func load() async {
        let today = warsawToday()
        let limit = Self.pickupsShown
        do {
            let (s, p) = try await offMain { [core] in
                (try core.wasteScreen(today: today, limit: limit), try core.wasteReminderPrefs())
            }
            screen = s
            prefs = p
        } catch {
            self.error = UserError(error)
        }
        await writeIcsFiles()
    }

    /// Fetches the schedules and the dictionary, then shows what is stored
    /// (offline: the stored copy, with the failure in the core's words).
    func refresh() async {
        refreshing = true
        do {
            try await core.wasteRefresh()
            refreshError = nil
        } catch {
            refreshError = UserError(error)
        }
        refreshing = false
        await load()
        await WasteReminders.reschedule(core: core)
    }

    func add() async {
        guard !busy else { return }
        busy = true
        added = nil
        let trimmedStreet = street.trimmingCharacters(in: .whitespaces)
        let input = WasteAddressInput(
            locality: locality.trimmingCharacters(in: .whitespaces),
            street: trimmedStreet.isEmpty ? nil : trimmedStreet,
            number: number.trimmingCharacters(in: .whitespaces),
            building: buildingAsked ? building : nil,
            label: nil)
        do {
            added = try await core.wasteAddAddress(input: input)
            error = nil
            locality = ""
            street = ""
            number = ""
            building = nil
            buildingAsked = false
            busy = false
            await refresh()
            // In context: the resident has something to be reminded of now.
            if await LocalNotifications.authorizationStatus() == .notDetermined {
                await LocalNotifications.requestAuthorization()
            }
        } catch {
            busy = false
            self.error = UserError(error)
            if case let .InvalidInput(_, _, _, field) = error as? MmError, field == "building" {
                buildingAsked = true
            }
        }
    }

    func remove(_ id: Int64) async {
        do {
            try await offMain { [core] in try core.wasteRemoveAddress(id: id) }
            error = nil
        } catch {
            self.error = UserError(error)
        }
        added = nil
        await load()
        await WasteReminders.reschedule(core: core)
    }

    func search(_ text: String) async {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { hits = nil; return }
        do {
            hits = try await offMain { [core] in try core.wasteSearch(text: text, limit: 20) }
        } catch {
            self.error = UserError(error)
        }
    }

    /// The core checks them (1–3 days, a minute of the day, known fractions)
    /// and keeps them; the reminders follow at once.
    func setPrefs(_ p: WasteReminderPrefs) async {
        do {
            try await offMain { [core] in try core.setWasteReminderPrefs(prefs: p) }
            error = nil
        } catch {
            self.error = UserError(error)
        }
        await load()
        await WasteReminders.reschedule(core: core)
        if p.enabled, await LocalNotifications.authorizationStatus() == .notDetermined {
            await LocalNotifications.requestAuthorization()
        }
    }

    /// The fractions the resident's addresses have collections of: the ones
    /// a reminder can be muted for (as Android lists them).
    var fractions: [WasteFraction] {
        var seen = Set<String>()
        var out: [WasteFraction] = []
        for a in screen?.addresses ?? [] {
            for p in a.pickups where !seen.contains(p.fraction.code) {
                seen.insert(p.fraction.code)
                out.append(p.fraction)
            }
        }
        return out
    }

    /// The core's .ics of each address, written where `ShareLink` can hand
    /// it over as a file (Calendar and Files import it; a shared String
    /// would arrive as text). Complete protection: it names the address.
    private func writeIcsFiles() async {
        let ids = (screen?.addresses ?? []).map { $0.address.id }
        var files: [Int64: URL] = [:]
        let dir = FileManager.default.temporaryDirectory.appending(path: "waste", directoryHint: .isDirectory)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for id in ids {
            let ics: WasteIcs? = try? await offMain { [core] in try core.wasteIcs(id: id) }
            guard let ics else { continue }
            let file = dir.appending(path: "odpady-\(id).ics")
            do {
                try Data(ics.ics.utf8).write(to: file, options: [.atomic, .completeFileProtection])
                files[id] = file
            } catch {
                notificationsLog.error("waste ics not written: \(error.localizedDescription, privacy: .public)")
            }
        }
        icsFiles = files
    }
}

/// "Odpady": reached from Start and from Ustawienia (a tapped reminder opens it too).
struct WasteView: View {
    @State private var model: WasteModel
    @State private var query = ""

    init(core: MmCore) { _model = State(initialValue: WasteModel(core: core)) }

    var body: some View {
        List {
            if model.refreshing { ProgressView(t("Synchronizacja…", "Syncing…")) }
            ErrorLine(error: model.refreshError)
            ErrorLine(error: model.error)
            addresses
            addForm
            search
            reminders
        }
        .navigationTitle(t("Odpady", "Waste"))
        .refreshable { await model.refresh() }
        .task {
            await model.load()
            await model.refresh()
        }
        .task(id: query) {
            // Typing on: this task is cancelled and the older answer never lands.
            do { try await Task.sleep(for: .milliseconds(250)) } catch { return }
            await model.search(query)
        }
    }

    @ViewBuilder private var addresses: some View {
        if let s = model.screen {
            if s.addresses.isEmpty {
                Section {
                    Text(t("Dodaj adres, aby zobaczyć terminy odbioru.", "Add an address to see the collection days."))
                        .foregroundStyle(.secondary)
                }
            }
            ForEach(s.addresses, id: \.address.id) { a in
                AddressSection(model: model, a: a)
            }
        }
    }

    @ViewBuilder private var addForm: some View {
        Section {
            TextField(t("Miejscowość", "Locality"), text: $model.locality)
                .textContentType(.addressCity)
            TextField(t("Ulica (jeśli jest)", "Street (if any)"), text: $model.street)
                .textContentType(.streetAddressLine1)
            TextField(t("Numer domu", "House number"), text: $model.number)
                .textInputAutocapitalization(.never)
            // Only when the core asked: the gmina's rules put a house and a block there in different zones.
            if model.buildingAsked {
                Picker(t("Rodzaj zabudowy", "Building type"), selection: $model.building) {
                    Text(t("Nie podaję", "Not given")).tag(nil as WasteBuilding?)
                    Text(t("Dom jednorodzinny", "Single-family house")).tag(WasteBuilding.singleFamily as WasteBuilding?)
                    Text(t("Budynek wielorodzinny (blok)", "Block of flats")).tag(WasteBuilding.multiFamily as WasteBuilding?)
                }
            }
            Button(t("Dodaj", "Add")) { Task { await model.add() } }
                .disabled(model.busy)
            if let a = model.added, !a.checkText.isEmpty {
                Text(a.checkText)
                    .onAppear { AccessibilityNotification.Announcement(a.checkText).post() }
            }
        } header: {
            Text(t("Dodaj adres", "Add an address")).accessibilityAddTraits(.isHeader)
        }
    }

    @ViewBuilder private var search: some View {
        Section {
            TextField(t("Czego szukasz, np. słoik", "What are you looking for, e.g. jar"), text: $query)
                .textInputAutocapitalization(.never)
                .autocorrectionDisabled()
            if let hits = model.hits {
                if hits.isEmpty { Text(t("Nic nie znaleziono.", "Nothing found.")).foregroundStyle(.secondary) }
                ForEach(Array(hits.enumerated()), id: \.offset) { _, h in HitRow(h: h) }
            }
        } header: {
            Text(t("Co gdzie wyrzucić", "What goes where")).accessibilityAddTraits(.isHeader)
        }
    }

    @ViewBuilder private var reminders: some View {
        if let p = model.prefs {
            Section {
                Toggle(t("Przypominaj o odbiorze odpadów", "Remind me of collections"), isOn: Binding(
                    get: { p.enabled },
                    set: { on in
                        var n = p
                        n.enabled = on
                        let edited = n
                        Task { await model.setPrefs(edited) }
                    }))
                Picker(t("Kiedy", "When"), selection: Binding(
                    get: { p.daysBefore },
                    set: { d in
                        var n = p
                        n.daysBefore = d
                        let edited = n
                        Task { await model.setPrefs(edited) }
                    })) {
                    ForEach(Array(1...3), id: \.self) { d in
                        Text(d == 1 ? t("Dzień przed odbiorem", "The day before") : t("\(d) dni przed odbiorem", "\(d) days before"))
                            .tag(UInt8(d))
                    }
                }
                DatePicker(t("Godzina przypomnienia", "Reminder time"), selection: Binding(
                    get: { dayTime(p.atMinute) },
                    set: { at in
                        var n = p
                        n.atMinute = minuteOfDay(at)
                        let edited = n
                        Task { await model.setPrefs(edited) }
                    }),
                    displayedComponents: .hourAndMinute)
                ForEach(model.fractions, id: \.code) { f in
                    Toggle(t("Bez przypomnień: \(f.label)", "No reminders: \(f.label)"), isOn: Binding(
                        get: { p.muted.contains(f.code) },
                        set: { on in
                            var n = p
                            n.muted = on ? p.muted + [f.code] : p.muted.filter { $0 != f.code }
                            let edited = n
                            Task { await model.setPrefs(edited) }
                        }))
                }
            } header: {
                Text(t("Przypomnienia o odbiorze", "Collection reminders")).accessibilityAddTraits(.isHeader)
            }
        }
    }
}

/// One address: the core's word on it, its zone, the next collections, the
/// .ics, removing it.
private struct AddressSection: View {
    let model: WasteModel
    let a: WasteAddressPickups

    var body: some View {
        let address = a.address
        Section {
            if !address.checkText.isEmpty { Text(address.checkText) }
            if let zone = address.zoneName { Text(zone).foregroundStyle(.secondary) }
            ForEach(Array(a.pickups.enumerated()), id: \.offset) { _, p in PickupRow(p: p) }
            if let file = model.icsFiles[address.id] {
                ShareLink(item: file, preview: SharePreview(address.label)) {
                    Label(t("Terminy jako plik .ics (kalendarz)", "The dates as an .ics file (calendar)"),
                          systemImage: "calendar.badge.plus")
                }
            }
            Button(t("Usuń adres", "Remove the address"), role: .destructive) {
                Task { await model.remove(address.id) }
            }
            .accessibilityLabel(t("Usuń adres: \(address.label)", "Remove the address: \(address.label)"))
        } header: {
            Text(address.label).accessibilityAddTraits(.isHeader)
        }
    }
}

/// One collection: the fraction and when ("jutro"), the date and the core's note.
private struct PickupRow: View {
    let p: WastePickup

    var body: some View {
        FractionRow(fraction: p.fraction, title: "\(p.fraction.label): \(p.whenText)",
                    subtitle: p.dateText + (p.note.map { " · \($0)" } ?? ""))
    }
}

/// One dictionary hit: the item, its fraction (and bin) and the core's note.
private struct HitRow: View {
    let h: WasteDictionaryHit

    var body: some View {
        FractionRow(fraction: h.fraction, title: h.item,
                    subtitle: h.fraction.label + (h.note.map { " · \($0)" } ?? ""))
    }
}

/// A fraction's row: a dot in the bin's colour (the core's hex) and the
/// words, so colour is never the only cue; VoiceOver reads the bin too.
private struct FractionRow: View {
    let fraction: WasteFraction
    let title: String
    let subtitle: String

    var body: some View {
        HStack(alignment: .top, spacing: 12) {
            Circle()
                .fill(binColour(fraction.binColourHex))
                .frame(width: 24, height: 24)
                // A thin ring, so a white or a yellow bin shows on a light background.
                .overlay(Circle().stroke(.secondary, lineWidth: 0.5))
                .accessibilityHidden(true)
            VStack(alignment: .leading) {
                Text(title)
                Text(subtitle).font(.subheadline).foregroundStyle(.secondary)
            }
        }
        .accessibilityElement(children: .combine)
        .accessibilityLabel("\(title). \(subtitle). \(fraction.binText)")
    }
}

/// `#1565C0` → the colour; grey for anything else (the words still say the bin).
private func binColour(_ hex: String) -> Color {
    let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
    guard digits.count == 6, let v = Int(digits, radix: 16) else { return .gray }
    return Color(red: Double((v >> 16) & 0xFF) / 255, green: Double((v >> 8) & 0xFF) / 255, blue: Double(v & 0xFF) / 255)
}

/// Minutes after midnight as a time of today, for `DatePicker` (its hour
/// and minute are all that is read back; the core states them as Warsaw's).
func dayTime(_ minute: UInt32) -> Date {
    Calendar.current.date(bySettingHour: Int(minute / 60), minute: Int(minute % 60), second: 0, of: Date()) ?? Date()
}

/// A `DatePicker`'s hour and minute as minutes after midnight.
func minuteOfDay(_ date: Date) -> UInt32 {
    let c = Calendar.current.dateComponents([.hour, .minute], from: date)
    return UInt32((c.hour ?? 0) * 60 + (c.minute ?? 0))
}
