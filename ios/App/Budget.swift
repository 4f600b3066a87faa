// "Budżet obywatelski" (issue 15), mirroring Android's BudgetActivity,
// BudgetProjectActivity, BallotActivity and BudgetResultsActivity with their
// state holders (android/core/…/state/Budget.kt): the editions, an edition's
// pools and projects, one project added to the ballot from its page, the
// ballot with the edition's rule enforced by the core at every pick (a pick
// it refuses stays off and its reason is shown and announced; a cumulative
// edition's points by a stepper per project), the projects on a map in the
// edition and results screens (BudgetMap.swift), the core's
// review, the identity form with the fields the edition asks for, the SMS
// code, the declaration of residence, the vote cast (or queued while offline,
// sent later) with its receipt code, and the published results with the
// count step by step; the resident's writes (propose a project in the
// submission phase, sign one, appeal my rejected one, my writes with their
// state), mirroring BudgetProposalActivity and BudgetWrites.kt, offered
// only when the core says so. Every phase, rule, hint, amount, status and refusal is
// the core's. What is typed into the identity form is personal: never
// logged, and dropped once the vote is taken. Not compiled in CI (no Swift
// toolchain on Linux): `make test-swift` parses it and checks its calls into
// the bindings.
import Foundation
import MmCore
import PhotosUI
import SwiftUI

/// One edition, and the projects of the pool chosen (nil: all pools).
@MainActor
@Observable
final class BudgetEditionModel {
    let core: MmCore
    let editionId: Int64
    var edition: BudgetEdition?
    var pool: Int64?
    var projects: [BudgetProject] = []
    /// My proposals, signatures and appeals in this edition, with the core's state texts.
    var writes: [BudgetWrite] = []
    var error: UserError?

    init(core: MmCore, editionId: Int64) {
        self.core = core
        self.editionId = editionId
    }

    func load() async {
        let id = editionId
        let pool = self.pool
        do {
            edition = try await offMain { [core] in try core.budgetEdition(id: id) }
            projects = try await offMain { [core] in try core.budgetProjects(edition: id, pool: pool) }.projects
            writes = (try? await offMain { [core] in try core.budgetWrites(edition: id) }) ?? writes
            error = nil
        } catch {
            self.error = UserError(error)
        }
    }

    func choosePool(_ pool: Int64?) async {
        self.pool = pool
        await load()
    }
}

/// One project, adding it to the ballot from its page, signing it, appealing its rejection.
@MainActor
@Observable
final class BudgetProjectModel {
    let core: MmCore
    let projectId: Int64
    var project: BudgetProject?
    /// Its edition: whether voting is open (the core's answer).
    var edition: BudgetEdition?
    var error: UserError?
    /// The last pick was refused: the core's reason.
    var pickError: UserError?
    /// "Poprzyj projekt" pressed: the identity form shows.
    var signing = false
    var form = IdentityForm()
    var localities: [Locality] = []
    var residenceDeclared = false
    /// A signature or an appeal is on its way to the core.
    var sending = false
    /// The signature was refused (a field to fix, already signed…): the core's words, the form as typed.
    var signError: UserError?
    /// What became of my signature: its state, the signatures the project has now.
    var signed: BudgetWrite?
    var appealText = ""
    /// The appeal was refused: the core's words, the text kept.
    var appealError: UserError?
    var appealed: BudgetWrite?

    init(core: MmCore, projectId: Int64) {
        self.core = core
        self.projectId = projectId
    }

    func load() async {
        let id = projectId
        do {
            let p = try await offMain { [core] in try core.budgetProject(id: id) }
            project = p
            let editionId = p.edition
            edition = try await offMain { [core] in try core.budgetEdition(id: editionId) }
            error = nil
            // My signature and appeal of this project, as the core keeps them.
            if let writes = try? await offMain({ [core] in try core.budgetWrites(edition: editionId) }) {
                signed = writes.first { $0.kind == .signature && $0.project == id } ?? signed
                appealed = writes.first { $0.kind == .appeal && $0.project == id } ?? appealed
            }
        } catch {
            self.error = UserError(error)
        }
    }

    /// "Poprzyj projekt": the identity form, with the gmina's localities for an address.
    func startSigning(_ on: Bool = true) async {
        signing = on
        signError = nil
        if on && localities.isEmpty {
            localities = (try? await offMain { [core] in try core.localities() }) ?? []
        }
    }

    /// "Podpisz": the core checks the identity as the edition asks and queues
    /// the signature (sent at once online). Taken: what was typed is forgotten
    /// and the project read again (the offer goes). Refused: the core's words.
    func sign() async {
        guard let e = edition, !sending else { return }
        sending = true
        signError = nil
        do {
            signed = try await core.budgetSign(project: projectId,
                                               identity: form.identity(e.identity, smsRequired: e.smsRequired),
                                               sms: nil, residenceDeclared: residenceDeclared)
            form = IdentityForm()
            residenceDeclared = false
            signing = false
            sending = false
            await load()
        } catch {
            signError = UserError(error)
            sending = false
        }
    }

    /// "Wyślij odwołanie": taken, the text is emptied and the project read again; refused, it stays.
    func appeal() async {
        guard !sending else { return }
        sending = true
        appealError = nil
        let text = appealText
        do {
            appealed = try await core.budgetAppeal(project: projectId, text: text)
            appealText = ""
            sending = false
            await load()
        } catch {
            appealError = UserError(error)
            sending = false
        }
    }

    func toggle() async {
        guard let p = project else { return }
        let editionId = p.edition
        let id = projectId
        do {
            _ = try await offMain { [core] in try core.budgetToggle(edition: editionId, project: id) }
            pickError = nil
        } catch {
            pickError = UserError(error)
        }
        await load()
    }
}

