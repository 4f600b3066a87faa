// "Zgłoszenia": a new report, the drafts to continue, my reports (states,
// history, replies, "popraw i wyślij", "wyślij ponownie", withdraw), the
// reports I follow, and the public reports near me. What a report's state
// is called and which actions it offers are the core's (`stateText`,
// `actions`). Not compiled in CI: `make test-swift` parses it and checks its
// calls into the bindings.
import MmCore
import SwiftUI

@MainActor
@Observable
final class ReportsModel {
    let core: MmCore
    let flow: ReportFlowModel
    var mine: [MyReport] = []
    var drafts: [ReportDraft] = []
    var followed: [Report] = []
    var near: [ReportSummary] = []
    var nearSearched = false
    /// The wizard is on screen (pushed from the list, a draft or "popraw").
    var showFlow = false
    var error: UserError?

    init(core: MmCore) {
        self.core = core
        flow = ReportFlowModel(core: core)
    }

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

    func reload() async {
        if let m = await run({ [core] in try core.myReports() }) { mine = m }
        if let d = await run({ [core] in try core.reportDrafts() }) { drafts = d }
        if let f = await run({ [core] in try core.followedReports() }) { followed = f }
    }

    /// Sends the outbox and fetches replies, then reloads.
    func refresh() async {
        do {
            _ = try await core.flushOutbox()
            _ = try await core.sync(pageSize: nil, listener: CoreEvents.shared)
        } catch {
            self.error = UserError(error)
        }
        await reload()
    }

    func newReport() {
        flow.startNew()
        showFlow = true
    }

    func resume(_ d: ReportDraft) async {
        await flow.resume(d)
        showFlow = true
    }

    func deleteDraft(_ id: String) async {
        _ = await run { [core] in try core.deleteReportDraft(id: id) }
        await reload()
    }

    /// "Popraw i wyślij": the refused report back in the wizard.
    func edit(_ localId: Int64) async {
        await flow.edit(failed: localId)
        showFlow = true
    }

    func retry(_ localId: Int64) async {
        _ = await run { [core] in try core.retryFailedReport(localId: localId) }
        _ = try? await core.flushOutbox()
        await reload()
    }

    func discard(_ localId: Int64) async {
        _ = await run { [core] in try core.discardFailedReport(localId: localId) }
        await reload()
    }

    /// Public reports within 500 m (the core filters and measures).
    func loadNear(_ fix: Fix) async {
        let point = GeoPoint(lat: fix.lat, lon: fix.lon)
        if let n = await run({ [core] in try core.reportsNear(point: point, radiusM: 500) }) { near = n }
        nearSearched = true
    }

    func follow(_ id: Int64, _ on: Bool) async {
        _ = await run { [core] in
            if on { try core.followReport(id: id) } else { try core.unfollowReport(id: id) }
        }
        await reload()
    }
}

struct ReportsHomeView: View {
    @Bindable var model: ReportsModel
    @State private var location = OneFix()

