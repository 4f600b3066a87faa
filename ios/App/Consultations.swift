// "Konsultacje społeczne" (issue 15), mirroring Android's
// ConsultationsActivity and SurveyActivity with their state holders
// (android/core/…/state/Consultations.kt): the list (open, upcoming,
// closed), one survey with a control per question kind (single choice,
// multiple choice up to its maximum — a tick over it is the core's refusal,
// shown under the question —, a ranking with up and down buttons, a matrix
// of choices per row, short and long text), "Wyślij odpowiedzi" through the
// outbox (queued while offline), my response ("already answered"), and a
// closed one's published summary; a per-person consultation asks who
// answers (the core's `identityText`, the fields of Identity.swift shared
// with the ballot, the SMS code when it asks for one) and sends the answers
// with it (`consultationSubmitAs`). Every status, hint, problem, refusal and
// percentage is the core's. Not compiled in CI (no Swift toolchain on
// Linux): `make test-swift` parses it and checks its calls into the bindings.
import Foundation
import MmCore
import SwiftUI

/// One consultation: its questions with my draft, sending, my response, the summary.
@MainActor
@Observable
final class SurveyModel {
    let core: MmCore
    let consultationId: Int64
    var detail: ConsultationDetail?
    /// Nil: not published (yet).
    var summary: ConsultationSummary?
    var error: UserError?
    /// The last answer was refused (over the maximum, too long…): which question, and the core's reason.
    var refusedQuestion: String?
    var refusal: UserError?
    /// The free texts as typed, by question id; read by "Wyślij odpowiedzi".
    var texts: [String: String] = [:]
    var sending = false
    /// The send was refused: the core's words (a field of the identity, the code…).
    var sendError: UserError?
    /// Per-person consultations (`detail.identity`): who answers, as typed;
    /// kept after a refusal, dropped once the answers are taken.
    var form = IdentityForm()
    var localities: [Locality] = []
    var smsRequestId: String?
    var smsCode = ""
    var requestingSms = false
    var smsError: UserError?

    init(core: MmCore, consultationId: Int64) {
        self.core = core
        self.consultationId = consultationId
    }

    func load() async {
        let id = consultationId
        do {
            let d = try await offMain { [core] in try core.consultation(id: id) }
            detail = d
            for q in d.questions {
                if texts[q.id] == nil, case let .text(text)? = q.answer { texts[q.id] = text }
            }
            summary = try await offMain { [core] in try core.consultationSummary(id: id) }
            if d.identity != nil, localities.isEmpty {
                localities = (try? await offMain { [core] in try core.localities() }) ?? []
            }
            error = nil
        } catch {
            self.error = UserError(error)
        }
    }

    /// Answers `question` with `change` of its answer as the core holds it now;
    /// a refused answer leaves the draft and says why.
    func edit(_ question: String, _ change: @escaping @Sendable (AnswerValue?) -> AnswerValue) async {
        let id = consultationId
        do {
            _ = try await offMain { [core] in
                let current = try core.consultation(id: id).questions.first { $0.id == question }?.answer
                return try core.consultationSetAnswer(id: id, question: question, value: change(current))
            }
            refusedQuestion = nil
            refusal = nil
        } catch {
            refusedQuestion = question
            refusal = UserError(error)
        }
        sendError = nil
        await load()
    }

    func clear(_ question: String) async {
        let id = consultationId
        do {
            _ = try await offMain { [core] in try core.consultationClear(id: id, question: question) }
            refusedQuestion = nil
            refusal = nil
        } catch {
            refusedQuestion = question
            refusal = UserError(error)
        }
        await load()
    }

    /// The texts as typed (blank clears one), then the core checks the draft and sends it (queued offline).
    func submit() async {
        guard !sending, let d = detail else { return }
        sending = true
        sendError = nil
        let id = consultationId
        for q in d.questions {
            guard let text = texts[q.id] else { continue }
            if case let .text(current)? = q.answer, current == text { continue }
            if q.answer == nil, text.isEmpty { continue }
            do {
                if text.isEmpty {
                    _ = try await offMain { [core] in try core.consultationClear(id: id, question: q.id) }
                } else {
                    _ = try await offMain { [core] in
                        try core.consultationSetAnswer(id: id, question: q.id, value: .text(text: text))
                    }
                }
            } catch {
                refusedQuestion = q.id
                refusal = UserError(error)
                sending = false
                await load()
                return
            }
        }
        do {
            if let mode = d.identity {
                // Checked by the core (the identity, the code) before it is queued.
                let proof = smsRequestId.map { BudgetSmsProof(requestId: $0, code: smsCode) }
                _ = try await core.consultationSubmitAs(id: id, identity: form.identity(mode, smsRequired: d.smsRequired),
                                                        sms: proof)
                // Queued or sent: nothing typed is kept.
                form = IdentityForm()
                smsRequestId = nil
                smsCode = ""
            } else {
                _ = try await core.consultationSubmit(id: id)
            }
            refusedQuestion = nil
            refusal = nil
        } catch {
            sendError = UserError(error)
        }
        sending = false
        await load()
    }