/// A project's points on a cumulative ballot as the bindings carry them
/// (Swift's `UInt16`; named here, as it is not in tests/swift-check's platform names).
typealias BallotPoints = UInt16

/// The vote: the draft, the review, the identity and SMS step, the cast, my ballot.
@MainActor
@Observable
final class BallotModel {
    let core: MmCore
    let editionId: Int64
    var ballot: BallotScreen?
    /// The edition's projects (each says whether the draft has it).
    var projects: [BudgetProject] = []
    var localities: [Locality] = []
    var error: UserError?
    /// The last pick was refused (over the limit, another area pool…): the core's reason.
    var pickError: UserError?
    var review: BallotReview?
    var form = IdentityForm()
    var smsRequestId: String?
    var smsCode = ""
    var requestingSms = false
    var smsError: UserError?
    var residenceDeclared = false
    var casting = false
    /// The cast was refused: the core's words (a field to fix, the code, already voted…).
    var castError: UserError?
    /// Queued, cast with its receipt, or refused.
    var myBallot: MyBallotState?
    /// Asking the server about my ballot failed (offline: what is known still shows).
    var checkError: UserError?
    /// "Zmień głos": the draft and the form again, saved as a change.
    var changing = false
    /// A receipt code typed to find a ballot cast on another phone.
    var receiptCode = ""

    init(core: MmCore, editionId: Int64) {
        self.core = core
        self.editionId = editionId
    }

    /// A vote was taken (cast, or queued to be sent): my ballot shows instead
    /// of the draft and the form. Refused: they show again, to fix and retry.
    var voteTaken: Bool {
        guard !changing, let state = myBallot?.state else { return false }
        switch state {
        case .cast, .queued: return true
        case .refused: return false
        }
    }

    func load() async {
        let id = editionId
        do {
            ballot = try await offMain { [core] in try core.budgetBallot(edition: id) }
            projects = try await offMain { [core] in try core.budgetProjects(edition: id, pool: nil) }.projects
            localities = (try? await offMain { [core] in try core.localities() }) ?? []
            myBallot = try await offMain { [core] in try core.budgetMyBallot(edition: id) }
            error = nil
        } catch {
            self.error = UserError(error)
        }
    }

    /// Adds or removes a project; a pick the rule refuses leaves the draft and says why.
    func toggle(_ project: Int64) async {
        let id = editionId
        do {
            ballot = try await offMain { [core] in try core.budgetToggle(edition: id, project: project) }
            pickError = nil
        } catch {
            pickError = UserError(error)
        }
        review = nil
        projects = (try? await offMain { [core] in try core.budgetProjects(edition: id, pool: nil) }.projects) ?? projects
    }

    /// Cumulative editions: `points` to a project (0 takes it off); points the
    /// rule refuses (over the project's maximum, over the pool's) leave the draft and say why.
    func setPoints(_ project: Int64, _ points: BallotPoints) async {
        let id = editionId
        do {
            ballot = try await offMain { [core] in try core.budgetSetPoints(edition: id, project: project, points: points) }
            pickError = nil
        } catch {
            pickError = UserError(error)
        }
        review = nil
        projects = (try? await offMain { [core] in try core.budgetProjects(edition: id, pool: nil) }.projects) ?? projects
    }

    func clear() async {
        let id = editionId
        do {
            ballot = try await offMain { [core] in try core.budgetClear(edition: id, pool: nil) }
            pickError = nil
        } catch {
            pickError = UserError(error)
        }
        review = nil
        projects = (try? await offMain { [core] in try core.budgetProjects(edition: id, pool: nil) }.projects) ?? projects
    }

    /// "Dalej": the core's review of the draft.
    func checkBallot() async {
        let id = editionId
        do {
            review = try await offMain { [core] in try core.budgetReview(edition: id) }
            pickError = nil
        } catch {
            pickError = UserError(error)
        }
    }

    /// "Wyślij kod SMS": the core checks the identity and the phone, the server texts the code.
    func requestSms() async {
        guard let screen = ballot, !requestingSms else { return }
        requestingSms = true
        smsError = nil
        do {
            let issued = try await core.budgetRequestSms(edition: editionId,
                                                         identity: form.identity(screen.identity, smsRequired: true),
                                                         phone: form.phone)
            smsRequestId = issued.requestId
        } catch {
            smsError = UserError(error)
        }
        requestingSms = false
    }

    /// "Oddaj głos": checked by the core, queued, sent at once when online.
    func cast() async {
        guard let screen = ballot, !casting else { return }
        casting = true
        castError = nil
        let proof = smsRequestId.map { BudgetSmsProof(requestId: $0, code: smsCode) }
        do {
            myBallot = try await core.budgetCast(edition: editionId,
                                                 identity: form.identity(screen.identity, smsRequired: screen.smsRequired),
                                                 sms: proof, residenceDeclared: residenceDeclared)
            // Cast or queued: nothing typed is kept.
            form = IdentityForm()
            smsRequestId = nil
            smsCode = ""
            await load()
            await checkMyBallot()
        } catch {
            castError = UserError(error)
            let id = editionId
            myBallot = try? await offMain { [core] in try core.budgetMyBallot(edition: id) }
        }
        casting = false
    }

    /// The server's word on my ballot (this phone's, or the one `code` names):
    /// the receipt, the choices as counted, whether it may still be changed.
    func checkMyBallot(_ code: String? = nil) async {
        let id = editionId
        let typed = code.flatMap { $0.isEmpty ? nil : $0 }
        do {
            let answer = try await core.budgetCheckMyBallot(edition: id, receiptCode: typed)
            myBallot = answer
            checkError = nil
        } catch {
            checkError = UserError(error)
            myBallot = try? await offMain { [core] in try core.budgetMyBallot(edition: id) }
        }
    }

