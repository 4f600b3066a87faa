// Notifications (mobile review P1 #14), thin over the core: the inbox lists
// the core's notifications (`notifications`, `unreadNotificationCount`,
// `markNotificationRead`), the Start tab and the app icon carry the unread
// count, and each notification the core raises during a sync
// (`CoreListener.onNotification`) is also posted as a local notification.
// Titles and bodies are the core's (the gmina's data); only the chrome's
// words are here. Not compiled in CI: `make test-swift` parses it and checks
// its calls into the bindings.
import Foundation
import MmCore
import os
import SwiftUI
import UserNotifications

/// The shell's own log lines go to the unified log (Console, `log stream`).
/// Ids and kinds only, never a title or body (no personal data in logs).
/// The core's lines do not: `initLogging` writes them to stderr on iOS, and
/// the bindings have no log sink a shell could hook (review P2 #18; an
/// `os_log` layer for `target_os = "ios"` belongs in bindings/src/logging.rs).
let notificationsLog = Logger(subsystem: "pl.mmieszkaniec.app", category: "notifications")

/// Where a notification leads when opened, if anywhere: the core reads it
/// (`link`). A report opens by its server id the screen the followed and
/// nearby lists open (`PublicReportView`, the core's stored copy;
/// `NotificationsModel.open` swaps in "my report" when it was sent from this
/// phone, as Android does). A web page opens nothing yet (the inbox has no
/// browser hand-off): it is only marked read, like a kind the core does not
/// know. (`self.` so that `make test-swift` checks the field names.)
extension CoreNotification {
    var route: Route? {
        switch self.link {
        case .newsItem(let newsId): return Route.news(newsId)
        case .event(let eventId): return Route.event(eventId)
        case .consultation(let consultationId): return Route.survey(consultationId)
        case .report(let reportId): return Route.report(reportId)
        case .url: return nil
        case .nowhere: return nil
        }
    }
}

/// The process's listener for the core's syncs (foreground and background
/// refresh alike). Called on the syncing thread: it posts the notification,
/// tells the screens and returns. `Sendable`: it has no state.
final class CoreEvents: CoreListener {
    static let shared = CoreEvents()

    func onSyncProgress(progress: SyncProgress) throws {}

    func onNotification(notification: CoreNotification) throws {
        LocalNotifications.post(notification)
        Task { @MainActor in NotificationSignals.shared.arrived += 1 }
    }
}

/// What happened outside the screens, for `RootView` to act on: a sync
/// raised a notification, the resident tapped a posted one. Observed, not
/// streamed: any number of views may watch it, and a tap that launched the
/// app waits here until the first view takes it.
@MainActor
@Observable
final class NotificationSignals {
    static let shared = NotificationSignals()
    /// Counts up with every notification a sync raised while the process runs.
    var arrived = 0
    /// The core's id of a tapped notification, until it is opened.
    var tapped: Int64?
    /// The liability of a tapped due-date reminder (`TaxReminders`), until it is opened.
    var taxTapped: String?
    /// A tapped push (Push.swift): the inbox opens. Its id is the server's,
    /// not the inbox row's, so the inbox, not one row.
    var pushTapped = false
    /// A tapped waste-collection reminder (`WasteReminders`): "Odpady" opens.
    var wasteTapped = false
}

/// Local notifications (UNUserNotificationCenter) and the app icon's badge.
enum LocalNotifications {
    /// The notification's id in the core, carried in `userInfo` so a tap can open it.
    static let idKey = "pl.mmieszkaniec.notificationId"

    /// Posts one of the core's notifications. Without permission iOS drops it
    /// quietly; the inbox still has it.
    static func post(_ n: CoreNotification) {
        let content = UNMutableNotificationContent()
        content.title = n.title
        content.body = n.body
        content.sound = .default
        content.threadIdentifier = n.kind
        content.userInfo = [idKey: n.id]
        // An alert (komunikat: a storm, a water cut-off) is time-sensitive: it
        // breaks through a Focus and a scheduled summary. That needs the Time
        // Sensitive Notifications capability
        // (`com.apple.developer.usernotifications.time-sensitive`, in
        // App/Support/Mieszkaniec.entitlements); without it iOS ignores the
        // level and delivers it as `.active`, like everything else here.
        content.interruptionLevel = n.urgent ? .timeSensitive : .active
        // One request id per notification: the core raises each once, and a
        // repeat would replace, not duplicate.
        let request = UNNotificationRequest(identifier: "notification-\(n.id)", content: content, trigger: nil)
        let id = n.id
        let kind = n.kind
        UNUserNotificationCenter.current().add(request) { error in
            if let error {
                notificationsLog.error("notification \(id, privacy: .public) (\(kind, privacy: .public)) not posted: \(error.localizedDescription, privacy: .public)")
            }
        }
    }

