// The iOS shell's one model: it calls the generated API (one call per
// screen) and publishes what the core answered. No business rules here.
// Not compiled in CI (no Swift toolchain on Linux); kept thin on purpose.
import Foundation
import MmCore

/// What a screen shows when something failed: the core's stable code and its text.
struct UserError: Error, Equatable {
    let code: String
    let message: String

    init(_ error: Error) {
        let polish = Locale.current.language.languageCode?.identifier != "en"
        switch error as? MmError {
        case let .Network(code, pl, en, _), let .Server(code, pl, en, _), let .InvalidInput(code, pl, en, _),
             let .NotFound(code, pl, en, _), let .Storage(code, pl, en, _), let .InvalidServerUrl(code, pl, en, _),
             let .Internal(code, pl, en, _):
            self.code = code
            self.message = polish ? pl : en
        case nil:
            // The core's words for a failure without an MmError (a panic).
            let internal = internalErrorMessage()
            code = internal.code
            message = polish ? internal.messagePl : internal.messageEn
        }
    }
}

@MainActor
final class AppModel: ObservableObject {
    let core: MmCore
    @Published var home: HomeScreen?
    @Published var news: [News] = []
    @Published var events: [EventOccurrence] = []
    @Published var hits: [SearchHit] = []
    @Published var month: MonthView?
    @Published var status: CoreStatus?
    @Published var syncing = false
    @Published var error: UserError?

    init(dataDir: URL, serverUrl: String) throws {
        initLogging(level: "info")
        let version = Bundle.main.infoDictionary?["CFBundleShortVersionString"] as? String ?? "0.1.0"
        core = try MmCore(config: CoreConfig(
            dataDir: dataDir.path, serverUrl: serverUrl, platform: .ios,
            appVersion: version, locale: Locale.current.identifier(.bcp47)))
    }

    /// Runs a store query off the main actor and publishes its result.
    private func load<T>(_ query: @escaping @Sendable () throws -> T, into apply: (T) -> Void) async {
        do {
            let value = try await Task.detached { try query() }.value
            apply(value)
            error = nil
        } catch {
            self.error = UserError(error)
        }
    }

    func sync() async {
        syncing = true
        defer { syncing = false }
        do { _ = try await core.sync(pageSize: nil, listener: nil) } catch { self.error = UserError(error) }
        await loadHome()
    }

    func loadHome() async { await load({ [core] in try core.home() }) { home = $0 } }
    func loadNews() async { await load({ [core] in try core.news() }) { news = $0 } }
    func loadEvents(category: String? = nil) async {
        await load({ [core] in try core.upcomingEvents(limit: 100, category: category) }) { events = $0 }
    }
    func event(_ id: Int64) async -> EventDetail? {
        try? await Task.detached { [core] in try core.event(id: id) }.value
    }
    func ics(_ id: Int64) async -> String? {
        try? await Task.detached { [core] in try core.eventIcs(id: id) }.value
    }
    func search(_ text: String) async {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { hits = []; return }
        await load({ [core] in try core.search(text: text, limit: 30) }) { hits = $0 }
    }
    func loadMonth(year: Int32, month m: UInt32) async {
        await load({ [core] in try core.month(year: year, month: m) }) { month = $0 }
    }
    func loadStatus() async { await load({ [core] in try core.status() }) { status = $0 } }
    func setServerUrl(_ url: String) async {
        await load({ [core] in try core.setServerUrl(url: url) }) { _ in }
        await loadStatus()
    }
}