    /// Saves the draft's choices as the new ballot (the same voter; the core
    /// checks the rule and whether a change is allowed).
    func changeBallot() async {
        guard let screen = ballot, !casting else { return }
        casting = true
        castError = nil
        do {
            myBallot = try await core.budgetChangeBallot(edition: editionId,
                                                         identity: form.identity(screen.identity, smsRequired: false),
                                                         receiptCode: nil)
            changing = false
            form = IdentityForm()
            await checkMyBallot()
        } catch {
            castError = UserError(error)
        }
        casting = false
    }

    /// A queued ballot: sync (sends the outbox; once the server answers,
    /// what waited only for the network goes at once), then what became of it.
    func sendQueued() async {
        _ = try? await core.sync(pageSize: nil, listener: nil)
        let id = editionId
        myBallot = try? await offMain { [core] in try core.budgetMyBallot(edition: id) }
    }
}

// MARK: - Views

/// The editions, each with its phase in the core's words: the stored copy, then a refresh.
struct BudgetView: View {
    let core: MmCore

    var body: some View {
        Loaded(read: { [core] in try core.budgetEditions() }, refresh: { [core] in try await core.budgetRefresh() }) { list in
            EditionsSection(list: list)
        }
        .navigationTitle(t("Budżet obywatelski", "Participatory budget"))
    }
}

struct EditionsSection: View {
    let list: BudgetEditions

    var body: some View {
        Section {
            Text(list.fetchedText).font(.subheadline).foregroundStyle(.secondary)
            if list.editions.isEmpty {
                Text(t("Brak edycji budżetu obywatelskiego.", "No participatory budget editions."))
            }
            ForEach(list.editions, id: \.id) { e in
                NavigationLink(value: Route.budgetEdition(e.id)) {
                    VStack(alignment: .leading) {
                        Text(e.title).font(.headline)
                        Text(e.phaseText).font(.subheadline)
                    }
                    .accessibilityElement(children: .combine)
                }
            }
        } header: {
            Text(t("Edycje", "Editions")).accessibilityAddTraits(.isHeader)
        }
    }
}

/// One edition: its phase and rule, "Głosuj" and "Wyniki" as the core says, pools narrowing the projects.
struct BudgetEditionView: View {
    @State private var model: BudgetEditionModel

    init(core: MmCore, id: Int64) { _model = State(initialValue: BudgetEditionModel(core: core, editionId: id)) }

    var body: some View {
        List {
            ErrorLine(error: model.error)
            if let e = model.edition {
                Section {
                    Text(e.phaseText)
                    Text(e.ruleText).font(.subheadline).foregroundStyle(.secondary)
                    if e.votingOpen {
                        NavigationLink(t("Głosuj", "Vote"), value: Route.ballot(e.id))
                    }
                    if e.resultsPublished {
                        NavigationLink(t("Wyniki", "Results"), value: Route.budgetResults(e.id))
                    }
                    // The submission phase is the core's answer for the edition.
                    if e.submissionOpen {
                        NavigationLink(t("Zgłoś projekt", "Propose a project")) {
                            BudgetProposalView(core: model.core, edition: e)
                        }
                    }
                }
                if !model.writes.isEmpty {
                    Section {
                        ForEach(model.writes, id: \.id) { w in BudgetWriteRow(w: w) }
                    } header: {
                        Text(t("Moje zgłoszenia, podpisy i odwołania", "My proposals, signatures and appeals"))
                            .accessibilityAddTraits(.isHeader)
                    }
                }
                Section {
                    Picker(t("Pula", "Pool"), selection: Binding(get: { model.pool }, set: { p in
                        Task { await model.choosePool(p) }
                    })) {
                        Text(t("Wszystkie pule", "All pools")).tag(Int64?.none)
                        ForEach(e.pools, id: \.id) { p in
                            Text("\(p.name) · \(p.kindText) · \(p.amountText)").tag(Int64?.some(p.id))
                        }
                    }
                } header: {
                    Text(t("Pule", "Pools")).accessibilityAddTraits(.isHeader)
                }
                let pins = ProjectPin.of(model.projects)
                if !pins.isEmpty {
                    Section {
                        ProjectsMap(pins: pins, summary: t("Mapa projektów: \(pins.count). Wybierz projekt z listy poniżej.",
                                                           "Map of the projects: \(pins.count). Pick a project from the list below."))
                    } header: {
                        Text(t("Projekty na mapie", "Projects on the map")).accessibilityAddTraits(.isHeader)
                    }
                }
                Section {
                    ForEach(model.projects, id: \.id) { p in
                        NavigationLink(value: Route.budgetProject(p.id)) { BudgetProjectRow(p: p) }
                    }
                } header: {
                    Text(t("Projekty", "Projects")).accessibilityAddTraits(.isHeader)
                }
            }
        }
        .navigationTitle(model.edition?.title ?? t("Budżet obywatelski", "Participatory budget"))
        // Back from a project or the ballot (a pick made there): chosen or not, again.
        .task { await model.load() }
    }
}

/// A project as a row read as one sentence: number, title, pool, cost, status, on my ballot.
struct BudgetProjectRow: View {
    let p: BudgetProject

    var body: some View {
        VStack(alignment: .leading) {
            Text([p.number.map { "\($0)." }, p.title].compactMap { $0 }.joined(separator: " "))
            Text([p.poolName, p.costText, p.statusText, p.chosen ? t("Na mojej karcie do głosowania.", "On my ballot.") : nil]
                .compactMap { $0 }.joined(separator: " · "))
                .font(.subheadline).foregroundStyle(.secondary)
        }
        .accessibilityElement(children: .combine)
    }
}

