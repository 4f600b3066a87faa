// "Zgłoś problem" and "Moje zgłoszenia" in SwiftUI, mirroring the Android
// ReportActivity / MyReportsActivity: the core keeps the draft and decides
// (boundary, required answers, photo normalisation, duplicates); this file
// only calls the generated API and shows what it answered.
// Not compiled in CI (no Swift toolchain on Linux); kept thin on purpose.
import CoreLocation
import MmCore
import PhotosUI
import SwiftUI

private let polish = Locale.current.language.languageCode?.identifier != "en"
private func t(_ pl: String, _ en: String) -> String { polish ? pl : en }
func statusLabel(_ s: ReportStatus) -> String { reportStatusLabel(status: s, english: !polish) }

// The wizard's steps, their order (questions skipped for a category without
// any), the step that fixes a field, the limits and hints are the core's:
// `ReportStep`, `nextReportStep`, `previousReportStep`, `reportStepForField`,
// `core.reportRules()`.

/// The reporting flow's state: the draft as the core stored it, the step on screen.
@MainActor
final class ReportFlowModel: ObservableObject {
    let core: MmCore
    @Published var step: ReportStep = .category
    @Published var categories: [ReportCategory] = []
    @Published var draft: ReportDraft?
    @Published var review: ReportReview?
    @Published var submitted: MyReport?
    /// The resident followed an existing report instead of making one.
    @Published var followedInstead = false
    @Published var busy = false
    @Published var error: UserError?
    @Published var errorField: String?

    init(core: MmCore) { self.core = core }

    var category: ReportCategory? { categories.first { $0.id == draft?.category } }

    /// Runs a core call off the main actor; a failure shows as `error` (and its field).
    private func run<T>(_ call: @escaping @Sendable () throws -> T) async -> T? {
        busy = true
        defer { busy = false }
        do {
            let value = try await Task.detached { try call() }.value
            error = nil; errorField = nil
            return value
        } catch {
            self.error = UserError(error)
            if case let .InvalidInput(_, _, _, field) = error as? MmError { errorField = field }
            return nil
        }
    }

    func loadCategories() async { categories = await run { [core] in try core.reportCategories() } ?? [] }

    func choose(_ id: String) async {
        let d: ReportDraft?
        if let current = draft {
            d = await run { [core] in try core.updateReportDraft(id: current.id, update: ReportDraftUpdate(category: id, answers: [:])) }
        } else {
            d = await run { [core] in try core.createReportDraft(category: id) }
        }
        if let d { draft = d; step = .location }
    }

    /// "Zgłoś barierę" from the map's place card: the core fills the draft
    /// in; the resident confirms the pin first (as Kotlin `ReportFlow.startBarrierReport`).
    func startBarrierReport(placeId: Int64) async {
        guard let d = await run({ [core] in try core.startBarrierReport(placeId: placeId) }) else { return }
        draft = d
        step = .location
    }

    func next() async { await go(nextReportStep(step: step, category: category)) }
    func back() async { await go(previousReportStep(step: step, category: category)) }

    func update(_ u: ReportDraftUpdate) async {
        guard let id = draft?.id else { return }
        if let d = await run({ [core] in try core.updateReportDraft(id: id, update: u) }) { draft = d }
    }

    func setLocation(_ c: CLLocationCoordinate2D, accuracy: Double?) async {
        await update(ReportDraftUpdate(point: GeoPoint(lat: c.latitude, lon: c.longitude),
                                       locationSource: accuracy == nil ? .pin : .gps, accuracyM: accuracy))
    }

    /// JPEG/PNG/HEIC-converted bytes from PhotosPicker; the core normalises them.
    func addPhoto(_ data: Data) async {
        guard let id = draft?.id else { return }
        if await run({ [core] in try core.addReportPhoto(draftId: id, bytes: data) }) != nil,
           let d = await run({ [core] in try core.reportDraft(id: id) }) { draft = d }
    }

    func removePhoto(_ photoId: String) async {
        guard let id = draft?.id else { return }
        _ = await run { [core] in try core.removeReportPhoto(draftId: id, photoId: photoId) }
        if let d = await run({ [core] in try core.reportDraft(id: id) }) { draft = d }
    }

    func go(_ s: ReportStep) async {
        step = s
        if s == .review, let id = draft?.id { review = await run { [core] in try core.reportReview(draftId: id) } }
    }

    func submit() async {
        guard let id = draft?.id else { return }
        if let r = await run({ [core] in try core.submitReportDraft(id: id) }) {
            submitted = r
            _ = try? await core.flushOutbox()
        } else if let f = errorField {
            step = reportStepForField(field: f)
        }
    }

    func followInstead(_ reportId: Int64) async {
        guard let id = draft?.id else { return }
        _ = await run { [core] in try core.followReport(id: reportId); try core.deleteReportDraft(id: id) }
        if error == nil { draft = nil; followedInstead = true }
    }
}