    var body: some View {
        List {
            ErrorLine(error: model.error)
            Section {
                Button(t("Zgłoś nowy problem", "Report a new problem")) { model.newReport() }
                    .font(.headline)
            }
            if !model.drafts.isEmpty {
                Section {
                    ForEach(model.drafts, id: \.id) { d in
                        Button { Task { await model.resume(d) } } label: {
                            VStack(alignment: .leading) {
                                Text(categoryName(d.category))
                                Text(d.description.isEmpty ? model.core.datetimeText(atMs: d.updatedAtMs) : d.description)
                                    .lineLimit(2).font(.subheadline).foregroundStyle(.secondary)
                            }
                            .accessibilityElement(children: .combine)
                        }
                        .swipeActions {
                            Button(t("Usuń", "Delete"), role: .destructive) { Task { await model.deleteDraft(d.id) } }
                        }
                        .accessibilityAction(named: t("Usuń szkic", "Delete the draft")) { Task { await model.deleteDraft(d.id) } }
                    }
                } header: { Text(t("Szkice", "Drafts")).accessibilityAddTraits(.isHeader) }
            }
            Section {
                if model.mine.isEmpty { Text(t("Nie masz jeszcze zgłoszeń.", "You have no reports yet.")).foregroundStyle(.secondary) }
                ForEach(model.mine, id: \.localId) { r in
                    NavigationLink(value: Route.myReport(r.localId)) {
                        VStack(alignment: .leading) {
                            Text(r.serverId.map { t("Zgłoszenie nr \($0)", "Report no. \($0)") } ?? categoryName(r.category))
                            Text(r.stateText).font(.subheadline).foregroundStyle(.secondary)
                        }
                        .accessibilityElement(children: .combine)
                    }
                }
            } header: { Text(t("Moje zgłoszenia", "My reports")).accessibilityAddTraits(.isHeader) }
            Section {
                if model.followed.isEmpty { Text(t("Nie obserwujesz żadnego zgłoszenia.", "You follow no report.")).foregroundStyle(.secondary) }
                ForEach(model.followed, id: \.id) { r in
                    NavigationLink(value: Route.report(r.id)) { ReportLine(core: model.core, status: r.status, description: r.description, distance: nil) }
                }
            } header: { Text(t("Obserwowane", "Followed")).accessibilityAddTraits(.isHeader) }
            Section {
                Button(t("Pokaż zgłoszenia w pobliżu", "Show reports near me")) { location.request() }
                if location.denied {
                    Text(t("Bez zgody na lokalizację nie wiemy, co jest w pobliżu.", "Without location permission we cannot tell what is near."))
                }
                if model.nearSearched && model.near.isEmpty {
                    Text(t("W pobliżu nie ma zgłoszeń.", "No reports near you.")).foregroundStyle(.secondary)
                }
                ForEach(model.near, id: \.id) { r in
                    NavigationLink(value: Route.report(r.id)) {
                        ReportLine(core: model.core, status: r.status, description: r.description, distance: r.distanceM)
                    }
                }
            } header: { Text(t("W pobliżu", "Near me")).accessibilityAddTraits(.isHeader) }
        }
        .navigationTitle(t("Zgłoszenia", "Reports"))
        .navigationDestination(for: Route.self) { RouteDestination(route: $0) }
        .navigationDestination(isPresented: $model.showFlow) { ReportFlowView(flow: model.flow) }
        .refreshable { await model.refresh() }
        .task { await model.reload() }
        .onChange(of: model.showFlow) { _, shown in
            if !shown { Task { await model.reload() } }
        }
        .onChange(of: location.fix) { _, fix in
            if let fix { Task { await model.loadNear(fix) } }
        }
    }

    private func categoryName(_ id: String) -> String {
        let c = model.flow.categories.first { $0.id == id }
        return c.map { Launch.english ? $0.nameEn : $0.namePl } ?? id
    }
}

/// A public report in one line: its status in the core's words, the distance in the core's format.
struct ReportLine: View {
    let core: MmCore
    let status: ReportStatus
    let description: String
    let distance: Double?

    var body: some View {
        VStack(alignment: .leading) {
            Text(description).lineLimit(2)
            Text(reportStatusLabel(status: status, english: Launch.english)
                 + (distance.map { " · " + core.formatDistance(metres: $0) } ?? ""))
                .font(.subheadline).foregroundStyle(.secondary)
        }
        .accessibilityElement(children: .combine)
    }
}

/// One of my reports: its state, the server's refusal, history with replies, and its actions.
struct MyReportView: View {
    @Environment(ReportsModel.self) private var model
    let localId: Int64
    @State private var report: MyReport?
    @State private var error: UserError?