    /// "Wyślij kod SMS": the core checks the identity and the phone, the server texts the code.
    func requestSms() async {
        guard let mode = detail?.identity, !requestingSms else { return }
        requestingSms = true
        smsError = nil
        do {
            let issued = try await core.consultationRequestSmsCode(id: consultationId,
                                                                   identity: form.identity(mode, smsRequired: true),
                                                                   phone: form.phone)
            smsRequestId = issued.requestId
        } catch {
            smsError = UserError(error)
        }
        requestingSms = false
    }

    /// A queued response: sync (sends the outbox; once the server answers,
    /// what waited only for the network goes at once), then what became of it.
    func sendQueued() async {
        _ = try? await core.sync(pageSize: nil, listener: nil)
        await load()
    }
}

/// An option's (or a matrix row's, column's) index as the bindings carry it
/// (Swift's `UInt16`; named here, as it is not in tests/swift-check's platform names).
typealias OptionIndex = UInt16

/// Building an answer from a tap: the screen's editing; whether it is allowed is the core's answer.
enum AnswerEdit {
    static func toggled(_ current: AnswerValue?, _ option: OptionIndex) -> AnswerValue {
        var chosen: [OptionIndex] = []
        if case let .multiple(options)? = current { chosen = options }
        if let i = chosen.firstIndex(of: option) { chosen.remove(at: i) } else { chosen.append(option) }
        return .multiple(options: chosen)
    }

    static func ranking(_ current: AnswerValue?) -> [OptionIndex] {
        if case let .ranking(ranking)? = current { return ranking }
        return []
    }

    static func rankedLast(_ current: AnswerValue?, _ option: OptionIndex) -> AnswerValue {
        .ranking(ranking: ranking(current) + [option])
    }

    static func unranked(_ current: AnswerValue?, _ option: OptionIndex) -> AnswerValue {
        .ranking(ranking: ranking(current).filter { $0 != option })
    }

    /// `option` moved by `by` (−1 up, +1 down); unchanged at an end.
    static func moved(_ current: AnswerValue?, _ option: OptionIndex, by: Int) -> AnswerValue {
        var list = ranking(current)
        if let from = list.firstIndex(of: option), list.indices.contains(from + by) {
            list.swapAt(from, from + by)
        }
        return .ranking(ranking: list)
    }

    /// A single-choice row keeps only the tapped cell; a multiple one toggles it.
    static func matrixTapped(_ current: AnswerValue?, row: OptionIndex, column: OptionIndex, multiple: Bool) -> AnswerValue {
        var cells: [MatrixCell] = []
        if case let .matrix(existing)? = current { cells = existing }
        let cell = MatrixCell(row: row, column: column)
        if multiple {
            if let i = cells.firstIndex(of: cell) { cells.remove(at: i) } else { cells.append(cell) }
        } else {
            cells = cells.filter { $0.row != row } + [cell]
        }
        return .matrix(cells: cells.sorted { ($0.row, $0.column) < ($1.row, $1.column) })
    }
}

// MARK: - Views

/// The consultations, grouped as the core says of each: taking answers, upcoming, closed
/// (the stored copy, then a refresh).
struct ConsultationsView: View {
    let core: MmCore

    var body: some View {
        Loaded(read: { [core] in try core.consultations() }, refresh: { [core] in try await core.consultationsRefresh() }) { list in
            ConsultationGroups(list: list)
        }
        .navigationTitle(t("Konsultacje społeczne", "Public consultations"))
    }
}

struct ConsultationGroups: View {
    let list: ConsultationList

    var body: some View {
        Text(list.fetchedText).font(.subheadline).foregroundStyle(.secondary)
        if list.consultations.isEmpty { Text(t("Brak konsultacji.", "No consultations.")) }
        group(t("Otwarte", "Open"), list.consultations.filter { $0.acceptsAnswers })
        group(t("Zapowiedziane", "Upcoming"), list.consultations.filter { !$0.acceptsAnswers && !Self.ended($0) })
        group(t("Zakończone", "Closed"), list.consultations.filter { !$0.acceptsAnswers && Self.ended($0) })
    }

    private static func ended(_ c: ConsultationCard) -> Bool {
        switch c.status {
        case .closed, .published: return true
        case .draft, .open: return false
        }
    }

