// "Zgłoś problem": the wizard over the core's draft. The core keeps the
// draft and decides (the steps and their order, the step that fixes a
// field, the photo limit and hints, answer trimming, the boundary,
// duplicates); this file calls the generated API and shows what it answered.
// Photos: whatever the camera or the library gives (HEIC on most iPhones) is
// decoded by UIImage and re-encoded as JPEG before the core, which accepts
// JPEG and PNG. Not compiled in CI: `make test-swift` parses it and checks
// its calls into the bindings.
import CoreLocation
import MmCore
import PhotosUI
import SwiftUI
import UIKit

/// The wizard's state: the draft as the core stored it and the step on screen.
@MainActor
@Observable
final class ReportFlowModel {
    let core: MmCore
    var step: ReportStep = .category
    var categories: [ReportCategory] = []
    var draft: ReportDraft?
    var review: ReportReview?
    var submitted: MyReport?
    /// The resident followed an existing report instead of making one.
    var followedInstead = false
    var busy = false
    var error: UserError?
    var errorField: String?

    init(core: MmCore) { self.core = core }

    var category: ReportCategory? { categories.first { $0.id == draft?.category } }
    var finished: Bool { submitted != nil || followedInstead }

    /// One core call off the main actor; a failure shows as `error` (and its field).
    private func run<T: Sendable>(_ call: @escaping @Sendable () throws -> T) async -> T? {
        busy = true
        defer { busy = false }
        do {
            let value = try await offMain(call)
            error = nil
            errorField = nil
            return value
        } catch {
            self.error = UserError(error)
            if case let .InvalidInput(_, _, _, field) = error as? MmError { errorField = field }
            return nil
        }
    }

    /// A new report from the first step (after a sent one too: the tab never gets stuck).
    func startNew() {
        draft = nil
        review = nil
        submitted = nil
        followedInstead = false
        error = nil
        errorField = nil
        step = .category
    }

    /// A stored draft, at the step the core says it stopped at.
    func resume(_ d: ReportDraft) async {
        startNew()
        await loadCategories()
        draft = d
        await go(d.resumeStep)
    }

    /// "Popraw i wyślij": the core turns a refused report back into a draft.
    func edit(failed localId: Int64) async {
        startNew()
        await loadCategories()
        if let d = await run({ [core] in try core.editFailedReport(localId: localId) }) {
            draft = d
            await go(d.resumeStep)
        }
    }

    func loadCategories() async {
        if categories.isEmpty, let c = await run({ [core] in try core.reportCategories() }) { categories = c }
    }

    func choose(_ id: String) async {
        let d: ReportDraft?
        if let current = draft {
            let draftId = current.id
            d = await run { [core] in try core.updateReportDraft(id: draftId, update: ReportDraftUpdate(category: id, answers: [:])) }
        } else {
            d = await run { [core] in try core.createReportDraft(category: id) }
        }
        if let d {
            draft = d
            await go(nextReportStep(step: .category, category: category))
        }
    }