/// One project: its words, "Dodaj do karty" / "Usuń z karty" while voting is open,
/// "Poprzyj projekt" and "Odwołaj się" when the core offers them.
struct BudgetProjectView: View {
    @State private var model: BudgetProjectModel

    init(core: MmCore, id: Int64) { _model = State(initialValue: BudgetProjectModel(core: core, projectId: id)) }

    var body: some View {
        List {
            ErrorLine(error: model.error)
            if let p = model.project {
                Section {
                    if let n = p.number { Text(t("Projekt nr \(n)", "Project no. \(n)")) }
                    LabeledContent(t("Pula", "Pool"), value: p.poolName)
                    LabeledContent(t("Koszt", "Cost"), value: p.costText)
                    Text(p.statusText)
                    if let reason = p.rejectionReason {
                        LabeledContent(t("Powód odrzucenia", "Reason for rejection"), value: reason)
                    }
                    if let category = p.category { LabeledContent(t("Kategoria", "Category"), value: category) }
                    Text(p.description)
                    // The photos the core keeps on the device (fetched at the budget's refresh).
                    ForEach(Array(p.photoPaths.enumerated()), id: \.element) { index, path in
                        if let img = UIImage(contentsOfFile: path)?.preparingThumbnail(of: CGSize(width: 1200, height: 900)) {
                            Image(uiImage: img).resizable().scaledToFit().frame(maxHeight: 240)
                                .accessibilityLabel(t("Zdjęcie \(index + 1) projektu „\(p.title)”",
                                                      "Photo \(index + 1) of the project “\(p.title)”"))
                        }
                    }
                }
                if let place = p.location {
                    Section {
                        ProjectsMap(pins: [ProjectPin(id: p.id, title: p.title, location: place, filled: true)],
                                    summary: t("Mapa: miejsce projektu „\(p.title)”.", "Map: the place of “\(p.title)”."))
                    } header: {
                        Text(t("Miejsce realizacji", "Where it would be")).accessibilityAddTraits(.isHeader)
                    }
                }
                if model.edition?.votingOpen == true {
                    Section {
                        if p.chosen { Text(t("Na mojej karcie do głosowania.", "On my ballot.")) }
                        ErrorLine(error: model.pickError)
                        Button(p.chosen ? t("Usuń z karty", "Remove from the ballot") : t("Dodaj do karty", "Add to the ballot")) {
                            Task { await model.toggle() }
                        }
                        NavigationLink(t("Głosuj", "Vote"), value: Route.ballot(p.edition))
                    }
                }
                SignatureSection(model: model, project: p)
                AppealSection(model: model, project: p)
            }
        }
        .navigationTitle(model.project?.title ?? "")
        .task { await model.load() }
        .onChange(of: model.signed?.stateText) { _, now in
            // VoiceOver hears what became of the signature, and the count.
            if let now, let w = model.signed {
                AccessibilityNotification.Announcement([now, signatureCount(w)].compactMap { $0 }.joined(separator: ". ")).post()
            }
        }
        .onChange(of: model.appealed?.stateText) { _, now in
            if let now { AccessibilityNotification.Announcement(now).post() }
        }
    }
}

/// My signature's state once given; else, while the core offers it (`canSign`),
/// "Poprzyj projekt" and the identity form the edition asks for.
struct SignatureSection: View {
    @Bindable var model: BudgetProjectModel
    let project: BudgetProject

    var body: some View {
        if let w = model.signed {
            Section {
                Text(w.stateText)
                if let count = signatureCount(w) { Text(count) }
                if let why = w.errorText { Text(why) }
            } header: {
                Text(t("Mój podpis poparcia", "My support signature")).accessibilityAddTraits(.isHeader)
            }
        }
        if let e = model.edition, project.canSign {
            if model.signing {
                Section {
                    Text(t("Podpis poparcia: projekt trafi na kartę do głosowania, gdy zbierze wymaganą liczbę podpisów. Dane nie są zapisywane w telefonie po wysłaniu.",
                           "A support signature: the project goes on the ballot once it has the signatures it needs. Your details are not kept on the phone once sent."))
                        .font(.subheadline).foregroundStyle(.secondary)
                    IdentityFields(form: $model.form, mode: e.identity, localities: model.localities)
                    if e.residenceRequired { ResidenceToggle(declared: $model.residenceDeclared) }
                    ErrorLine(error: model.signError)
                    Button(model.sending ? t("Wysyłanie…", "Sending…") : t("Podpisz", "Sign")) {
                        Task { await model.sign() }
                    }
                    .disabled(model.sending)
                    .accessibilityLabel(model.sending ? t("Wysyłanie…", "Sending…")
                                                      : t("Podpisz: \(project.title)", "Sign: \(project.title)"))
                    Button(t("Anuluj", "Cancel")) { Task { await model.startSigning(false) } }
                        .accessibilityLabel(t("Anuluj podpis", "Cancel the signature"))
                } header: {
                    Text(t("Poprzyj projekt", "Support the project")).accessibilityAddTraits(.isHeader)
                }
            } else {
                Section {
                    Button(t("Poprzyj projekt", "Support the project")) { Task { await model.startSigning() } }
                        .accessibilityLabel(t("Poprzyj projekt: \(project.title)", "Support the project: \(project.title)"))
                }
            }
        }
    }
}

/// My appeal's state once sent; else, for my rejected project (`canAppeal`),
/// the appeal's text and "Wyślij odwołanie".
struct AppealSection: View {
    @Bindable var model: BudgetProjectModel
    let project: BudgetProject

