// "Ustawienia powiadomień" (issue 16), mirroring Android's
// NotificationSettingsActivity and its state holder
// (NotificationSettingsModel in android/core/…/state/NotificationSettings.kt):
// the core's topic switches (alerts on and locked, with the core's sentence
// under them), the localities to hear about, quiet hours, and the push
// registration's state. "Zapisz" hands the edit back to the core, which
// checks it, queues it in its outbox and sends it with the next flush. Which
// topics exist, that alerts stay on and every state's words are the core's.
// Reached from Ustawienia and from the inbox. Not compiled in CI:
// `make test-swift` parses it and checks its calls into the bindings.
import Foundation
import MmCore
import SwiftUI
import UserNotifications

@MainActor
@Observable
final class NotificationSettingsModel {
    let core: MmCore
    /// The core's settings the switches were last set from (loaded or saved).
    var settings: NotificationSettings?
    var push: PushStatus?
    /// The gmina's localities to pick from (none picked: the whole gmina, the core's rule).
    var localities: [Locality] = []
    var loadError: UserError?
    /// The core refused the edit (naming the field) or could not keep it.
    var saveError: UserError?
    var saving = false
    var permission: UNAuthorizationStatus = .notDetermined
    /// The switches as the resident left them, until saved.
    var topicsOn: [NotificationTopic: Bool] = [:]
    var localitiesOn: Set<Int64> = []
    var quietOn = false
    /// Minutes after midnight, Warsaw; shown when quiet hours are off too,
    /// as the times they would start with.
    var quietFrom: UInt32 = 22 * 60
    var quietTo: UInt32 = 7 * 60

    init(core: MmCore) { self.core = core }

    func load() async {
        do {
            let (s, p) = try await offMain { [core] in (try core.notificationSettings(), try core.pushStatus()) }
            seed(s)
            push = p
            loadError = nil
        } catch {
            loadError = UserError(error)
        }
        // Without the list (no gmina data yet) the section is not shown; the choice already made stays.
        localities = (try? await offMain { [core] in try core.localities() }) ?? []
        permission = await LocalNotifications.authorizationStatus()
    }

    private func seed(_ s: NotificationSettings) {
        settings = s
        var on: [NotificationTopic: Bool] = [:]
        for sw in s.topics { on[sw.topic] = sw.on }
        topicsOn = on
        localitiesOn = Set(s.localities)
        quietOn = s.quietHours != nil
        if let q = s.quietHours {
            quietFrom = q.fromMinute
            quietTo = q.toMinute
        }
    }

    /// The switched-on topics in the core's order (alerts among them: the
    /// core adds them whatever the edit says), the localities, the quiet
    /// hours; what the screen does not edit (event categories, areas around
    /// a point, the language) goes back as the core gave it.
    func save() async {
        guard let current = settings, !saving else { return }
        saving = true
        let topics = current.topics.filter { topicsOn[$0.topic] ?? $0.on }.map { $0.topic }
        let edit = NotificationSettingsEdit(
            topics: topics,
            eventCategories: current.eventCategories,
            localities: localitiesOn.sorted(),
            around: current.around,
            quietHours: quietOn ? QuietHoursSetting(fromMinute: quietFrom, toMinute: quietTo) : nil,
            language: current.language)
        do {
            let saved = try await offMain { [core] in try core.setNotificationSettings(edit: edit) }
            seed(saved)
            saveError = nil
            // Queued: send it now if the network is there (offline the state text says it waits).
            _ = try? await core.flushOutbox()
            await load()
        } catch {
            saveError = UserError(error)
        }
        saving = false
    }

    /// The system's question, asked here: the resident came to set notifications up.
    func allow() async {
        await LocalNotifications.requestAuthorization()
        permission = await LocalNotifications.authorizationStatus()
    }

    /// Asks UIKit for the APNs token again (it goes to the core when it comes).
    func reconnectPush() async {
        await Push.registerIfAllowed()
        await load()
    }
}

struct NotificationSettingsView: View {
    @State private var model: NotificationSettingsModel

    init(core: MmCore) { _model = State(initialValue: NotificationSettingsModel(core: core)) }