    /// "Zgłoś barierę" from the map's place card: the core fills the draft
    /// in; the resident confirms the pin first.
    func startBarrierReport(placeId: Int64) async {
        startNew()
        await loadCategories()
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

    func setLocation(_ fix: Fix) async {
        await update(ReportDraftUpdate(point: GeoPoint(lat: fix.lat, lon: fix.lon),
                                       locationSource: fix.accuracyM == nil ? .pin : .gps, accuracyM: fix.accuracyM))
    }

    /// The pin moved by `metres` (the core's geometry, correct at any latitude).
    func nudge(_ direction: Direction) async {
        guard let p = draft?.point else { return }
        let moved = nudgePoint(point: p, direction: direction, metres: 5)
        await setLocation(Fix(lat: moved.lat, lon: moved.lon, accuracyM: nil))
    }

    /// Any image the library or camera gave, as JPEG for the core.
    func addPhoto(_ original: Data) async {
        guard let id = draft?.id else { return }
        // What UIImage cannot read goes as it is: the core's refusal then says why, in its words.
        let converted = try? await offMain { Photo.jpeg(from: original) }
        let jpeg = converted ?? original
        if await run({ [core] in try core.addReportPhoto(draftId: id, bytes: jpeg) }) != nil,
           let d = await run({ [core] in try core.reportDraft(id: id) }) {
            draft = d
        }
    }

    func removePhoto(_ photoId: String) async {
        guard let id = draft?.id else { return }
        _ = await run { [core] in try core.removeReportPhoto(draftId: id, photoId: photoId) }
        if let d = await run({ [core] in try core.reportDraft(id: id) }) { draft = d }
    }

    func go(_ s: ReportStep) async {
        step = s
        if s == .review, let id = draft?.id {
            review = await run { [core] in try core.reportReview(draftId: id) }
        }
    }

    func submit() async {
        guard let id = draft?.id else { return }
        if let r = await run({ [core] in try core.submitReportDraft(id: id) }) {
            submitted = r
            draft = nil
            _ = try? await core.flushOutbox()
        } else if let f = errorField {
            step = reportStepForField(field: f)
        }
    }

    func followInstead(_ reportId: Int64) async {
        guard let id = draft?.id else { return }
        _ = await run { [core] in
            try core.followReport(id: reportId)
            try core.deleteReportDraft(id: id)
        }
        if error == nil {
            draft = nil
            followedInstead = true
        }
    }
}

/// Image bytes in any format UIImage reads (HEIC, JPEG, PNG, …) as JPEG.
enum Photo {
    static func jpeg(from data: Data) -> Data? {
        guard let image = UIImage(data: data) else { return nil }
        return image.jpegData(compressionQuality: 0.9)
    }
}

/// A position: from CoreLocation (with its accuracy) or a pin (none).
struct Fix: Equatable, Sendable {
    let lat: Double
    let lon: Double
    let accuracyM: Double?
}

/// One fix from CoreLocation. The fix is requested once permission is
/// known (asking while it is still undetermined fails at once).
@MainActor
@Observable
final class OneFix: NSObject, CLLocationManagerDelegate {
    private let manager = CLLocationManager()
    @ObservationIgnored private var wanted = false
    var fix: Fix?
    var denied = false

    override init() {
        super.init()
        manager.delegate = self
        manager.desiredAccuracy = kCLLocationAccuracyBest
    }

    func request() {
        wanted = true
        switch manager.authorizationStatus {
        case .notDetermined: manager.requestWhenInUseAuthorization()
        case .denied, .restricted: denied = true
        default: manager.requestLocation()
        }
    }

    private func authorizationChanged(_ status: CLAuthorizationStatus) {
        denied = status == .denied || status == .restricted
        if wanted && (status == .authorizedWhenInUse || status == .authorizedAlways) { manager.requestLocation() }
    }

    // CoreLocation calls back on the thread that made the manager: the main one.
    nonisolated func locationManagerDidChangeAuthorization(_ manager: CLLocationManager) {
        let status = manager.authorizationStatus
        MainActor.assumeIsolated { authorizationChanged(status) }
    }

    nonisolated func locationManager(_ manager: CLLocationManager, didUpdateLocations locations: [CLLocation]) {
        guard let l = locations.last else { return }
        let fix = Fix(lat: l.coordinate.latitude, lon: l.coordinate.longitude,
                      accuracyM: l.horizontalAccuracy >= 0 ? l.horizontalAccuracy : nil)
        MainActor.assumeIsolated { self.fix = fix }
    }

    nonisolated func locationManager(_ manager: CLLocationManager, didFailWithError error: Error) {
        let status = manager.authorizationStatus
        MainActor.assumeIsolated { denied = status == .denied || status == .restricted }
    }
}

/// The camera, for a photo of the problem (the library goes through PhotosPicker).
struct CameraPicker: UIViewControllerRepresentable {
    let taken: @MainActor (Data) -> Void
    let done: @MainActor () -> Void

    func makeCoordinator() -> Receiver { Receiver(taken: taken, done: done) }

    func makeUIViewController(context: Context) -> UIImagePickerController {
        let picker = UIImagePickerController()
        picker.sourceType = .camera
        picker.delegate = context.coordinator
        return picker
    }

    func updateUIViewController(_ picker: UIImagePickerController, context: Context) {}

    final class Receiver: NSObject, UIImagePickerControllerDelegate, UINavigationControllerDelegate {
        let taken: @MainActor (Data) -> Void
        let done: @MainActor () -> Void
        init(taken: @escaping @MainActor (Data) -> Void, done: @escaping @MainActor () -> Void) {
            self.taken = taken
            self.done = done
        }

        func imagePickerController(_ picker: UIImagePickerController,
                                   didFinishPickingMediaWithInfo info: [UIImagePickerController.InfoKey: Any]) {
            let jpeg = (info[.originalImage] as? UIImage)?.jpegData(compressionQuality: 0.9)
            MainActor.assumeIsolated {
                if let jpeg { taken(jpeg) }
                done()
            }
        }