    var body: some View {
        if let w = model.appealed {
            Section {
                Text(w.stateText)
                if let why = w.errorText { Text(why) }
            } header: {
                Text(t("Moje odwołanie", "My appeal")).accessibilityAddTraits(.isHeader)
            }
        }
        if project.canAppeal {
            Section {
                TextField(t("Treść odwołania", "Your appeal"), text: $model.appealText, axis: .vertical)
                    .lineLimit(4...12)
                    .accessibilityLabel(t("Treść odwołania", "Your appeal"))
                ErrorLine(error: model.appealError)
                Button(model.sending ? t("Wysyłanie…", "Sending…") : t("Wyślij odwołanie", "Send the appeal")) {
                    Task { await model.appeal() }
                }
                .disabled(model.sending)
                .accessibilityLabel(model.sending ? t("Wysyłanie…", "Sending…")
                                                  : t("Wyślij odwołanie: \(project.title)", "Send the appeal: \(project.title)"))
            } header: {
                Text(t("Odwołaj się", "Appeal")).accessibilityAddTraits(.isHeader)
            }
        }
    }
}

/// The ballot: per pool the rule's state and the projects as toggles showing the
/// core's draft; the review; the identity form; the cast; my ballot.
struct BallotView: View {
    @State private var model: BallotModel

    init(core: MmCore, id: Int64) { _model = State(initialValue: BallotModel(core: core, editionId: id)) }

    var body: some View {
        Form {
            ErrorLine(error: model.error)
            if let mine = model.myBallot { MyBallotSection(mine: mine, model: model) }
            if let screen = model.ballot, !model.voteTaken {
                BallotDraft(model: model, screen: screen)
                if let review = model.review {
                    Section {
                        ForEach(review.problems, id: \.text) { Text($0.text) }
                        if review.ok {
                            Text(t("Karta jest poprawna. Podaj swoje dane, aby oddać głos.",
                                   "The ballot is valid. Enter your details to vote."))
                        }
                    }
                    if review.ok { IdentitySection(model: model, screen: screen) }
                }
            }
            if model.myBallot == nil {
                Section {
                    TextField(t("Kod potwierdzenia głosu", "The vote's receipt code"), text: $model.receiptCode)
                        .textInputAutocapitalization(.characters)
                    Button(t("Sprawdź głos", "Check the vote")) { Task { await model.checkMyBallot(model.receiptCode) } }
                } header: {
                    Text(t("Głos oddany na innym telefonie?", "Voted on another phone?")).accessibilityAddTraits(.isHeader)
                }
            }
        }
        .navigationTitle(t("Karta do głosowania", "Ballot"))
        .task {
            await model.load()
            await model.checkMyBallot()
        }
        .onChange(of: model.pickError) { _, error in
            // The refusal is announced at once, as Android's live region does.
            if let error { AccessibilityNotification.Announcement(error.message).post() }
        }
    }
}

struct MyBallotSection: View {
    let mine: MyBallotState
    let model: BallotModel

    var body: some View {
        Section {
            Text(mine.stateText)
            if let at = mine.castText { Text(at).font(.subheadline).foregroundStyle(.secondary) }
            if let at = mine.changedText {
                Text(t("Zmieniony: \(at)", "Changed: \(at)")).font(.subheadline).foregroundStyle(.secondary)
            }
            if let change = mine.change {
                Text("\(change.kindText): \(change.stateText)")
                if let why = change.errorText { Text(why) }
            }
            ErrorLine(error: model.checkError)
            if let code = mine.receiptCode {
                LabeledContent(t("Kod potwierdzenia", "Receipt code"), value: code)
                Text(t("Zachowaj ten kod: pozwala sprawdzić, że Twój głos został policzony.",
                       "Keep this code: it lets you check that your vote was counted."))
                    .font(.subheadline).foregroundStyle(.secondary)
            }
            ForEach(mine.choices, id: \.project) { c in
                Text([c.number.map { "\($0)." }, c.title, "(\(c.costText))"].compactMap { $0 }.joined(separator: " "))
            }
            if let why = mine.errorText { Text(why) }
            if mine.state == .queued {
                Button(t("Wyślij teraz", "Send now")) { Task { await model.sendQueued() } }
            }
            // The server says whether it may be changed (the edition allows it, voting open).
            if mine.mayChange && !model.changing {
                Button(t("Zmień głos", "Change the vote")) { model.changing = true; model.review = nil }
            }
            if model.changing {
                Button(t("Nie zmieniaj głosu", "Keep the vote as it is")) { model.changing = false }
            }
        } header: {
            Text(t("Mój głos", "My vote")).accessibilityAddTraits(.isHeader)
        }
    }
}

struct BallotDraft: View {
    let model: BallotModel
    let screen: BallotScreen

    var body: some View {
        Section {
            Text(screen.ruleText)
            Text(t("Wybrane projekty: \(screen.chosen)", "Projects chosen: \(screen.chosen)"))
            ErrorLine(error: model.pickError)
        }
        ForEach(screen.pools, id: \.pool) { pool in
            Section {
                Text(pool.amountText).font(.subheadline).foregroundStyle(.secondary)
                Text(pool.hintText)
                if let left = pool.remainingText { LabeledContent(t("Zostało w puli", "Left in the pool"), value: left) }
                if let points = pool.remainingPoints {
                    LabeledContent(t("Punkty do rozdania", "Points left"), value: "\(points)")
                }
                ForEach(model.projects.filter { $0.pool == pool.pool }, id: \.id) { p in
                    let label = [p.number.map { "\($0)." }, p.title, "(\(p.costText))"].compactMap { $0 }.joined(separator: " ")
                    if pool.remainingPoints != nil {
                        // Cumulative (the core gives points left only then): points per project.
                        PointsStepper(label: label, points: pool.chosen.first { $0.project == p.id }?.points ?? 0) { points in
                            Task { await model.setPoints(p.id, points) }
                        }
                    } else {
                        // The toggle shows the core's draft: a tap asks the core, its answer redraws it.
                        Toggle(isOn: Binding(get: { p.chosen }, set: { _ in Task { await model.toggle(p.id) } })) {
                            Text(label)
                        }
                    }
                }
            } header: {
                Text(pool.name).accessibilityAddTraits(.isHeader)
            }
        }
        Section {
            if screen.chosen > 0 {
                Button(t("Wyczyść kartę", "Clear the ballot"), role: .destructive) { Task { await model.clear() } }
            }
            Button(t("Dalej: sprawdź kartę", "Next: check the ballot")) { Task { await model.checkBallot() } }
        }
    }
}