/// One fix from CoreLocation, with its accuracy (asks for permission when in use).
final class OneFix: NSObject, ObservableObject, CLLocationManagerDelegate {
    private let manager = CLLocationManager()
    @Published var fix: CLLocation?
    @Published var denied = false
    override init() { super.init(); manager.delegate = self; manager.desiredAccuracy = kCLLocationAccuracyBest }
    func request() { manager.requestWhenInUseAuthorization(); manager.requestLocation() }
    func locationManager(_ m: CLLocationManager, didUpdateLocations l: [CLLocation]) { fix = l.last }
    func locationManager(_ m: CLLocationManager, didFailWithError e: Error) { denied = m.authorizationStatus == .denied }
}

struct ReportFlowView: View {
    @StateObject var flow: ReportFlowModel
    @StateObject private var location = OneFix()
    @State private var picked: [PhotosPickerItem] = []
    @State private var answers: [String: String] = [:]
    @State private var text = ""
    @State private var address = ""

    var body: some View {
        Form {
            ErrorLine(error: flow.error)
            if flow.submitted != nil {
                Text(t("Zgłoszenie zapisane. Wyślemy je od razu, a bez internetu — gdy połączenie wróci.",
                       "The report is saved. It is sent at once, or when you are back online."))
                NavigationLink(t("Moje zgłoszenia", "My reports")) { MyReportsView(core: flow.core) }
            } else if flow.followedInstead {
                Text(t("Obserwujesz to zgłoszenie: powiadomimy Cię o zmianie statusu.", "You follow this report: you will be notified when its status changes."))
            } else {
            switch flow.step {
            case .category:
                ForEach(flow.categories, id: \.id) { c in
                    Button { Task { await flow.choose(c.id) } } label: {
                        VStack(alignment: .leading) {
                            Text(polish ? c.namePl : c.nameEn).font(.headline)
                            Text(polish ? c.descriptionPl : c.descriptionEn).font(.subheadline).foregroundStyle(.secondary)
                        }.accessibilityElement(children: .combine)
                    }
                }
            case .location:
                if let p = flow.draft?.point {
                    Text(String(format: "%.5f, %.5f", p.lat, p.lon)
                         + (flow.draft?.accuracyM.map { String(format: " (±%.0f m)", $0) } ?? ""))
                    // Move the pin by 5 m at its latitude (the core's geometry).
                    HStack {
                        ForEach([(t("Północ", "North"), Direction.north), (t("Południe", "South"), Direction.south),
                                 (t("Zachód", "West"), Direction.west), (t("Wschód", "East"), Direction.east)], id: \.0) { n in
                            Button(n.0) {
                                let moved = nudgePoint(point: p, direction: n.1, metres: 5)
                                Task { await flow.setLocation(.init(latitude: moved.lat, longitude: moved.lon), accuracy: nil) }
                            }
                                .accessibilityLabel(t("Przesuń pinezkę: \(n.0)", "Move the pin: \(n.0)"))
                        }
                    }.buttonStyle(.bordered)
                    Button(t("Dalej", "Next")) { Task { await flow.next() } }
                }
                Button(t("Użyj mojej lokalizacji", "Use my location")) { location.request() }
                if location.denied { Text(t("Bez zgody na lokalizację przesuń pinezkę ręcznie.", "Without location permission, move the pin by hand.")) }
            case .photos:
                ForEach(flow.draft?.photos ?? [], id: \.id) { p in
                    HStack {
                        if let img = UIImage(contentsOfFile: p.path) { Image(uiImage: img).resizable().scaledToFit().frame(height: 120).accessibilityHidden(true) }
                        Button(t("Usuń", "Remove"), role: .destructive) { Task { await flow.removePhoto(p.id) } }
                    }
                }
                Text(flow.core.reportRules().photosHint).font(.footnote).foregroundStyle(.secondary)
                if (flow.draft?.photoSlotsLeft ?? 1) > 0 {
                    PhotosPicker(t("Dodaj zdjęcie", "Add a photo"), selection: $picked, maxSelectionCount: 1, matching: .images)
                }
                Button(t("Dalej", "Next")) { Task { await flow.next() } }
            case .questions:
                ForEach(flow.category?.attributes ?? [], id: \.code) { a in
                    let label = (polish ? a.labelPl : a.labelEn) + (a.required ? t(" (wymagane)", " (required)") : "")
                    switch a.datatype {
                    case .singleChoice:
                        Picker(label, selection: Binding(get: { answers[a.code] ?? "" }, set: { answers[a.code] = $0 })) {
                            Text("—").tag("")
                            ForEach(a.values, id: \.key) { v in Text(polish ? v.namePl : v.nameEn).tag(v.key) }
                        }
                    case .number, .text:
                        TextField(label, text: Binding(get: { answers[a.code] ?? "" }, set: { answers[a.code] = $0 }))
                            .keyboardType(a.datatype == .number ? .numberPad : .default)
                    }
                }
                Button(t("Dalej", "Next")) {
                    Task {
                        // The core trims the answers and drops blank ones.
                        await flow.update(ReportDraftUpdate(answers: answers))
                        if flow.error == nil { await flow.next() }
                    }
                }
            case .description:
                TextField(flow.core.reportRules().descriptionHint, text: $text, axis: .vertical)
                    .lineLimit(4...10)
                TextField(t("Adres lub punkt orientacyjny (opcjonalnie)", "Address or landmark (optional)"), text: $address)
                Button(t("Dalej", "Next")) {
                    Task {
                        await flow.update(ReportDraftUpdate(address: address, description: text))
                        if flow.error == nil { await flow.next() }
                    }
                }
            case .review:
                if let r = flow.review {
                    Text(r.category.map { polish ? $0.namePl : $0.nameEn } ?? r.draft.category).font(.headline)
                    Text(r.draft.description)
                    Text(t("Zdjęcia: \(r.draft.photos.count)", "Photos: \(r.draft.photos.count)"))
                    if let p = r.problem {
                        Text(polish ? p.messagePl : p.messageEn).foregroundStyle(.red)
                        Button(t("Popraw", "Fix it")) { Task { await flow.go(p.step) } }
                    }
                    if !r.possibleDuplicates.isEmpty {
                        Section {
                            ForEach(r.possibleDuplicates, id: \.id) { s in
                                VStack(alignment: .leading) {
                                    Text("\(statusLabel(s.status)), \(Int(s.distanceM)) m: \(s.description)")
                                    Button(t("Obserwuj zgłoszenie nr \(s.id)", "Follow report no. \(s.id)")) { Task { await flow.followInstead(s.id) } }
                                }
                            }
                        } header: {
                            Text(t("To może już być zgłoszone — obserwuj zamiast tego?", "This may already be reported — follow it instead?"))
                                .accessibilityAddTraits(.isHeader)
                        }
                    }
                    if r.problem == nil {
                        Button(t("Wyślij zgłoszenie", "Send the report")) { Task { await flow.submit() } }.disabled(flow.busy)
                    }
                }
            }
            }
        }
        .navigationTitle(t("Zgłoś problem", "Report a problem"))
        .toolbar {
            if flow.step != .category && flow.submitted == nil && !flow.followedInstead {
                Button(t("Wstecz", "Back")) { Task { await flow.back() } }
            }
        }
        .task { await flow.loadCategories() }
        .onChange(of: location.fix) { _, fix in
            if let fix { Task { await flow.setLocation(fix.coordinate, accuracy: fix.horizontalAccuracy >= 0 ? fix.horizontalAccuracy : nil) } }
        }
        .onChange(of: picked) { _, items in
            guard let item = items.first else { return }
            Task {
                if let data = try? await item.loadTransferable(type: Data.self) { await flow.addPhoto(data) }
                picked = []
            }
        }
        .onAppear(perform: fillFromDraft)  // a draft started elsewhere (the map's "report a barrier")
        .onChange(of: flow.draft?.id) { _, _ in fillFromDraft() }
    }