        func imagePickerControllerDidCancel(_ picker: UIImagePickerController) {
            MainActor.assumeIsolated { done() }
        }
    }
}

struct ReportFlowView: View {
    @Bindable var flow: ReportFlowModel
    @State private var location = OneFix()
    @State private var picked: [PhotosPickerItem] = []
    @State private var camera = false
    @State private var answers: [String: String] = [:]
    @State private var text = ""
    @State private var address = ""
    @AccessibilityFocusState private var stepTitleFocused: Bool

    var body: some View {
        Form {
            ErrorLine(error: flow.error)
            if let sent = flow.submitted {
                Section {
                    Text(t("Zgłoszenie zapisane. Wyślemy je od razu, a bez internetu — gdy połączenie wróci.",
                           "The report is saved. It is sent at once, or when you are back online."))
                    Text(sent.stateText).font(.headline)
                    Button(t("Nowe zgłoszenie", "New report")) { flow.startNew() }
                }
            } else if flow.followedInstead {
                Section {
                    Text(t("Obserwujesz to zgłoszenie: powiadomimy Cię o zmianie statusu.",
                           "You follow this report: you will be notified when its status changes."))
                    Button(t("Nowe zgłoszenie", "New report")) { flow.startNew() }
                }
            } else {
                Text(stepTitle).font(.headline).accessibilityAddTraits(.isHeader)
                    .accessibilityFocused($stepTitleFocused)
                stepContent
            }
        }
        .navigationTitle(t("Zgłoś problem", "Report a problem"))
        .toolbar {
            if flow.step != .category && !flow.finished {
                Button(t("Poprzedni krok", "Previous step")) { Task { await flow.back() } }
            }
        }
        .task { await flow.loadCategories() }
        .onChange(of: location.fix) { _, fix in
            if let fix { Task { await flow.setLocation(fix) } }
        }
        .onChange(of: picked) { _, items in
            guard let item = items.first else { return }
            Task {
                if let data = try? await item.loadTransferable(type: Data.self) { await flow.addPhoto(data) }
                picked = []
            }
        }
        .onChange(of: flow.step) { _, _ in stepTitleFocused = true }
        .sheet(isPresented: $camera) {
            CameraPicker(taken: { jpeg in Task { await flow.addPhoto(jpeg) } }, done: { camera = false })
                .ignoresSafeArea()
        }
        .onAppear(perform: fillFromDraft)  // a draft started elsewhere (the map, "popraw i wyślij")
        .onChange(of: flow.draft?.id) { _, _ in fillFromDraft() }
    }

    private var stepTitle: String {
        switch flow.step {
        case .category: return t("Co chcesz zgłosić?", "What do you want to report?")
        case .location: return t("Gdzie to jest?", "Where is it?")
        case .photos: return t("Zdjęcia", "Photos")
        case .questions: return t("Pytania", "Questions")
        case .description: return t("Opis", "Description")
        case .review: return t("Sprawdź i wyślij", "Check and send")
        }
    }

    @ViewBuilder private var stepContent: some View {
        switch flow.step {
        case .category:
            ForEach(flow.categories, id: \.id) { c in
                Button { Task { await flow.choose(c.id) } } label: {
                    VStack(alignment: .leading) {
                        Text(Launch.english ? c.nameEn : c.namePl).font(.headline)
                        Text(Launch.english ? c.descriptionEn : c.descriptionPl).font(.subheadline).foregroundStyle(.secondary)
                    }
                    .accessibilityElement(children: .combine)
                }
            }
        case .location:
            if let p = flow.draft?.point {
                Text(String(format: "%.5f, %.5f", p.lat, p.lon)
                     + (flow.draft?.accuracyM.map { String(format: " (±%.0f m)", $0) } ?? ""))
                HStack {
                    nudge(t("Północ", "North"), .north)
                    nudge(t("Południe", "South"), .south)
                    nudge(t("Zachód", "West"), .west)
                    nudge(t("Wschód", "East"), .east)
                }
                .buttonStyle(.bordered)
                Button(t("Dalej", "Next")) { Task { await flow.next() } }
            }
            Button(t("Użyj mojej lokalizacji", "Use my location")) { location.request() }
            if location.denied {
                Text(t("Bez zgody na lokalizację przesuń pinezkę ręcznie.", "Without location permission, move the pin by hand."))
            }
        case .photos:
            ForEach(Array((flow.draft?.photos ?? []).enumerated()), id: \.element.id) { index, p in
                HStack {
                    if let img = UIImage(contentsOfFile: p.path) {
                        Image(uiImage: img).resizable().scaledToFit().frame(height: 120).accessibilityHidden(true)
                    }
                    Button(t("Usuń", "Remove"), role: .destructive) { Task { await flow.removePhoto(p.id) } }
                        .accessibilityLabel(t("Usuń zdjęcie \(index + 1)", "Remove photo \(index + 1)"))
                }
            }
            Text(flow.core.reportRules().photosHint).font(.footnote).foregroundStyle(.secondary)
            if (flow.draft?.photoSlotsLeft ?? 0) > 0 {
                PhotosPicker(t("Dodaj zdjęcie z biblioteki", "Add a photo from the library"), selection: $picked,
                             maxSelectionCount: 1, matching: .images, preferredItemEncoding: .compatible)
                if UIImagePickerController.isSourceTypeAvailable(.camera) {
                    Button(t("Zrób zdjęcie", "Take a photo")) { camera = true }
                }
            }
            Button(t("Dalej", "Next")) { Task { await flow.next() } }
        case .questions:
            ForEach(flow.category?.attributes ?? [], id: \.code) { a in
                AnswerField(attribute: a, value: answers[a.code] ?? "") { answers[a.code] = $0 }
            }
            .id(flow.draft?.id)
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
            if let r = flow.review { ReviewSection(flow: flow, r: r) }
        }
    }