/// A project's points on a cumulative ballot: − and + ask the core for one
/// point less or more; the value shown is the core's draft (a refused step
/// leaves it and the refusal is announced). VoiceOver reads the project, then
/// its points, and adjusts them by swiping up and down.
struct PointsStepper: View {
    let label: String
    let points: BallotPoints
    let change: (BallotPoints) -> Void

    var body: some View {
        Stepper {
            VStack(alignment: .leading) {
                Text(label)
                Text(t("Punkty: \(points)", "Points: \(points)")).font(.subheadline).foregroundStyle(.secondary)
            }
        } onIncrement: {
            if points < BallotPoints.max { change(points + 1) }
        } onDecrement: {
            if points > 0 { change(points - 1) }
        }
        .accessibilityElement(children: .ignore)
        .accessibilityLabel(label)
        .accessibilityValue(t("Punkty: \(points)", "Points: \(points)"))
        .accessibilityAdjustableAction { direction in
            switch direction {
            case .increment: if points < BallotPoints.max { change(points + 1) }
            case .decrement: if points > 0 { change(points - 1) }
            @unknown default: break
            }
        }
    }
}

/// The fields the edition asks for, the SMS code, the declaration, "Oddaj głos".
struct IdentitySection: View {
    @Bindable var model: BallotModel
    let screen: BallotScreen

    var body: some View {
        Section {
            Text(t("Dane służą tylko do sprawdzenia, że głosujesz raz. Nie są zapisywane w telefonie po wysłaniu głosu.",
                   "Your details only prove that you vote once. They are not kept on the phone once the vote is sent."))
                .font(.subheadline).foregroundStyle(.secondary)
            IdentityFields(form: $model.form, mode: screen.identity, localities: model.localities)
        } header: {
            Text(t("Twoje dane", "Your details")).accessibilityAddTraits(.isHeader)
        }
        if model.changing {
            // A change is the same voter's: names and address (or PESEL) only, no new code nor declaration.
            Section {
                ErrorLine(error: model.castError)
                Button(model.casting ? t("Wysyłanie głosu…", "Sending the vote…") : t("Zapisz zmianę głosu", "Save the change")) {
                    Task { await model.changeBallot() }
                }
                .disabled(model.casting)
            }
        } else {
            VoteSection(model: model, screen: screen)
        }
    }
}

/// The SMS code, the declaration and "Oddaj głos" of a first cast.
struct VoteSection: View {
    @Bindable var model: BallotModel
    let screen: BallotScreen

    var body: some View {
        if screen.smsRequired {
            Section {
                SmsCodeFields(phone: $model.form.phone, code: $model.smsCode, sent: model.smsRequestId != nil,
                              sending: model.requestingSms, error: model.smsError) {
                    Task { await model.requestSms() }
                }
            }
        }
        Section {
            if screen.residenceRequired { ResidenceToggle(declared: $model.residenceDeclared) }
            ErrorLine(error: model.castError)
            Button(model.casting ? t("Wysyłanie głosu…", "Sending the vote…") : t("Oddaj głos", "Cast the vote")) {
                Task { await model.cast() }
            }
            .disabled(model.casting)
        }
    }
}

/// Published results per pool: ballots, amounts, the projects (selected first), the count's trace.
struct BudgetResultsView: View {
    let core: MmCore
    let id: Int64

    var body: some View {
        Loaded(read: { [core, id] in
            // The edition's projects too, for their places on the map (none stored: no map).
            ResultsScreen(results: try core.budgetResults(edition: id),
                          projects: (try? core.budgetProjects(edition: id, pool: nil).projects) ?? [])
        }) { screen in
            if let r = screen.results {
                ResultsSections(r: r, projects: screen.projects)
            } else {
                Text(t("Wyniki nie zostały jeszcze ogłoszone.", "The results have not been published yet."))
            }
        }
        .navigationTitle(t("Wyniki", "Results"))
    }
}

/// The results with the edition's projects (their places).
struct ResultsScreen: Sendable {
    let results: BudgetResults?
    let projects: [BudgetProject]
}

struct ResultsSections: View {
    let r: BudgetResults
    let projects: [BudgetProject]

    var body: some View {
        Text(r.fetchedText).font(.subheadline).foregroundStyle(.secondary)
        let pins = ProjectPin.of(r, projects)
        if !pins.isEmpty {
            let selected = pins.filter { $0.filled }.count
            Section {
                ProjectsMap(pins: pins, summary: t(
                    "Mapa wyników: wybrane do realizacji \(selected) (wypełnione koła), niewybrane \(pins.count - selected) (puste koła).",
                    "Map of the results: selected \(selected) (filled circles), not selected \(pins.count - selected) (hollow circles)."))
                Text(t("● wypełnione koło: wybrany do realizacji · ○ puste koło: niewybrany",
                       "● filled circle: selected · ○ hollow circle: not selected"))
                    .font(.footnote).foregroundStyle(.secondary)
            } header: {
                Text(t("Projekty na mapie", "Projects on the map")).accessibilityAddTraits(.isHeader)
            }
        }
        ForEach(r.pools, id: \.pool) { pool in
            Section {
                Text(t("Liczba oddanych kart: \(pool.ballots)", "Ballots cast: \(pool.ballots)"))
                LabeledContent(t("Kwota puli", "The pool's amount"), value: pool.budgetText)
                LabeledContent(t("Przyznano", "Awarded"), value: pool.spentText)
                ForEach(pool.projects, id: \.project) { p in
                    VStack(alignment: .leading) {
                        Text(p.title)
                        Text([p.costText, t("Głosy: \(p.votes)", "Votes: \(p.votes)"),
                              p.selected ? t("Wybrany do realizacji", "Selected for funding") : t("Niewybrany", "Not selected")]
                            .joined(separator: " · "))
                            .font(.subheadline).foregroundStyle(.secondary)
                    }
                    .accessibilityElement(children: .combine)
                }
                ForEach(Array(pool.trace.enumerated()), id: \.offset) { _, line in
                    Text(line).font(.footnote).foregroundStyle(.secondary)
                }
            } header: {
                Text(pool.name).accessibilityAddTraits(.isHeader)
            }
        }
    }
}

