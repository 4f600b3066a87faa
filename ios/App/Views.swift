// The app, its five tabs and the screens of "Start" (home with alerts,
// news, search, the way to "Podatki i opłaty" and "Odpady") and
// "Ustawienia" (with the tax reminder days, the notification settings and
// "Odpady"). System fonts (Dynamic Type), system colours, headings
// and combined VoiceOver elements; `Loaded`, the list of one core value
// that the budget and consultations screens share. Not compiled in CI:
// `make test-swift` parses it and checks its calls into the bindings.
import MmCore
import SwiftUI
import UserNotifications

@main
struct MieszkaniecApp: App {
    @Environment(\.scenePhase) private var phase
    /// UIKit's delegate, for the APNs device token (Push.swift).
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var appDelegate

    init() {
        // Before launch finishes, so a tap on a notification that launched the app reaches it.
        UNUserNotificationCenter.current().delegate = NotificationTaps.shared
    }

    var body: some Scene {
        WindowGroup {
            switch Launch.opened {
            // The tabs once a gmina is chosen; the gmina picker before.
            case let .success(core): GminaGate(core: core)
            case let .failure(error): LaunchFailureView(error: error)
            }
        }
        .onChange(of: phase) { _, now in
            // Leaving the app: ask iOS for a refresh to send what is still waiting.
            if now == .background { OutboxRefresh.schedule() }
        }
        .backgroundTask(.appRefresh(OutboxRefresh.identifier)) {
            await OutboxRefresh.run()
        }
    }
}

enum AppTab: Hashable {
    case home, events, map, reports, settings
}

/// At most five tabs, so none hides under "More" (and no double navigation
/// bars): the notifications inbox is behind a bell on Start, whose tab
/// carries the unread count.
struct RootView: View {
    @State private var model: AppModel
    @State private var inbox: NotificationsModel
    @State private var reports: ReportsModel
    @State private var map: MapModel
    @State private var taxes: TaxesModel
    @State private var connectivity: Connectivity?
    @Environment(\.scenePhase) private var phase

    init(core: MmCore) {
        _model = State(initialValue: AppModel(core: core))
        _inbox = State(initialValue: NotificationsModel(core: core))
        _reports = State(initialValue: ReportsModel(core: core))
        _map = State(initialValue: MapModel(core: core))
        _taxes = State(initialValue: TaxesModel(core: core))
    }

    var body: some View {
        TabView(selection: $inbox.tab) {
            NavigationStack(path: $inbox.homePath) { HomeView() }
                .tabItem { Label(t("Start", "Home"), systemImage: "house") }
                .badge(Int(inbox.unread))
                .tag(AppTab.home)
            NavigationStack { EventsView() }
                .tabItem { Label(t("Wydarzenia", "Events"), systemImage: "calendar") }
                .tag(AppTab.events)
            NavigationStack { MapView(model: map, reports: reports) }
                .tabItem { Label(t("Mapa", "Map"), systemImage: "map") }
                .tag(AppTab.map)
            NavigationStack { ReportsHomeView(model: reports) }
                .tabItem { Label(t("Zgłoszenia", "Reports"), systemImage: "exclamationmark.bubble") }
                .tag(AppTab.reports)
            NavigationStack { SettingsView() }
                .tabItem { Label(t("Ustawienia", "Settings"), systemImage: "gear") }
                .tag(AppTab.settings)
        }
        .environment(model)
        .environment(reports)
        .environment(inbox)
        .environment(taxes)
        .onChange(of: phase) { _, now in
            // Back in the app: send the outbox and fetch what changed (the
            // resident may have read notifications elsewhere: reload the count).
            if now == .active { Task { await model.sync(); await inbox.load() } }
        }
        .task { await inbox.load() }
        .onChange(of: NotificationSignals.shared.arrived) {
            // A sync raised a notification (`CoreEvents` posted it already).
            Task { await inbox.arrived(appActive: phase == .active) }
        }
        .onChange(of: NotificationSignals.shared.tapped, initial: true) {
            // The resident tapped a posted notification (`initial`: also the tap that launched the app).
            Task { await inbox.openTapped() }
        }
        .onChange(of: NotificationSignals.shared.taxTapped, initial: true) {
            // A tapped due-date reminder opens its liability (Taxes.swift).
            inbox.openTaxReminderTapped()
        }
        .onChange(of: NotificationSignals.shared.pushTapped, initial: true) {
            // A tapped push opens the inbox (Push.swift syncs it in).
            inbox.openPushTapped()
        }
        .onChange(of: NotificationSignals.shared.wasteTapped, initial: true) {
            // A tapped collection reminder opens "Odpady" (Waste.swift).
            inbox.openWasteTapped()
        }
        .task {
            // At start (and for a newly chosen gmina): the collection reminders as the core lists them now.
            await WasteReminders.reschedule(core: model.core)
        }
        .task {
            let model = self.model
            connectivity = Connectivity { online in
                Task { @MainActor in await model.networkChanged(online: online) }
            }
        }
    }
}

