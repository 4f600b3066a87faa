// The gmina picker (issue 13): shown instead of the tabs while the core has
// no gmina chosen (a first start), and from Ustawienia ("Zmień gminę"). The
// directory, its search without Polish letters, "Użyj mojej lokalizacji",
// the choice and the deployment's only gmina chosen by itself are the
// core's; Swift renders them. Not compiled in CI: `make test-swift` parses it
// and checks its calls into the bindings.
import MmCore
import SwiftUI

/// Which gmina the app shows, and the picker's list.
@MainActor
@Observable
final class GminaModel {
    let core: MmCore
    var choice: GminaChoice = .notChosen
    var query = ""
    var list: GminaList?
    var error: UserError?
    /// Set once the first-start check (the deployment's only gmina) is done.
    var checked = false

    init(core: MmCore) {
        self.core = core
        choice = (try? core.gminaChoice()) ?? .notChosen
        checked = choice != .notChosen
    }

    /// The chosen gmina's code: the tabs are rebuilt when it changes.
    var teryt: String? {
        if case let .chosen(teryt, _) = choice { return teryt }
        return nil
    }

    /// First start: the deployment's only gmina, without a question; otherwise the list.
    func start() async {
        if choice == .notChosen {
            do { choice = try await core.chooseSoleGmina() } catch { self.error = UserError(error) }
        }
        checked = true
        if choice == .notChosen { await search(query) }
    }

    func search(_ text: String) async {
        query = text
        do {
            let answer = try await core.gminas(query: text)
            if query == text { list = answer; error = nil }
        } catch {
            self.error = UserError(error)
        }
    }

    func near(_ fix: Fix) async {
        do {
            list = try await core.gminasAt(point: GeoPoint(lat: fix.lat, lon: fix.lon))
            error = nil
        } catch {
            self.error = UserError(error)
        }
    }

    func choose(_ teryt: String) async {
        let core = self.core
        do {
            choice = try await offMain { try core.chooseGmina(teryt: teryt) }
            error = nil
        } catch {
            self.error = UserError(error)
        }
    }
}

/// The tabs in the chosen gmina, or the picker while there is none.
struct GminaGate: View {
    @State private var gminas: GminaModel
    private let core: MmCore

    init(core: MmCore) {
        self.core = core
        _gminas = State(initialValue: GminaModel(core: core))
    }

    var body: some View {
        Group {
            if let teryt = gminas.teryt {
                // Another gmina: everything the tabs held was the old one's.
                RootView(core: core).id(teryt)
            } else if gminas.checked {
                NavigationStack { GminaPickerView() }
            } else {
                ProgressView(t("Wczytywanie…", "Loading…"))
                    .task { await gminas.start() }
            }
        }
        .environment(gminas)
    }
}

struct GminaPickerView: View {
    @Environment(GminaModel.self) private var gminas
    @State private var text = ""
    @State private var location = OneFix()

    var body: some View {
        List {
            Section {
                Text(t("Wybierz gminę, w której mieszkasz. Zmienisz ją w Ustawieniach; dane każdej gminy zostają w telefonie.",
                       "Choose the municipality (gmina) you live in. You can change it in Settings; each one's data stays on the phone."))
                    .foregroundStyle(.secondary)
                if case let .chosen(teryt, name) = gminas.choice {
                    Text(t("Obecnie: ", "Now: ") + (name ?? teryt))
                }
                TextField(t("Nazwa gminy, powiat lub kod TERYT", "Municipality name, county or TERYT code"), text: $text)
                    .textInputAutocapitalization(.never)
                Button(t("Użyj mojej lokalizacji", "Use my location")) { location.request() }
                if location.denied {
                    Text(t("Bez zgody na lokalizację wyszukaj gminę po nazwie.",
                           "Without location permission, search for the municipality by name."))
                }
                ErrorLine(error: gminas.error)
            }
            if let list = gminas.list {
                Section {
                    if list.offline {
                        Text(t("Bez połączenia: gminy widziane wcześniej.", "Offline: municipalities seen before."))
                            .foregroundStyle(.secondary)
                    }
                    if list.gminas.isEmpty {
                        Text(t("Nie znaleziono gminy.", "No municipality found."))
                    }
                    ForEach(list.gminas, id: \.teryt) { g in
                        Button { Task { await gminas.choose(g.teryt) } } label: {
                            VStack(alignment: .leading) {
                                Text(g.name)
                                Text([g.powiat, g.voivodeship].filter { !$0.isEmpty }.joined(separator: ", "))
                                    .foregroundStyle(.secondary)
                            }
                        }
                        .accessibilityElement(children: .combine)
                        .accessibilityHint("TERYT \(g.teryt)")
                    }
                }
            }
        }
        .navigationTitle(t("Wybierz gminę", "Choose your municipality"))
        .task { if gminas.list == nil { await gminas.search("") } }
        .onChange(of: text) { _, now in
            // One directory request per pause in typing, not per key.
            Task {
                try? await Task.sleep(for: .milliseconds(300))
                if text == now { await gminas.search(now) }
            }
        }
        .onChange(of: location.fix) { _, fix in
            if let fix { Task { await gminas.near(fix) } }
        }
    }
}