    private func nudge(_ name: String, _ direction: Direction) -> some View {
        Button(name) { Task { await flow.nudge(direction) } }
            .accessibilityLabel(t("Przesuń pinezkę o 5 m: \(name)", "Move the pin by 5 m: \(name)"))
    }

    private func fillFromDraft() {
        answers = flow.draft?.answers ?? [:]
        text = flow.draft?.description ?? ""
        address = flow.draft?.address ?? ""
    }
}

/// One question's answer, with its own state. (Not `Binding(get:set:)`
/// over the parent's dictionary: whether those closures may touch main-actor
/// state differs between SDKs in Swift 6 mode.)
struct AnswerField: View {
    let attribute: CategoryAttribute
    @State var value: String
    let changed: (String) -> Void

    private var label: String {
        (Launch.english ? attribute.labelEn : attribute.labelPl) + (attribute.required ? t(" (wymagane)", " (required)") : "")
    }

    var body: some View {
        Group {
            switch attribute.datatype {
            case .singleChoice:
                Picker(label, selection: $value) {
                    Text(t("— nie wybrano —", "— not chosen —")).tag("")
                    ForEach(attribute.values, id: \.key) { v in Text(Launch.english ? v.nameEn : v.namePl).tag(v.key) }
                }
            case .number, .text:
                TextField(label, text: $value)
                    .keyboardType(attribute.datatype == .number ? .numberPad : .default)
            }
        }
        .onChange(of: value) { _, now in changed(now) }
    }
}

/// The last step: what will be sent, the core's first problem (with the
/// step that fixes it), and possible duplicates to follow instead.
struct ReviewSection: View {
    let flow: ReportFlowModel
    let r: ReportReview

    var body: some View {
        Text(r.category.map { Launch.english ? $0.nameEn : $0.namePl } ?? r.draft.category).font(.headline)
        Text(r.draft.description)
        if let address = r.draft.address { Text(address) }
        Text(t("Zdjęcia: \(r.draft.photos.count)", "Photos: \(r.draft.photos.count)"))
        if let p = r.problem {
            Text(Launch.english ? p.messageEn : p.messagePl).foregroundStyle(.red)
            Button(t("Popraw", "Fix it")) { Task { await flow.go(p.step) } }
        }
        if !r.possibleDuplicates.isEmpty {
            Section {
                ForEach(r.possibleDuplicates, id: \.id) { s in
                    VStack(alignment: .leading) {
                        Text("\(reportStatusLabel(status: s.status, english: Launch.english)), "
                             + "\(flow.core.formatDistance(metres: s.distanceM)): \(s.description)")
                        Button(t("Obserwuj zgłoszenie nr \(s.id)", "Follow report no. \(s.id)")) {
                            Task { await flow.followInstead(s.id) }
                        }
                    }
                }
            } header: {
                Text(t("To może już być zgłoszone — obserwuj zamiast tego?", "This may already be reported — follow it instead?"))
                    .accessibilityAddTraits(.isHeader)
            }
        }
        if r.problem == nil {
            Button(t("Wyślij zgłoszenie", "Send the report")) { Task { await flow.submit() } }
                .buttonStyle(.borderedProminent)
                .disabled(flow.busy)
        }
    }
}
