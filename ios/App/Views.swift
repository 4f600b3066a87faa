// SwiftUI screens over AppModel, mirroring the Android ones. System fonts
// (Dynamic Type), system colours (contrast in light and dark mode), headings
// and combined accessibility elements for VoiceOver.
import EventKit
import EventKitUI
import MmCore
import SwiftUI

private let warsaw = TimeZone(identifier: "Europe/Warsaw")!

// Every date and span text is the core's (`whenText`, `datetimeText`), in
// the language of the core's locale; all-day spans name their last day.

@main
struct MieszkaniecApp: App {
    @StateObject private var model = try! AppModel(
        dataDir: FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0].appendingPathComponent("core"),
        serverUrl: "https://mmieszkaniec.siechnice.gmina.pl")

    var body: some Scene {
        WindowGroup {
            TabView {
                NavigationStack { HomeView() }.tabItem { Label("Start", systemImage: "house") }
                NavigationStack { NewsListView() }.tabItem { Label("Aktualności", systemImage: "newspaper") }
                NavigationStack { EventsView() }.tabItem { Label("Wydarzenia", systemImage: "calendar") }
                NavigationStack { MapView(model: MapModel(core: model.core)) }.tabItem { Label("Mapa", systemImage: "map") }
                NavigationStack { ReportFlowView(flow: ReportFlowModel(core: model.core)) }
                    .tabItem { Label("Zgłoś", systemImage: "exclamationmark.bubble") }
                NavigationStack { MyReportsView(core: model.core) }.tabItem { Label("Moje zgłoszenia", systemImage: "tray.full") }
                NavigationStack { SearchView() }.tabItem { Label("Szukaj", systemImage: "magnifyingglass") }
                NavigationStack { SettingsView() }.tabItem { Label("Ustawienia", systemImage: "gear") }
            }
            .environmentObject(model)
        }
    }
}

struct ErrorLine: View {
    let error: UserError?
    var body: some View {
        if let error { Text(error.message).foregroundStyle(.red).accessibilityAddTraits(.updatesFrequently) }
    }
}

struct EventRow: View {
    let o: EventOccurrence
    var body: some View {
        NavigationLink(value: o.eventId) {
            VStack(alignment: .leading) {
                Text(o.title + (o.cancelled ? " (odwołane)" : "")).font(.body)
                Text(o.whenText + (o.placeName.map { ", \($0)" } ?? ""))
                    .font(.subheadline).foregroundStyle(.secondary)
            }
            .accessibilityElement(children: .combine)
        }
    }
}

struct HomeView: View {
    @EnvironmentObject var model: AppModel
    var body: some View {
        List {
            ErrorLine(error: model.error)
            if let home = model.home {
                ForEach(home.alerts, id: \.id) { a in
                    VStack(alignment: .leading) {
                        Text(a.title).font(.headline)
                        Text(a.body).lineLimit(3)
                    }
                    .foregroundStyle(.white).listRowBackground(Color(red: 0.69, green: 0, blue: 0.125))
                    .accessibilityElement(children: .combine)
                    .accessibilityLabel("Komunikat: \(a.title). \(a.body)")
                }
                Section { ForEach(home.upcoming, id: \.startsAtMs) { EventRow(o: $0) } } header: {
                    Text("Najbliższe wydarzenia").accessibilityAddTraits(.isHeader)
                }
                Section { ForEach(home.latestNews, id: \.id) { Text($0.title) } } header: {
                    Text("Aktualności").accessibilityAddTraits(.isHeader)
                }
            }
        }
        .navigationTitle("mMieszkaniec")
        .navigationDestination(for: Int64.self) { EventDetailView(id: $0) }
        .refreshable { await model.sync() }
        .task { await model.loadHome(); await model.sync() }
    }
}

struct NewsListView: View {
    @EnvironmentObject var model: AppModel
    var body: some View {
        List(model.news, id: \.id) { n in
            NavigationLink {
                ScrollView { Text(n.body).padding() }.navigationTitle(n.title)
            } label: {
                VStack(alignment: .leading) {
                    Text(n.title).font(n.priority == .alert ? .headline : .body)
                    Text(model.core.datetimeText(atMs: n.publishedAtMs)).font(.subheadline).foregroundStyle(.secondary)
                }
                .accessibilityElement(children: .combine)
            }
        }
        .navigationTitle("Aktualności")
        .task { await model.loadNews() }
    }
}