    var body: some View {
        List {
            ErrorLine(error: error)
            if let r = report {
                Section {
                    Text(r.stateText).font(.headline)
                    Text(r.description)
                    if let address = r.address { Text(address) }
                    if let e = r.error { Text(Launch.english ? e.messageEn : e.messagePl).foregroundStyle(.red) }
                    if let ref = r.report?.caseReference { Text(t("Znak sprawy: \(ref)", "Case reference: \(ref)")) }
                }
                Section {
                    ForEach(Array((r.report?.history ?? []).reversed().enumerated()), id: \.offset) { _, h in
                        VStack(alignment: .leading) {
                            Text("\(reportStatusLabel(status: h.status, english: Launch.english)) · \(model.core.datetimeText(atMs: h.atMs))")
                            if let reply = h.publicReply { Text(reply).foregroundStyle(.secondary) }
                        }
                        .accessibilityElement(children: .combine)
                    }
                } header: { Text(t("Historia", "History")).accessibilityAddTraits(.isHeader) }
                Section {
                    if r.actions.canEdit {
                        Button(t("Popraw i wyślij ponownie", "Fix and send again")) { Task { await model.edit(r.localId) } }
                    }
                    if r.actions.canRetry {
                        Button(t("Wyślij ponownie", "Send again")) { Task { await model.retry(r.localId); await load() } }
                    }
                    if r.actions.canDiscard {
                        Button(t("Wycofaj zgłoszenie", "Withdraw the report"), role: .destructive) {
                            Task { await model.discard(r.localId); await load() }
                        }
                    }
                }
            }
        }
        .navigationTitle(report?.serverId.map { t("Zgłoszenie nr \($0)", "Report no. \($0)") } ?? t("Zgłoszenie", "Report"))
        .refreshable { await model.refresh(); await load() }
        .task { await load() }
    }

    private func load() async {
        let core = model.core
        let id = localId
        do { report = try await offMain { try core.myReport(localId: id) } } catch { self.error = UserError(error) }
    }
}

/// A public report (followed, or near me): status, history with the
/// gmina's replies, follow or unfollow.
struct PublicReportView: View {
    @Environment(AppModel.self) private var app
    let id: Int64
    @State private var detail: ReportDetail?
    @State private var error: UserError?

    var body: some View {
        List {
            ErrorLine(error: error)
            if let d = detail {
                Section {
                    Text(d.category.map { Launch.english ? $0.nameEn : $0.namePl } ?? d.report.category).font(.headline)
                    Text(reportStatusLabel(status: d.report.status, english: Launch.english))
                    Text(d.report.description)
                    if let address = d.report.address { Text(address) }
                    Text(t("Obserwujący: \(d.report.followers)", "Followers: \(d.report.followers)"))
                }
                Section {
                    ForEach(Array(d.report.history.reversed().enumerated()), id: \.offset) { _, h in
                        VStack(alignment: .leading) {
                            Text("\(reportStatusLabel(status: h.status, english: Launch.english)) · \(app.core.datetimeText(atMs: h.atMs))")
                            if let reply = h.publicReply { Text(reply).foregroundStyle(.secondary) }
                        }
                        .accessibilityElement(children: .combine)
                    }
                } header: { Text(t("Historia", "History")).accessibilityAddTraits(.isHeader) }
                Button(d.followed ? t("Przestań obserwować", "Unfollow") : t("Obserwuj", "Follow")) {
                    Task { await follow(!d.followed) }
                }
            }
        }
        .navigationTitle(t("Zgłoszenie nr \(id)", "Report no. \(id)"))
        .task { await load() }
    }

    private func load() async {
        let core = app.core
        let id = self.id
        do { detail = try await offMain { try core.reportDetail(id: id) } } catch { self.error = UserError(error) }
    }

    private func follow(_ on: Bool) async {
        let core = app.core
        let id = self.id
        do {
            try await offMain {
                if on { try core.followReport(id: id) } else { try core.unfollowReport(id: id) }
            }
        } catch {
            self.error = UserError(error)
        }
        await load()
    }
}