    /// The app icon's badge: the core's unread count (iOS 17 `setBadgeCount`).
    static func setBadge(_ unread: UInt32) async {
        do {
            try await UNUserNotificationCenter.current().setBadgeCount(Int(unread))
        } catch {
            notificationsLog.error("badge not set: \(error.localizedDescription, privacy: .public)")
        }
    }

    /// The badge after a background refresh, when no screen is there to set it.
    static func setBadge(from core: MmCore) async {
        guard let unread = try? await offMain({ try core.unreadNotificationCount() }) else { return }
        await setBadge(unread)
    }

    static func authorizationStatus() async -> UNAuthorizationStatus {
        await UNUserNotificationCenter.current().notificationSettings().authorizationStatus
    }

    /// Asks once, in context: when the resident turns notifications on in the
    /// inbox, or when the first notification arrives while the app is open
    /// (never at launch, before the app has anything to say).
    @discardableResult
    static func requestAuthorization() async -> Bool {
        do {
            let granted = try await UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound, .badge])
            // Allowed: now the APNs token is worth having (Push.swift hands it to the core).
            if granted { await Push.registerIfAllowed() }
            return granted
        } catch {
            notificationsLog.error("authorization request failed: \(error.localizedDescription, privacy: .public)")
            return false
        }
    }
}

/// Taps on a posted notification, and banners while the app is open. Set as
/// the center's delegate in `MieszkaniecApp.init`, before launch finishes, so
/// a tap that launched the app is not lost: the id waits in
/// `NotificationSignals.tapped` until `RootView` takes it. `@unchecked
/// Sendable`: it has no state (NSObject hides that from the compiler).
final class NotificationTaps: NSObject, UNUserNotificationCenterDelegate, @unchecked Sendable {
    static let shared = NotificationTaps()

    /// While the app is open a new notification shows as a banner too (and
    /// in the list). A push also makes the app sync, so the inbox has it
    /// (not awaited: the banner does not wait for the network).
    func userNotificationCenter(_ center: UNUserNotificationCenter,
                                willPresent notification: UNNotification) async -> UNNotificationPresentationOptions {
        if Push.serverId(notification.request.content.userInfo) != nil {
            Task { @MainActor in await PushSync.shared.run() }
        }
        return [.banner, .list, .sound]
    }

    func userNotificationCenter(_ center: UNUserNotificationCenter,
                                didReceive response: UNNotificationResponse) async {
        let info = response.notification.request.content.userInfo
        if let id = info[LocalNotifications.idKey] as? Int64 {
            await MainActor.run { NotificationSignals.shared.tapped = id }
        } else if let liability = info[TaxReminders.liabilityKey] as? String {
            await MainActor.run { NotificationSignals.shared.taxTapped = liability }
        } else if info[WasteReminders.keyKey] is String {
            await MainActor.run { NotificationSignals.shared.wasteTapped = true }
        } else if Push.serverId(info) != nil {
            // The inbox first, then the sync that brings the pushed one into it
            // (not awaited: the tap's handling ends before the network answers).
            await MainActor.run { NotificationSignals.shared.pushTapped = true }
            Task { @MainActor in await PushSync.shared.run() }
        }
    }
}

/// The inbox, the unread count and opening a notification.
@MainActor
@Observable
final class NotificationsModel {
    let core: MmCore
    var items: [CoreNotification] = []
    var unread: UInt32 = 0
    var permission: UNAuthorizationStatus = .notDetermined
    var error: UserError?
    /// The Start tab's stack: the inbox lives there, and what a notification
    /// points to opens on top of it.
    var homePath: [Route] = []
    var tab: AppTab = .home

    init(core: MmCore) { self.core = core }

    /// The list and the count from the core; the icon's badge follows.
    func load() async {
        do {
            let (list, count) = try await offMain { [core] in
                (try core.notifications(), try core.unreadNotificationCount())
            }
            items = list
            unread = count
            error = nil
            await LocalNotifications.setBadge(count)
        } catch {
            self.error = UserError(error)
        }
        permission = await LocalNotifications.authorizationStatus()
    }

    /// A sync raised a notification: reload, and if the resident was never
    /// asked and is looking at the app now, this is the moment to ask.
    func arrived(appActive: Bool) async {
        await load()
        if appActive && permission == .notDetermined {
            await turnOn()
        }
    }