    @ViewBuilder
    private func group(_ name: String, _ cards: [ConsultationCard]) -> some View {
        if !cards.isEmpty {
            Section {
                ForEach(cards, id: \.id) { c in
                    NavigationLink(value: Route.survey(c.id)) {
                        VStack(alignment: .leading) {
                            Text(c.title).font(.headline)
                            Text("\(c.statusText) · \(t("Pytania", "Questions")): \(c.questions)").font(.subheadline)
                        }
                        .accessibilityElement(children: .combine)
                    }
                }
            } header: {
                Text(name).accessibilityAddTraits(.isHeader)
            }
        }
    }
}

/// One consultation: the form while it takes answers and none went from this phone;
/// my response once sent; the summary once published.
struct SurveyView: View {
    @State private var model: SurveyModel

    init(core: MmCore, id: Int64) { _model = State(initialValue: SurveyModel(core: core, consultationId: id)) }

    var body: some View {
        List {
            ErrorLine(error: model.error)
            if let d = model.detail {
                Section {
                    Text(d.card.statusText)
                    if !d.description.isEmpty { Text(d.description) }
                    Text(d.rulesText).font(.subheadline).foregroundStyle(.secondary)
                }
                if let r = d.response { MyResponseSection(response: r) { Task { await model.sendQueued() } } }
                if let s = model.summary { SummarySection(summary: s) }
                if d.card.acceptsAnswers, Self.mayAnswer(d.response) {
                    ForEach(d.questions, id: \.id) { q in QuestionSection(q: q, model: model) }
                    if let mode = d.identity { RespondentSection(model: model, detail: d, mode: mode) }
                    Section {
                        Text(t("Odpowiedzi: \(d.draft.answered) z \(d.questions.count)",
                               "Answered: \(d.draft.answered) of \(d.questions.count)"))
                        ForEach(Array(d.draft.problems.enumerated()), id: \.offset) { _, p in
                            Text(p.text).font(.subheadline).foregroundStyle(.secondary)
                        }
                        ErrorLine(error: model.sendError)
                        Button(model.sending ? t("Wysyłanie odpowiedzi…", "Sending the answers…")
                                             : t("Wyślij odpowiedzi", "Send the answers")) {
                            Task { await model.submit() }
                        }
                        .disabled(model.sending)
                    }
                }
            }
        }
        .navigationTitle(model.detail?.card.title ?? t("Konsultacje społeczne", "Public consultations"))
        .task { await model.load() }
    }

    /// Nothing sent from this phone yet, or it was refused (the draft stays, to fix).
    private static func mayAnswer(_ r: MyResponse?) -> Bool {
        guard let state = r?.state else { return true }
        switch state {
        case .refused: return true
        case .queued, .sent: return false
        }
    }
}

/// A per-person consultation's respondent: the core's words on what to give,
/// the fields the consultation asks for, the SMS code when it asks for one.
struct RespondentSection: View {
    @Bindable var model: SurveyModel
    let detail: ConsultationDetail
    let mode: BudgetIdentityMode

    var body: some View {
        Section {
            Text(detail.identityText).font(.subheadline).foregroundStyle(.secondary)
            IdentityFields(form: $model.form, mode: mode, localities: model.localities)
        } header: {
            Text(t("Twoje dane", "Your details")).accessibilityAddTraits(.isHeader)
        }
        if detail.smsRequired {
            Section {
                SmsCodeFields(phone: $model.form.phone, code: $model.smsCode, sent: model.smsRequestId != nil,
                              sending: model.requestingSms, error: model.smsError) {
                    Task { await model.requestSms() }
                }
            }
        }
    }
}

struct MyResponseSection: View {
    let response: MyResponse
    let sendNow: () -> Void

    var body: some View {
        Section {
            Text(response.stateText).accessibilityAddTraits(.updatesFrequently)
            if let e = response.errorText { Text(e) }
            if response.state == .queued { Button(t("Wyślij teraz", "Send now"), action: sendNow) }
        } header: {
            Text(t("Moja odpowiedź", "My response")).accessibilityAddTraits(.isHeader)
        }
    }
}

struct SummarySection: View {
    let summary: ConsultationSummary

    var body: some View {
        Section {
            Text(summary.fetchedText).font(.subheadline).foregroundStyle(.secondary)
            Text(summary.respondentsText)
        } header: {
            Text(t("Wyniki konsultacji", "Results of the consultation")).accessibilityAddTraits(.isHeader)
        }
        ForEach(summary.questions, id: \.question) { q in
            Section {
                ForEach(Array(q.lines.enumerated()), id: \.offset) { _, l in Text("\(l.label): \(l.text)") }
                ForEach(Array(q.texts.enumerated()), id: \.offset) { _, text in Text("„\(text)”").italic() }
            } header: {
                Text(q.text).accessibilityAddTraits(.isHeader)
            }
        }
    }
}

/// One question with the control its kind asks for; every tap asks the core.
struct QuestionSection: View {
    let q: QuestionView
    let model: SurveyModel