    var body: some View {
        Form {
            permissionSection
            ErrorLine(error: model.loadError)
            if let s = model.settings {
                Section {
                    Text(s.stateText).foregroundStyle(.secondary)
                    if let e = s.errorText { Text(e) }
                }
                Section {
                    ForEach(s.topics, id: \.topic) { sw in
                        // Alerts: the core says they cannot be turned off; shown on, disabled.
                        Toggle(sw.label, isOn: Binding(
                            get: { model.topicsOn[sw.topic] ?? sw.on },
                            set: { model.topicsOn[sw.topic] = $0 }))
                            .disabled(!sw.canTurnOff || model.saving)
                        if !sw.canTurnOff {
                            Text(s.alertsNote).font(.footnote).foregroundStyle(.secondary)
                        }
                    }
                } header: {
                    Text(t("Tematy", "Topics")).accessibilityAddTraits(.isHeader)
                }
                if !model.localities.isEmpty {
                    Section {
                        ForEach(model.localities, id: \.id) { l in
                            Toggle(l.name, isOn: Binding(
                                get: { model.localitiesOn.contains(l.id) },
                                set: { on in
                                    // `_ =`: both branches Void, so the `if` is no expression of mismatched types.
                                    if on { _ = model.localitiesOn.insert(l.id) } else { _ = model.localitiesOn.remove(l.id) }
                                }))
                        }
                    } header: {
                        Text(t("Miejscowości", "Localities")).accessibilityAddTraits(.isHeader)
                    } footer: {
                        Text(t("Żadna nie zaznaczona: cała gmina.", "None ticked: the whole municipality."))
                    }
                }
                Section {
                    Toggle(t("Wstrzymuj zwykłe powiadomienia w tych godzinach", "Hold ordinary notifications in these hours"),
                           isOn: $model.quietOn)
                    if model.quietOn {
                        DatePicker(t("Od", "From"), selection: Binding(
                            get: { dayTime(model.quietFrom) }, set: { model.quietFrom = minuteOfDay($0) }),
                                   displayedComponents: .hourAndMinute)
                        DatePicker(t("Do", "To"), selection: Binding(
                            get: { dayTime(model.quietTo) }, set: { model.quietTo = minuteOfDay($0) }),
                                   displayedComponents: .hourAndMinute)
                    }
                } header: {
                    Text(t("Cisza nocna", "Quiet hours")).accessibilityAddTraits(.isHeader)
                }
                Section {
                    Button(t("Zapisz ustawienia", "Save settings")) { Task { await model.save() } }
                        .disabled(model.saving)
                    if model.saving { ProgressView() }
                    ErrorLine(error: model.saveError)
                }
            }
            if let p = model.push {
                Section {
                    Text(p.stateText)
                    if let e = p.errorText { Text(e).foregroundStyle(.secondary) }
                    if let at = p.updatedAtMs {
                        Text(t("Zmienione: ", "Changed: ") + model.core.datetimeText(atMs: at))
                            .font(.subheadline).foregroundStyle(.secondary)
                    }
                    if model.permission == .authorized || model.permission == .provisional {
                        Button(t("Połącz ponownie", "Connect again")) { Task { await model.reconnectPush() } }
                    }
                } header: {
                    Text(t("Powiadomienia push", "Push notifications")).accessibilityAddTraits(.isHeader)
                }
            }
        }
        .navigationTitle(t("Ustawienia powiadomień", "Notification settings"))
        .task { await model.load() }
        .refreshable { await model.load() }
    }

    @ViewBuilder private var permissionSection: some View {
        if model.permission == .notDetermined {
            Section {
                Button(t("Zezwól na powiadomienia", "Allow notifications")) { Task { await model.allow() } }
            }
        } else if model.permission == .denied {
            Section {
                Text(t("Telefon nie pozwala tej aplikacji wyświetlać powiadomień. Alerty i przypomnienia zobaczysz tylko w aplikacji.",
                       "The phone does not let this app show notifications. You will see alerts and reminders only in the app."))
                if let url = URL(string: UIApplication.openNotificationSettingsURLString) {
                    Link(t("Otwórz ustawienia powiadomień", "Open notification settings"), destination: url)
                }
            }
        }
    }
}
