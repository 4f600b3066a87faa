// Background refresh for the outbox: reports written without a connection
// are sent by a BGAppRefreshTask (BGTaskScheduler; the identifier is listed
// under BGTaskSchedulerPermittedIdentifiers in Info.plist, UIBackgroundModes
// has `fetch`). SwiftUI's `.backgroundTask(.appRefresh(_:))` registers the
// handler; `schedule()` asks for the next run when the app goes to the
// background. iOS decides when (or whether) the task runs.
import BackgroundTasks
import Foundation
import MmCore
import Network

enum OutboxRefresh {
    static let identifier = "pl.mmieszkaniec.outbox"
    private static let lastRunKey = "outbox.lastBackgroundRunMs"

    /// Asks for a run in 15 minutes at the earliest (iOS may wait longer).
    static func schedule() {
        let request = BGAppRefreshTaskRequest(identifier: identifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: 15 * 60)
        do {
            try BGTaskScheduler.shared.submit(request)
        } catch {
            // Simulator, or Background App Refresh off: the outbox is sent when the app opens.
        }
    }

    /// Sends what waits, then syncs; asks again while something still waits.
    /// The time budget is short: sync stops with the task when iOS cancels it.
    static func run() async {
        guard let core = Launch.core else { return }
        let sent = try? await core.flushOutbox()
        _ = try? await core.sync(pageSize: nil, listener: CoreEvents.shared)
        // New notifications were posted by `CoreEvents` during the sync; the icon shows the count.
        await LocalNotifications.setBadge(from: core)
        // The instalments due within the resident's days (Taxes.swift), posted once each.
        await TaxReminders.postDue(core: core)
        // The collection schedule may have moved: the waste reminders follow (Waste.swift).
        await WasteReminders.reschedule(core: core)
        UserDefaults.standard.set(Date().ms, forKey: lastRunKey)
        if let sent, sent.pending > 0 { schedule() }
    }

    /// When the last background run finished (shown in Ustawienia).
    static func lastRunMs() -> Int64? {
        let ms = UserDefaults.standard.object(forKey: lastRunKey) as? Int64
        return ms
    }
}

/// The network coming back while the app is open sends the outbox at once
/// ("…a bez internetu — gdy połączenie wróci"), without waiting for iOS's
/// background refresh. `@unchecked Sendable`: NWPathMonitor is thread-safe
/// and calls its handler on its own queue; nothing else is mutable here.
final class Connectivity: @unchecked Sendable {
    private let monitor = NWPathMonitor()

    init(changed: @escaping @Sendable (Bool) -> Void) {
        monitor.pathUpdateHandler = { path in changed(path.status == .satisfied) }
        monitor.start(queue: DispatchQueue(label: "pl.mmieszkaniec.connectivity"))
    }

    deinit { monitor.cancel() }
}