    var body: some View {
        Section {
            if !q.help.isEmpty { Text(q.help).font(.subheadline).foregroundStyle(.secondary) }
            Text(q.hintText).font(.subheadline).foregroundStyle(.secondary)
            if model.refusedQuestion == q.id { ErrorLine(error: model.refusal) }
            control
            if q.answer != nil, !isText {
                Button(t("Wyczyść odpowiedź", "Clear the answer")) { Task { await model.clear(q.id) } }
            }
        } header: {
            Text("\(q.index + 1). \(q.text)" + (q.required ? t(" (wymagane)", " (required)") : ""))
                .accessibilityAddTraits(.isHeader)
        }
    }

    private var isText: Bool {
        switch q.kind {
        case .shortText, .longText: return true
        default: return false
        }
    }

    @ViewBuilder
    private var control: some View {
        let id = q.id
        switch q.kind {
        case let .single(options):
            ForEach(Array(options.enumerated()), id: \.offset) { i, o in
                let chosen = q.answer == .single(option: OptionIndex(i))
                choice(o, chosen: chosen, radio: true) { _ in .single(option: OptionIndex(i)) }
            }
        case let .multiple(options, _):
            ForEach(Array(options.enumerated()), id: \.offset) { i, o in
                let ticked: Bool = {
                    if case let .multiple(chosen)? = q.answer { return chosen.contains(OptionIndex(i)) }
                    return false
                }()
                choice(o, chosen: ticked, radio: false) { AnswerEdit.toggled($0, OptionIndex(i)) }
            }
        case let .ranking(options, _):
            let ranked = AnswerEdit.ranking(q.answer)
            ForEach(Array(ranked.enumerated()), id: \.offset) { position, option in
                let name = options.indices.contains(Int(option)) ? options[Int(option)] : "?"
                HStack {
                    Text("\(position + 1). \(name)")
                    Spacer()
                    Button(t("W górę", "Up")) { Task { await model.edit(id) { AnswerEdit.moved($0, option, by: -1) } } }
                        .disabled(position == 0)
                        .accessibilityLabel(t("Przesuń „\(name)” wyżej", "Move “\(name)” up"))
                    Button(t("W dół", "Down")) { Task { await model.edit(id) { AnswerEdit.moved($0, option, by: 1) } } }
                        .disabled(position == ranked.count - 1)
                        .accessibilityLabel(t("Przesuń „\(name)” niżej", "Move “\(name)” down"))
                    Button(t("Usuń", "Remove")) { Task { await model.edit(id) { AnswerEdit.unranked($0, option) } } }
                        .accessibilityLabel(t("Usuń „\(name)” z kolejności", "Remove “\(name)” from the order"))
                }
                .buttonStyle(.borderless)
            }
            ForEach(Array(options.enumerated()), id: \.offset) { i, o in
                if !ranked.contains(OptionIndex(i)) {
                    Button(t("Dodaj: \(o)", "Add: \(o)")) {
                        Task { await model.edit(id) { AnswerEdit.rankedLast($0, OptionIndex(i)) } }
                    }
                }
            }
        case let .matrix(rows, columns, multiple):
            ForEach(Array(rows.enumerated()), id: \.offset) { r, row in
                Text(row).font(.headline)
                ForEach(Array(columns.enumerated()), id: \.offset) { c, column in
                    let cell = MatrixCell(row: OptionIndex(r), column: OptionIndex(c))
                    let chosen: Bool = {
                        if case let .matrix(cells)? = q.answer { return cells.contains(cell) }
                        return false
                    }()
                    choice(column, chosen: chosen, radio: !multiple) {
                        AnswerEdit.matrixTapped($0, row: OptionIndex(r), column: OptionIndex(c), multiple: multiple)
                    }
                    .accessibilityLabel("\(row): \(column)")
                }
            }
        case .shortText:
            TextField(q.text, text: textBinding)
        case .longText:
            TextField(q.text, text: textBinding, axis: .vertical).lineLimit(4...10)
        }
    }

    private var textBinding: Binding<String> {
        let id = q.id
        return Binding(get: { model.texts[id] ?? "" }, set: { model.texts[id] = $0 })
    }

    /// A radio-style or tick-style row showing the core's draft (not the tap).
    private func choice(_ label: String, chosen: Bool, radio: Bool,
                        _ change: @escaping @Sendable (AnswerValue?) -> AnswerValue) -> some View {
        let id = q.id
        return Button {
            Task { await model.edit(id, change) }
        } label: {
            HStack {
                Image(systemName: radio ? (chosen ? "largecircle.fill.circle" : "circle")
                                        : (chosen ? "checkmark.square.fill" : "square"))
                    .accessibilityHidden(true)
                Text(label)
            }
        }
        .accessibilityAddTraits(chosen ? .isSelected : [])
    }
}