// MARK: - The resident's writes: propose, sign, appeal (mirroring Android's
// BudgetProposalActivity, BudgetProjectActivity and BudgetWrites.kt). Each
// goes through the core's outbox (queued offline, sent when the server can be
// reached); the core checks what was typed and refuses in its words, naming
// the field; what was typed stays until the core took it.

/// The proposal form as typed. The contact reaches the office only (never
/// published) and is never logged. (`description` is the project's text here.)
struct ProposalForm: Equatable {
    var pool: Int64?
    var title = ""
    var description = ""
    /// Złoty as typed ("12000", "12 000", "12000,50": the core says whole złoty only).
    var cost = ""
    var category = ""
    var contactName = ""
    var contactEmail = ""
    var contactPhone = ""
    /// Photos as picked (JPEG or PNG data); the core strips their metadata and checks how many.
    var photos: [Data] = []
    /// The place as typed ("51.0345", "51,0345"); both or neither.
    var latitude = ""
    var longitude = ""

    /// The typed place, when both numbers read; the core checks that it is a valid point.
    var location: GeoPoint? {
        let number = { (typed: String) in Double(typed.replacingOccurrences(of: ",", with: ".").trimmingCharacters(in: .whitespaces)) }
        guard let lat = number(latitude), let lon = number(longitude) else { return nil }
        return GeoPoint(lat: lat, lon: lon)
    }

    /// What crosses to the core; the core checks every field (`invalid_input` names it).
    var submission: BudgetProjectSubmission {
        BudgetProjectSubmission(pool: pool ?? 0, title: title, description: description,
                                costGrosze: grosze(cost), category: category.isEmpty ? nil : category,
                                location: location, photos: photos, contactName: contactName,
                                contactEmail: contactEmail.isEmpty ? nil : contactEmail,
                                contactPhone: contactPhone.isEmpty ? nil : contactPhone)
    }
}

/// Złoty as typed to grosze, exactly (Decimal, no floating point) and unchecked:
/// the core decides what is allowed. As Android's `grosze`: spaces dropped, a
/// comma or a dot for the decimal point, sub-grosz digits cut toward zero;
/// not a number, or too large, is 0 grosze, which the core refuses as not
/// positive; "12,50" is 1250, which it refuses as not whole złoty.
func grosze(_ zloty: String) -> Int64 {
    let typed = zloty.replacingOccurrences(of: " ", with: "")
        .replacingOccurrences(of: "\u{00a0}", with: "")
        .replacingOccurrences(of: ",", with: ".")
    guard !typed.isEmpty, let value = Decimal(string: typed, locale: Locale(identifier: "en_US_POSIX")), !value.isNaN
    else { return 0 }
    // Decimal's description is plain digits with a dot: its whole part is the grosze, cut toward zero.
    let whole = "\(value * 100)".split(separator: ".").first.map(String.init) ?? ""
    return Int64(whole) ?? 0
}

/// "Zgłoś projekt": the edition's pools, the form, what became of the proposal.
@MainActor
@Observable
final class ProposalModel {
    let core: MmCore
    let edition: BudgetEdition
    var form = ProposalForm()
    var sending = false
    /// Refused (a field to fix, submissions closed…): the core's words; the form stays as typed.
    var error: UserError?
    /// Taken by the core: queued or sent, with its state text.
    var sent: BudgetWrite?

    init(core: MmCore, edition: BudgetEdition) {
        self.core = core
        self.edition = edition
        // The first pool until one is picked (an edition often has one pool only).
        form.pool = edition.pools.first?.id
    }

    /// "Wyślij projekt": taken (sent, or queued), the form is emptied; refused, it stays.
    func submit() async {
        guard !sending else { return }
        sending = true
        error = nil
        do {
            sent = try await core.budgetSubmitProject(edition: edition.id, project: form.submission)
            form = ProposalForm(pool: form.pool)
        } catch {
            self.error = UserError(error)
        }
        sending = false
    }
}

struct BudgetProposalView: View {
    @State private var model: ProposalModel
    @State private var picked: [PhotosPickerItem] = []

    init(core: MmCore, edition: BudgetEdition) {
        _model = State(initialValue: ProposalModel(core: core, edition: edition))
    }