/// The store could not be opened: say so, and offer a fresh start instead of a crash loop.
struct LaunchFailureView: View {
    let error: UserError
    @State private var deleted = false
    @State private var failed: String?

    var body: some View {
        VStack(alignment: .leading, spacing: 16) {
            Text(t("Nie udało się otworzyć danych aplikacji.", "The app's data could not be opened."))
                .font(.title2).accessibilityAddTraits(.isHeader)
            Text(error.message)
            if deleted {
                Text(t("Dane usunięte. Zamknij aplikację i otwórz ją ponownie.",
                       "Data deleted. Close the app and open it again."))
            } else {
                Text(t("Usunięcie danych lokalnych usuwa też szkice i niewysłane zgłoszenia.",
                       "Deleting the local data also deletes drafts and unsent reports."))
                    .foregroundStyle(.secondary)
                Button(t("Usuń dane lokalne", "Delete local data"), role: .destructive) {
                    do { try Launch.deleteLocalData(); deleted = true } catch { failed = error.localizedDescription }
                }
            }
            if let failed { Text(failed).foregroundStyle(.red) }
        }
        .padding()
    }
}

/// A failure, in words; VoiceOver announces it when it appears.
struct ErrorLine: View {
    let error: UserError?
    var body: some View {
        Group {
            if let error { Text(error.message).foregroundStyle(.red) }
        }
        .onChange(of: error) { _, now in
            if let now { AccessibilityNotification.Announcement(now.message).post() }
        }
    }
}

/// A list showing one value of the core: the stored copy read off the main
/// thread (offline too), then once per screen a fetch from the server
/// (`refresh`, when there is one) and the stored copy again; pull to refresh
/// does both. A progress line until the first read, the failure of either in
/// the core's words (a failed fetch leaves the stored copy showing), then
/// `content`'s rows. The screens of one value (editions, consultations,
/// results) share it; the title and the rest are the caller's modifiers.
struct Loaded<T: Sendable, Content: View>: View {
    let read: @Sendable () throws -> T
    let refresh: (@Sendable () async throws -> Void)?
    let content: (T) -> Content
    @State private var value: T?
    @State private var error: UserError?
    @State private var refreshing = false
    /// The last fetch failed; the stored copy still shows.
    @State private var refreshError: UserError?
    @State private var refreshed = false

    init(read: @escaping @Sendable () throws -> T, refresh: (@Sendable () async throws -> Void)? = nil,
         @ViewBuilder content: @escaping (T) -> Content) {
        self.read = read
        self.refresh = refresh
        self.content = content
    }

    var body: some View {
        List {
            if refreshing {
                ProgressView(t("Synchronizacja…", "Syncing…"))
            } else if value == nil, error == nil {
                ProgressView(t("Wczytywanie…", "Loading…"))
            }
            ErrorLine(error: refreshError)
            ErrorLine(error: error)
            if let value { content(value) }
        }
        .refreshable { await fetch() }
        .task {
            await load()
            // Back from a screen below: the stored copy again, no second fetch.
            if !refreshed {
                refreshed = true
                await fetch()
            }
        }
    }

    @MainActor
    private func load() async {
        do {
            value = try await offMain(read)
            error = nil
        } catch {
            self.error = UserError(error)
        }
    }

    @MainActor
    private func fetch() async {
        if let refresh {
            refreshing = true
            do {
                try await refresh()
                refreshError = nil
            } catch {
                refreshError = UserError(error)
            }
            refreshing = false
        }
        await load()
    }
}

struct EventRow: View {
    let o: EventOccurrence
    var body: some View {
        NavigationLink(value: Route.event(o.eventId)) {
            VStack(alignment: .leading) {
                Text(o.title).font(.body).strikethrough(o.cancelled)
                if o.cancelled { Text(t("Odwołane", "Cancelled")).font(.subheadline).foregroundStyle(.red) }
                Text(o.whenText + (o.placeName.map { ", \($0)" } ?? ""))
                    .font(.subheadline).foregroundStyle(.secondary)
            }
            .accessibilityElement(children: .combine)
        }
    }
}

