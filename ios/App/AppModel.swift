// The iOS shell's shared pieces: the one core of the process, the words of a
// failure, the language, and the helper that runs core calls off the main
// actor. Every text a screen shows about the gmina's data comes from the core
// (`whenText`, `stateText`, `card`, labels); Swift keeps only the chrome's
// words, Polish first. Not compiled in CI (no Swift toolchain on Linux):
// `make test-swift` parses it and checks its calls into the bindings.
import Foundation
import MmCore

/// What a screen shows when something failed: the core's stable code and its text.
struct UserError: Error, Equatable {
    let code: String
    let message: String

    init(_ error: Error, english: Bool = Launch.english) {
        switch error as? MmError {
        case let .Network(code, pl, en, _), let .Server(code, pl, en, _), let .InvalidInput(code, pl, en, _),
             let .NotFound(code, pl, en, _), let .Storage(code, pl, en, _), let .InvalidServerUrl(code, pl, en, _),
             let .Internal(code, pl, en, _):
            self.code = code
            self.message = english ? en : pl
        case let .GminaNotChosen(code, pl, en), let .TaxesNotLinked(code, pl, en):
            self.code = code
            self.message = english ? en : pl
        case let .ActivationLocked(code, pl, en, _):
            // The core's text already says in how many minutes to try again.
            self.code = code
            self.message = english ? en : pl
        case nil:
            // The core's words for a failure without an MmError (a panic).
            let internal = internalErrorMessage()
            self.code = internal.code
            self.message = english ? internal.messageEn : internal.messagePl
        }
    }
}

/// The process's one core. UniFFI objects are thread-safe (`MmCore` is
/// `@unchecked Sendable`), so the screens, the models and the background
/// refresh share it. Opened once: a failure (a damaged store) shows
/// `LaunchFailureView`, which can delete the local data, instead of a crash loop.
enum Launch {
    static let dataDir: URL = URL.applicationSupportDirectory.appending(path: "core", directoryHint: .isDirectory)

    static let opened: Result<MmCore, UserError> = openCore()

    /// The core's language (from the BCP 47 locale it was given), fixed for the process.
    static let english: Bool = openedEnglish()

    static var core: MmCore? {
        if case let .success(core) = opened { return core }
        return nil
    }

    private static func openCore() -> Result<MmCore, UserError> {
        do {
            try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
            // The store holds the device token: it stays on this device (no iCloud backup).
            var dir = dataDir
            var values = URLResourceValues()
            values.isExcludedFromBackup = true
            try? dir.setResourceValues(values)
            initLogging(level: "info")
            let version = Bundle.main.infoDictionary?["CFBundleShortVersionString"] as? String ?? "0.1.0"
            let core = try MmCore(config: CoreConfig(
                dataDir: dataDir.path,
                // nil: the deployment's server, which the core knows; the resident can change it in Ustawienia.
                serverUrl: nil, platform: .ios,
                appVersion: version, locale: Locale.current.identifier(.bcp47)))
            return .success(core)
        } catch {
            let english = Locale.current.language.languageCode?.identifier == "en"
            return .failure(UserError(error, english: english))
        }
    }

    private static func openedEnglish() -> Bool {
        switch opened {
        case let .success(core): return isEnglish(core)
        case .failure: return Locale.current.language.languageCode?.identifier == "en"
        }
    }

    /// Deletes the local store (drafts and unsent reports included); the
    /// resident confirmed it on `LaunchFailureView`.
    static func deleteLocalData() throws {
        try FileManager.default.removeItem(at: dataDir)
    }
}

func isEnglish(_ core: MmCore) -> Bool { core.language() == .english }

/// The chrome's words: Polish first, English second.
func t(_ pl: String, _ en: String) -> String { Launch.english ? en : pl }

/// Runs a core call off the main actor (the core does SQLite and network I/O).
/// `T: Sendable` because the value crosses from the detached task back to the
/// caller (Swift 6; the generated records are Sendable under Swift 6).
func offMain<T: Sendable>(_ call: @escaping @Sendable () throws -> T) async throws -> T {
    try await Task.detached(priority: .userInitiated) { try call() }.value
}

/// Rows need ids that are unique in their list: an event repeats (the same
/// `eventId` at several instants) and two events may start together.
extension EventOccurrence {
    var rowId: String { "\(eventId)-\(startsAtMs)" }
}

/// News and events share numeric ids in the search results.
extension SearchHit {
    var rowId: String { "\(kind)-\(id)" }
}

extension Date {
    init(ms: Int64) { self.init(timeIntervalSince1970: TimeInterval(ms) / 1000) }
    var ms: Int64 { Int64(timeIntervalSince1970 * 1000) }
}