struct EventsView: View {
    @EnvironmentObject var model: AppModel
    var body: some View {
        List(model.events, id: \.startsAtMs) { EventRow(o: $0) }
            .navigationTitle("Wydarzenia")
            .navigationDestination(for: Int64.self) { EventDetailView(id: $0) }
            .task { await model.loadEvents() }
    }
}

struct EventDetailView: View {
    @EnvironmentObject var model: AppModel
    let id: Int64
    @State private var detail: EventDetail?
    @State private var ics: String?
    @State private var entry: CalendarEntry?
    @State private var adding = false

    var body: some View {
        ScrollView {
            if let d = detail {
                VStack(alignment: .leading, spacing: 8) {
                    Text(d.event.title).font(.title).accessibilityAddTraits(.isHeader)
                    Text(d.whenText)
                    if let place = d.event.placeName { Text("Miejsce: \(place)") }
                    if let access = d.event.accessibility { Text("Dostępność: \(access)") }
                    Text(d.event.description)
                    Button("Dodaj do kalendarza") { adding = true }
                        .accessibilityHint("Dodaje wydarzenie do kalendarza telefonu")
                    if let ics { ShareLink("Udostępnij jako .ics", item: ics) }
                }.padding()
            }
        }
        .sheet(isPresented: $adding) { if let entry { AddToCalendar(entry: entry) } }
        .task { detail = await model.event(id); ics = await model.ics(id); entry = try? model.core.calendarEntry(eventId: id) }
    }
}

/// EventKit's own editor, pre-filled from the core's `CalendarEntry`: the
/// resident confirms there. An all-day event spans `firstDay`…`lastDay`
/// (inclusive, as EventKit counts). EventKit takes no RRULE text; a
/// repeating event's rule travels in the shared .ics (`entry.rrule`).
struct AddToCalendar: UIViewControllerRepresentable {
    let entry: CalendarEntry
    func makeUIViewController(context: Context) -> EKEventEditViewController {
        let store = EKEventStore()
        let e = EKEvent(eventStore: store)
        e.title = entry.title
        let zone = TimeZone(identifier: entry.timeZone) ?? warsaw
        if entry.allDay {
            let days = DateFormatter()
            days.dateFormat = "yyyy-MM-dd"
            days.timeZone = zone
            e.startDate = days.date(from: entry.firstDay) ?? Date(ms: entry.beginMs)
            e.endDate = days.date(from: entry.lastDay) ?? Date(ms: entry.endMs)
        } else {
            e.startDate = Date(ms: entry.beginMs)
            e.endDate = Date(ms: entry.endMs)
        }
        e.isAllDay = entry.allDay
        e.location = entry.location
        e.notes = entry.description
        e.timeZone = zone
        let vc = EKEventEditViewController()
        vc.eventStore = store
        vc.event = e
        return vc
    }
    func updateUIViewController(_ vc: EKEventEditViewController, context: Context) {}
}

struct SearchView: View {
    @EnvironmentObject var model: AppModel
    @State private var text = ""
    var body: some View {
        List(model.hits, id: \.id) { h in
            VStack(alignment: .leading) {
                Text(h.title)
                Text(h.snippet).font(.subheadline).foregroundStyle(.secondary)
            }.accessibilityElement(children: .combine)
        }
        .searchable(text: $text, prompt: "Szukaj w aktualnościach i wydarzeniach")
        .task(id: text) {
            try? await Task.sleep(nanoseconds: 250_000_000)
            await model.search(text)
        }
        .navigationTitle("Szukaj")
    }
}

struct SettingsView: View {
    @EnvironmentObject var model: AppModel
    @State private var url = ""
    var body: some View {
        Form {
            Section {
                TextField("Adres serwera gminy", text: $url)
                    .keyboardType(.URL).textInputAutocapitalization(.never)
                Button("Zapisz adres") { Task { await model.setServerUrl(url) } }
                ErrorLine(error: model.error)
            } header: { Text("Serwer").accessibilityAddTraits(.isHeader) }
            if let s = model.status {
                Section {
                    Text(s.deviceRegistered ? "Urządzenie zarejestrowane" : "Urządzenie jeszcze niezarejestrowane")
                    Text("Zmiany czekające na wysłanie: \(s.pendingWrites)")
                } header: { Text("Stan").accessibilityAddTraits(.isHeader) }
            }
        }
        .navigationTitle("Ustawienia")
        .task { await model.loadStatus(); url = model.status?.serverUrl ?? "" }
    }
}