    private func fillFromDraft() {
        answers = flow.draft?.answers ?? [:]
        text = flow.draft?.description ?? ""
        address = flow.draft?.address ?? ""
    }
}

struct MyReportsView: View {
    let core: MmCore
    @State private var reports: [MyReport] = []
    @State private var error: UserError?

    func reload() async {
        do { reports = try await Task.detached { [core] in try core.myReports() }.value } catch { self.error = UserError(error) }
    }

    var body: some View {
        List {
            ErrorLine(error: error)
            ForEach(reports, id: \.localId) { r in
                NavigationLink {
                    List {
                        Text(r.description)
                        Text(r.stateText).font(.headline)
                        if let e = r.error { Text(polish ? e.messagePl : e.messageEn).foregroundStyle(.red) }
                        if let ref = r.report?.caseReference { Text(t("Znak sprawy: \(ref)", "Case reference: \(ref)")) }
                        Section {
                            ForEach(Array((r.report?.history ?? []).reversed().enumerated()), id: \.offset) { _, h in
                                VStack(alignment: .leading) {
                                    Text("\(statusLabel(h.status)) · \(core.datetimeText(atMs: h.atMs))")
                                    if let reply = h.publicReply { Text(reply).foregroundStyle(.secondary) }
                                }.accessibilityElement(children: .combine)
                            }
                        } header: { Text(t("Historia", "History")).accessibilityAddTraits(.isHeader) }
                        if r.actions.canDiscard {
                            Button(t("Wycofaj zgłoszenie", "Withdraw the report"), role: .destructive) {
                                Task { try? core.discardFailedReport(localId: r.localId); await reload() }
                            }
                        }
                    }
                } label: {
                    VStack(alignment: .leading) {
                        Text(r.serverId.map { t("Zgłoszenie nr \($0)", "Report no. \($0)") } ?? r.category)
                        Text(r.stateText).font(.subheadline).foregroundStyle(.secondary)
                    }.accessibilityElement(children: .combine)
                }
            }
        }
        .navigationTitle(t("Moje zgłoszenia", "My reports"))
        .refreshable {
            do { _ = try await core.sync(pageSize: nil, listener: nil) } catch { self.error = UserError(error) }
            await reload()
        }
        .task { await reload() }
    }
}