/// Where a `Route` leads (one place for every stack).
struct RouteDestination: View {
    @Environment(AppModel.self) private var model
    let route: Route
    var body: some View {
        switch route {
        case let .event(id): EventDetailView(id: id)
        case let .news(id): NewsDetailView(id: id)
        case let .report(id): PublicReportView(id: id)
        case let .myReport(id): MyReportView(localId: id)
        case .notifications: NotificationsView()
        case .taxes: TaxesView()
        case let .taxLiability(id): TaxDetailView(core: model.core, id: id)
        case .budget: BudgetView(core: model.core)
        case let .budgetEdition(id): BudgetEditionView(core: model.core, id: id)
        case let .budgetProject(id): BudgetProjectView(core: model.core, id: id)
        case let .ballot(id): BallotView(core: model.core, id: id)
        case let .budgetResults(id): BudgetResultsView(core: model.core, id: id)
        case .consultations: ConsultationsView(core: model.core)
        case let .survey(id): SurveyView(core: model.core, id: id)
        case .notificationSettings: NotificationSettingsView(core: model.core)
        case .waste: WasteView(core: model.core)
        }
    }
}

struct HomeView: View {
    @Environment(AppModel.self) private var model
    @State private var text = ""

    var body: some View {
        List {
            ErrorLine(error: model.error)
            if !text.isEmpty {
                SearchResults()
            } else if let home = model.home {
                ForEach(home.alerts, id: \.id) { a in
                    NavigationLink(value: Route.news(a.id)) {
                        VStack(alignment: .leading) {
                            Text(a.title).font(.headline)
                            Text(a.body).lineLimit(3)
                        }
                    }
                    .foregroundStyle(.white).listRowBackground(Color(red: 0.69, green: 0, blue: 0.125))
                    .accessibilityElement(children: .combine)
                    .accessibilityLabel(t("Komunikat: \(a.title). \(a.body)", "Alert: \(a.title). \(a.body)"))
                }
                Section {
                    NavigationLink(value: Route.taxes) {
                        Label(t("Podatki i opłaty", "Taxes and fees"), systemImage: "banknote")
                    }
                    NavigationLink(value: Route.budget) {
                        Label(t("Budżet obywatelski", "Participatory budget"), systemImage: "checkmark.seal")
                    }
                    NavigationLink(value: Route.consultations) {
                        Label(t("Konsultacje społeczne", "Public consultations"), systemImage: "list.bullet.clipboard")
                    }
                    NavigationLink(value: Route.waste) {
                        Label(t("Odpady", "Waste"), systemImage: "trash")
                    }
                }
                Section {
                    ForEach(home.upcoming, id: \.rowId) { EventRow(o: $0) }
                } header: {
                    Text(t("Najbliższe wydarzenia", "Upcoming events")).accessibilityAddTraits(.isHeader)
                }
                Section {
                    ForEach(home.latestNews, id: \.id) { n in
                        NavigationLink(n.title, value: Route.news(n.id))
                    }
                    NavigationLink(t("Wszystkie aktualności", "All news")) { NewsListView() }
                } header: {
                    Text(t("Aktualności", "News")).accessibilityAddTraits(.isHeader)
                }
            }
        }
        .navigationTitle("mMieszkaniec")
        .toolbar { ToolbarItem(placement: .topBarTrailing) { NotificationsBell() } }
        .navigationDestination(for: Route.self) { RouteDestination(route: $0) }
        .searchable(text: $text, prompt: t("Szukaj w aktualnościach i wydarzeniach", "Search news and events"))
        .task(id: text) {
            // Typing on: this task is cancelled and the older answer never lands.
            do { try await Task.sleep(for: .milliseconds(250)) } catch { return }
            await model.search(text)
        }
        .refreshable { await model.sync() }
        .task { await model.loadHome(); await model.sync() }
    }
}