    var body: some View {
        Form {
            Section {
                Text(model.edition.title).font(.headline).accessibilityAddTraits(.isHeader)
                // What became of the last proposal, above the (emptied) form.
                if let w = model.sent { BudgetWriteRow(w: w) }
                Text(t("Opisz, co i gdzie ma powstać, i ile może kosztować. Dane kontaktowe trafią tylko do urzędu, nie będą opublikowane.",
                       "Describe what should be built and where, and what it may cost. Your contact details go to the office only and are not published."))
                    .font(.subheadline).foregroundStyle(.secondary)
            }
            Section {
                Picker(t("Pula", "Pool"), selection: $model.form.pool) {
                    ForEach(model.edition.pools, id: \.id) { p in
                        Text("\(p.name) · \(p.kindText) · \(p.amountText)").tag(Int64?.some(p.id))
                    }
                }
                .accessibilityLabel(t("Pula", "Pool"))
                TextField(t("Tytuł projektu", "Project title"), text: $model.form.title)
                    .accessibilityLabel(t("Tytuł projektu", "Project title"))
                TextField(t("Opis projektu", "Project description"), text: $model.form.description, axis: .vertical)
                    .lineLimit(4...12)
                    .accessibilityLabel(t("Opis projektu", "Project description"))
                TextField(t("Szacowany koszt w złotych", "Estimated cost in złoty"), text: $model.form.cost)
                    .keyboardType(.decimalPad)
                    .accessibilityLabel(t("Szacowany koszt w złotych", "Estimated cost in złoty"))
                TextField(t("Kategoria (opcjonalnie)", "Category (optional)"), text: $model.form.category)
                    .accessibilityLabel(t("Kategoria (opcjonalnie)", "Category (optional)"))
            } header: {
                Text(t("Projekt", "The project")).accessibilityAddTraits(.isHeader)
            }
            Section {
                ForEach(Array(model.form.photos.enumerated()), id: \.offset) { index, data in
                    HStack {
                        if let img = UIImage(data: data)?.preparingThumbnail(of: CGSize(width: 320, height: 240)) {
                            Image(uiImage: img).resizable().scaledToFit().frame(height: 120)
                                .accessibilityLabel(t("Zdjęcie \(index + 1)", "Photo \(index + 1)"))
                        }
                        Button(t("Usuń", "Remove"), role: .destructive) { model.form.photos.remove(at: index) }
                            .accessibilityLabel(t("Usuń zdjęcie \(index + 1)", "Remove photo \(index + 1)"))
                    }
                }
                PhotosPicker(t("Dodaj zdjęcie z biblioteki", "Add a photo from the library"), selection: $picked,
                             maxSelectionCount: 1, matching: .images, preferredItemEncoding: .compatible)
            } header: {
                Text(t("Zdjęcia (nieobowiązkowe)", "Photos (optional)")).accessibilityAddTraits(.isHeader)
            }
            Section {
                TextField(t("Szerokość geograficzna", "Latitude"), text: $model.form.latitude)
                    .keyboardType(.decimalPad)
                    .accessibilityLabel(t("Szerokość geograficzna", "Latitude"))
                TextField(t("Długość geograficzna", "Longitude"), text: $model.form.longitude)
                    .keyboardType(.decimalPad)
                    .accessibilityLabel(t("Długość geograficzna", "Longitude"))
            } header: {
                Text(t("Miejsce realizacji (nieobowiązkowe)", "Where it would be (optional)")).accessibilityAddTraits(.isHeader)
            }
            Section {
                TextField(t("Imię i nazwisko", "Name"), text: $model.form.contactName)
                    .textContentType(.name)
                    .accessibilityLabel(t("Imię i nazwisko", "Name"))
                TextField(t("E-mail (opcjonalnie)", "Email (optional)"), text: $model.form.contactEmail)
                    .keyboardType(.emailAddress).textContentType(.emailAddress)
                    .textInputAutocapitalization(.never).autocorrectionDisabled()
                    .accessibilityLabel(t("E-mail (opcjonalnie)", "Email (optional)"))
                TextField(t("Telefon (opcjonalnie)", "Phone (optional)"), text: $model.form.contactPhone)
                    .keyboardType(.phonePad).textContentType(.telephoneNumber)
                    .accessibilityLabel(t("Telefon (opcjonalnie)", "Phone (optional)"))
            } header: {
                Text(t("Kontakt do wnioskodawcy", "The proposer's contact")).accessibilityAddTraits(.isHeader)
            }
            Section {
                ErrorLine(error: model.error)
                Button(model.sending ? t("Wysyłanie…", "Sending…") : t("Wyślij projekt", "Send the project")) {
                    Task { await model.submit() }
                }
                .disabled(model.sending)
                .accessibilityLabel(model.sending ? t("Wysyłanie…", "Sending…") : t("Wyślij projekt", "Send the project"))
            }
        }
        .navigationTitle(t("Zgłoś projekt", "Propose a project"))
        .onChange(of: picked) { _, items in
            Task {
                // The library's photo as JPEG (`.compatible`); the core normalises it when the proposal is sent.
                for item in items {
                    if let data = try? await item.loadTransferable(type: Data.self) { model.form.photos.append(data) }
                }
                picked = []
            }
        }
        .onChange(of: model.sent?.stateText) { _, now in
            // VoiceOver hears what became of the proposal once the core took it.
            if let now { AccessibilityNotification.Announcement(now).post() }
        }
    }
}

/// One of my budget writes as the core describes it: what it is and about
/// which project, its state, a signature's count, a refusal's reason; read as one sentence.
struct BudgetWriteRow: View {
    let w: BudgetWrite

    var body: some View {
        VStack(alignment: .leading) {
            Text("\(w.kindText): \(w.title)")
            Text([w.stateText, signatureCount(w), w.errorText].compactMap { $0 }.joined(separator: " · "))
                .font(.subheadline).foregroundStyle(.secondary)
        }
        .accessibilityElement(children: .combine)
    }
}

/// "Podpisy: n z m" when the write carries the project's count (a signature's).
func signatureCount(_ w: BudgetWrite) -> String? {
    guard let have = w.signatures, let need = w.signaturesRequired else { return nil }
    return t("Podpisy: \(have) z \(need)", "Signatures: \(have) of \(need)")
}