    func turnOn() async {
        await LocalNotifications.requestAuthorization()
        permission = await LocalNotifications.authorizationStatus()
    }

    /// Opening marks it read and goes where it points, if it points somewhere.
    /// A report sent from this phone opens as "my report" (its local id, the
    /// screen with its actions), found by its server id among the core's
    /// `myReports`; any other, as a public report.
    func open(_ n: CoreNotification) async {
        if !n.read {
            let id = n.id
            do {
                try await offMain { [core] in try core.markNotificationRead(id: id) }
            } catch {
                self.error = UserError(error)
            }
            await load()
        }
        if var route = n.route {
            if case let .report(serverId) = route {
                let mine: [MyReport] = (try? await offMain { [core] in try core.myReports() }) ?? []
                for sent in mine where sent.serverId == serverId { route = .myReport(sent.localId) }
            }
            tab = .home
            homePath.append(route)
        }
    }

    /// A tapped push: the inbox (the sync it started brings the new one in).
    func openPushTapped() {
        guard NotificationSignals.shared.pushTapped else { return }
        NotificationSignals.shared.pushTapped = false
        tab = .home
        homePath = [.notifications]
    }

    /// A tapped waste-collection reminder: "Odpady".
    func openWasteTapped() {
        guard NotificationSignals.shared.wasteTapped else { return }
        NotificationSignals.shared.wasteTapped = false
        tab = .home
        homePath = [.waste]
    }

    /// A tap on a posted notification: the inbox, then what it points to.
    func openTapped() async {
        guard let id = NotificationSignals.shared.tapped else { return }
        NotificationSignals.shared.tapped = nil
        await load()
        tab = .home
        homePath = [.notifications]
        if let n = items.first(where: { $0.id == id }) { await open(n) }
    }
}

/// The bell in Home's toolbar (the five tabs are full): the unread count in
/// its icon and in its VoiceOver label.
struct NotificationsBell: View {
    @Environment(NotificationsModel.self) private var inbox

    var body: some View {
        NavigationLink(value: Route.notifications) {
            Image(systemName: inbox.unread > 0 ? "bell.badge" : "bell")
        }
        .accessibilityLabel(inbox.unread > 0
            ? t("Powiadomienia, nieprzeczytane: \(inbox.unread)", "Notifications, unread: \(inbox.unread)")
            : t("Powiadomienia", "Notifications"))
    }
}

struct NotificationsView: View {
    @Environment(NotificationsModel.self) private var inbox
    @Environment(AppModel.self) private var model

    var body: some View {
        List {
            ErrorLine(error: inbox.error)
            if inbox.permission == .notDetermined {
                Section {
                    Button(t("Powiadamiaj mnie o komunikatach gminy", "Notify me of the gmina's alerts")) {
                        Task { await inbox.turnOn() }
                    }
                }
            } else if inbox.permission == .denied {
                Section {
                    Text(t("Powiadomienia są wyłączone w ustawieniach iPhone'a.", "Notifications are off in the iPhone's settings."))
                    if let url = URL(string: UIApplication.openNotificationSettingsURLString) {
                        Link(t("Otwórz ustawienia powiadomień", "Open notification settings"), destination: url)
                    }
                }
            }
            Section {
                // Which topics, where, quiet hours (NotificationSettings.swift); also in Ustawienia.
                NavigationLink(value: Route.notificationSettings) {
                    Label(t("Ustawienia powiadomień", "Notification settings"), systemImage: "slider.horizontal.3")
                }
            }
            if inbox.items.isEmpty {
                ContentUnavailableView(t("Brak powiadomień", "No notifications"), systemImage: "bell")
            }
            ForEach(inbox.items, id: \.id) { n in
                Button {
                    Task { await inbox.open(n) }
                } label: {
                    VStack(alignment: .leading, spacing: 4) {
                        Text(n.title).font(n.read ? .body : .headline)
                        Text(n.body).lineLimit(3)
                        Text(model.core.datetimeText(atMs: n.createdAtMs)).font(.subheadline).foregroundStyle(.secondary)
                    }
                    .foregroundStyle(.primary)
                    .accessibilityElement(children: .combine)
                    .accessibilityValue(n.read ? "" : t("nieprzeczytane", "unread"))
                }
                .accessibilityHint(n.route == nil ? "" : t("Otwiera szczegóły", "Opens the details"))
            }
        }
        .navigationTitle(t("Powiadomienia", "Notifications"))
        .task { await inbox.load() }
        .refreshable { await inbox.load() }
    }
}