/// Search hits: each opens its news item or event.
struct SearchResults: View {
    @Environment(AppModel.self) private var model
    var body: some View {
        Section {
            if model.hits.isEmpty { Text(t("Brak wyników.", "No results.")).foregroundStyle(.secondary) }
            ForEach(model.hits, id: \.rowId) { h in
                NavigationLink(value: h.kind == .event ? Route.event(h.id) : Route.news(h.id)) {
                    VStack(alignment: .leading) {
                        Text(h.title)
                        Text(h.snippet).font(.subheadline).foregroundStyle(.secondary)
                    }
                    .accessibilityElement(children: .combine)
                }
            }
        } header: {
            Text(t("Wyniki wyszukiwania", "Search results")).accessibilityAddTraits(.isHeader)
        }
    }
}

struct NewsListView: View {
    @Environment(AppModel.self) private var model
    var body: some View {
        List(model.news, id: \.id) { n in
            NavigationLink(value: Route.news(n.id)) {
                VStack(alignment: .leading) {
                    Text(n.title).font(n.priority == .alert ? .headline : .body)
                    Text(model.core.datetimeText(atMs: n.publishedAtMs)).font(.subheadline).foregroundStyle(.secondary)
                }
                .accessibilityElement(children: .combine)
            }
        }
        .navigationTitle(t("Aktualności", "News"))
        .task { await model.loadNews() }
    }
}

struct NewsDetailView: View {
    @Environment(AppModel.self) private var model
    let id: Int64
    @State private var item: News?

    var body: some View {
        ScrollView {
            if let n = item {
                VStack(alignment: .leading, spacing: 8) {
                    Text(n.title).font(.title2).accessibilityAddTraits(.isHeader)
                    Text(model.core.datetimeText(atMs: n.publishedAtMs)).foregroundStyle(.secondary)
                    Text(n.body)
                }
                .padding()
            }
        }
        .task { item = await model.newsItem(id) }
    }
}

struct SettingsView: View {
    @Environment(AppModel.self) private var model
    @Environment(GminaModel.self) private var gminas
    @State private var url = ""

    var body: some View {
        Form {
            Section {
                if case let .chosen(teryt, name) = gminas.choice { Text(name ?? teryt) }
                NavigationLink(t("Zmień gminę", "Change municipality")) { GminaPickerView() }
            } header: { Text(t("Gmina", "Municipality")).accessibilityAddTraits(.isHeader) }
            Section {
                TextField(t("Adres serwera gminy", "The gmina's server address"), text: $url)
                    .keyboardType(.URL).textInputAutocapitalization(.never)
                Button(t("Zapisz adres", "Save the address")) { Task { await model.setServerUrl(url) } }
                ErrorLine(error: model.error)
            } header: { Text(t("Serwer", "Server")).accessibilityAddTraits(.isHeader) }
            TaxReminderDaysSection()
            Section {
                // The Settings stack has no route table: these links carry their screens.
                NavigationLink { NotificationSettingsView(core: model.core) } label: {
                    Label(t("Ustawienia powiadomień", "Notification settings"), systemImage: "bell.badge")
                }
                NavigationLink { WasteView(core: model.core) } label: {
                    Label(t("Odpady: adresy i przypomnienia", "Waste: addresses and reminders"), systemImage: "trash")
                }
            } header: { Text(t("Powiadomienia", "Notifications")).accessibilityAddTraits(.isHeader) }
            if let s = model.status {
                Section {
                    Text(s.deviceRegistered ? t("Urządzenie zarejestrowane", "Device registered")
                                            : t("Urządzenie jeszcze niezarejestrowane", "Device not registered yet"))
                    Text(t("Ostatnia synchronizacja: ", "Last sync: ")
                         + (s.lastSyncAtMs.map { model.core.datetimeText(atMs: $0) } ?? t("jeszcze nie", "not yet")))
                    Text(t("Zmiany czekające na wysłanie: \(s.pendingWrites)", "Changes waiting to be sent: \(s.pendingWrites)"))
                    if s.failedWrites > 0 {
                        Text(t("Nieprzyjęte przez serwer: \(s.failedWrites)", "Refused by the server: \(s.failedWrites)"))
                        Button(t("Wyślij ponownie", "Send again")) { Task { await model.retryFailedWrites() } }
                    }
                    if let last = OutboxRefresh.lastRunMs() {
                        Text(t("Ostatnie wysyłanie w tle: ", "Last background send: ") + model.core.datetimeText(atMs: last))
                    }
                } header: { Text(t("Stan", "Status")).accessibilityAddTraits(.isHeader) }
            }
        }
        .navigationTitle(t("Ustawienia", "Settings"))
        .task { await model.loadStatus(); url = model.status?.serverUrl ?? "" }
    }
}