/// Where a list row leads; one `navigationDestination` per stack.
enum Route: Hashable {
    case event(Int64)
    case news(Int64)
    case report(Int64)
    case myReport(Int64)
    /// The notifications inbox (behind Home's bell).
    case notifications
    /// "Podatki i opłaty" (Taxes.swift).
    case taxes
    /// One tax liability, by the tax system's id.
    case taxLiability(String)
    /// "Budżet obywatelski" (Budget.swift): the editions, one edition, a project, the ballot, the results.
    case budget
    case budgetEdition(Int64)
    case budgetProject(Int64)
    case ballot(Int64)
    case budgetResults(Int64)
    /// "Konsultacje społeczne" (Consultations.swift): the list, one survey (or a closed one's summary).
    case consultations
    case survey(Int64)
    /// "Ustawienia powiadomień" (NotificationSettings.swift).
    case notificationSettings
    /// "Odpady" (Waste.swift): the addresses, the collections, what goes where, the reminders.
    case waste
}

/// Home, news, events, the month, search and settings: one call per screen,
/// the answers published for SwiftUI (Observation, iOS 17).
@MainActor
@Observable
final class AppModel {
    let core: MmCore
    var home: HomeScreen?
    var news: [News] = []
    var events: [EventOccurrence] = []
    var eventCategories: [EventCategory] = []
    /// The events filter: a category id, or nil for all.
    var eventCategory: String?
    var hits: [SearchHit] = []
    var month: MonthView?
    var monthYear: Int32
    var monthNumber: UInt32
    var selectedDay: DayCount?
    var dayEvents: [EventOccurrence] = []
    var status: CoreStatus?
    var syncing = false
    var error: UserError?
    /// The last network state seen (nil: none yet).
    @ObservationIgnored private var online: Bool?

    init(core: MmCore) {
        self.core = core
        var warsaw = Calendar(identifier: .gregorian)
        warsaw.timeZone = TimeZone(identifier: "Europe/Warsaw") ?? .current
        let now = warsaw.dateComponents([.year, .month], from: Date())
        monthYear = Int32(now.year ?? 2026)
        monthNumber = UInt32(now.month ?? 1)
    }

    /// One core call off the main actor; a failure shows as `error`.
    private func run<T: Sendable>(_ call: @escaping @Sendable () throws -> T) async -> T? {
        do {
            let value = try await offMain(call)
            error = nil
            return value
        } catch {
            self.error = UserError(error)
            return nil
        }
    }

    func sync() async {
        syncing = true
        defer { syncing = false }
        do {
            _ = try await core.sync(pageSize: nil, listener: CoreEvents.shared)
            _ = try await core.flushOutbox()
        } catch {
            self.error = UserError(error)
        }
        // The sync refreshed the linked taxes: the due-date reminders as of today.
        await TaxReminders.postDue(core: core)
        // And the waste schedules: the collection reminders scheduled ahead follow.
        await WasteReminders.reschedule(core: core)
        await loadHome()
    }

    /// Back online after being offline: send the outbox and fetch what changed.
    func networkChanged(online now: Bool) async {
        let wasOffline = online == false
        online = now
        if now && wasOffline { await sync() }
    }

    func loadHome() async {
        if let h = await run({ [core] in try core.home() }) { home = h }
    }

    func loadNews() async {
        if let n = await run({ [core] in try core.news() }) { news = n }
    }

    func newsItem(_ id: Int64) async -> News? {
        await run { [core] in try core.newsItem(id: id) }
    }

    func loadEvents() async {
        let category = eventCategory
        if let e = await run({ [core] in try core.upcomingEvents(limit: 100, category: category) }) { events = e }
        if eventCategories.isEmpty, let c = await run({ [core] in try core.categories() }) { eventCategories = c }
    }

    func filterEvents(_ category: String?) async {
        eventCategory = category
        await loadEvents()
    }

    /// The month's days with events (the core counts and words them).
    func loadMonth() async {
        let (y, m) = (monthYear, monthNumber)
        if let v = await run({ [core] in try core.month(year: y, month: m) }) {
            month = v
            selectedDay = nil
            dayEvents = []
        }
    }

    func moveMonth(by delta: Int) async {
        var index = Int(monthYear) * 12 + Int(monthNumber) - 1 + delta
        index = max(index, 0)
        monthYear = Int32(index / 12)
        monthNumber = UInt32(index % 12 + 1)
        await loadMonth()
    }

    func select(_ day: DayCount) async {
        selectedDay = day
        let date = day.date
        let category = eventCategory
        if let e = await run({ [core] in try core.eventsBetween(from: date, to: date, category: category) }) { dayEvents = e }
    }

    func search(_ text: String) async {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { hits = []; return }
        if let h = await run({ [core] in try core.search(text: text, limit: 30) }) { hits = h }
    }

    func loadStatus() async {
        if let s = await run({ [core] in try core.status() }) { status = s }
    }

    func setServerUrl(_ url: String) async {
        _ = await run { [core] in try core.setServerUrl(url: url) }
        await loadStatus()
    }

    /// "Wyślij ponownie" for writes the server refused for a passing reason.
    func retryFailedWrites() async {
        _ = await run { [core] in try core.retryFailedWrites() }
        await loadStatus()
    }
}
