// Push notifications over APNs (issue 16), thin over the core: the device
// token goes to the core's `registerPush` (queued in its outbox, sent at
// once when online), and a push that arrives or is tapped only makes the app
// sync: the feed is the source of truth, the push only says there is
// something in it (as Android's UnifiedPush receiver does). The core decides
// what the sync's listener rings: nothing the server pushed to this device,
// since iOS showed that one already. Not compiled in CI: `make test-swift`
// parses it and checks its calls into the bindings.
import Foundation
import MmCore
import SwiftUI
import UIKit
import UserNotifications

/// The app's `UIApplicationDelegate` (`@UIApplicationDelegateAdaptor` in
/// `MieszkaniecApp`): SwiftUI has no scene-level hook for the APNs token.
/// `@MainActor`: UIKit calls it on the main thread, as the protocol says.
@MainActor
final class AppDelegate: NSObject, UIApplicationDelegate {
    func application(_ application: UIApplication,
                     didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        // Apple asks for a registration at every launch (the token can change
        // after a restore or an update); only once the resident allowed
        // notifications, which is never asked here.
        Task { await Push.registerIfAllowed() }
        return true
    }

    func application(_ application: UIApplication, didRegisterForRemoteNotificationsWithDeviceToken deviceToken: Data) {
        // The token as the protocol takes it: lowercase hex, two digits a byte.
        let hex = deviceToken.map { String(format: "%02x", $0) }.joined()
        Task { await Push.register(tokenHex: hex) }
    }

    func application(_ application: UIApplication, didFailToRegisterForRemoteNotificationsWithError error: Error) {
        // No push then: the feed still comes with every sync. (The simulator
        // before iOS 16 and a build without the aps-environment entitlement end here.)
        notificationsLog.error("APNs registration failed: \(error.localizedDescription, privacy: .public)")
    }

    /// A push while the app runs (and in the background, should the server
    /// ever add `content-available`): fetch what it announced.
    func application(_ application: UIApplication,
                     didReceiveRemoteNotification userInfo: [AnyHashable: Any]) async -> UIBackgroundFetchResult {
        guard let id = Push.serverId(userInfo) else { return .noData }
        notificationsLog.info("push \(id, privacy: .public) arrived")
        return await PushSync.shared.run() ? .newData : .failed
    }
}

/// The APNs registration and what a push carries.
enum Push {
    /// The key of the app's own object in the APNs payload
    /// (server/src/push/apns.rs `Apns::payload`: `{"aps": …, "mm": {"id", "class", "link"}}`).
    static let payloadKey = "mm"

    /// A debug build is signed with a development profile, whose tokens
    /// belong to the APNs sandbox; TestFlight and the App Store use
    /// production. The server sends to the environment the token came from.
    static var sandbox: Bool {
        #if DEBUG
        return true
        #else
        return false
        #endif
    }

    /// The server's id of the notification a push carries; nil for a push
    /// that is not ours. It is the feed's id, not the inbox row's (the core
    /// keeps that mapping), so a tap opens the inbox, not the row.
    static func serverId(_ userInfo: [AnyHashable: Any]) -> Int64? {
        guard let mm = userInfo[payloadKey] as? [String: Any] else { return nil }
        return mm["id"] as? Int64
    }

    /// Asks UIKit for the token when the resident allowed notifications
    /// (provisional and ephemeral included: the pushes then arrive quietly).
    static func registerIfAllowed() async {
        switch await LocalNotifications.authorizationStatus() {
        case .authorized, .provisional, .ephemeral:
            await MainActor.run { UIApplication.shared.registerForRemoteNotifications() }
        case .denied, .notDetermined:
            return
        @unknown default:
            return
        }
    }

    /// Hands the token to the core (it checks it and queues it) and tries to
    /// send it now; offline the outbox sends it later. The token is never
    /// logged, nor kept by the shell.
    static func register(tokenHex: String) async {
        guard let core = Launch.core else { return }
        let registration = PushRegistrationInput.apns(tokenHex: tokenHex, sandbox: sandbox)
        do {
            let status: PushStatus = try await offMain { try core.registerPush(registration: registration) }
            notificationsLog.info("push registration queued (\(String(describing: status.state), privacy: .public))")
            _ = try await core.flushOutbox()
        } catch {
            notificationsLog.error("push registration: \(UserError(error).code, privacy: .public)")
        }
    }
}

/// The sync a push asks for, one at a time: a push in the foreground reaches
/// both the app delegate and the notification centre's delegate, and a
/// second sync while the first runs would only repeat it. (A push that comes
/// while one runs joins it; what that sync missed comes with the next, and
/// the app syncs whenever it comes back to the foreground.)
@MainActor
final class PushSync {
    static let shared = PushSync()
    private var running: Task<Bool, Never>?

    /// True when the sync went through.
    @discardableResult
    func run() async -> Bool {
        if let running { return await running.value }
        let task = Task { await Self.syncNow() }
        running = task
        let ok = await task.value
        running = nil
        return ok
    }

    private static func syncNow() async -> Bool {
        guard let core = Launch.core else { return false }
        var ok = true
        do {
            _ = try await core.sync(pageSize: nil, listener: CoreEvents.shared)
        } catch {
            ok = false
            notificationsLog.error("sync after a push: \(UserError(error).code, privacy: .public)")
        }
        // The inbox and the badges reload; a changed schedule moves the waste reminders.
        NotificationSignals.shared.arrived += 1
        await LocalNotifications.setBadge(from: core)
        await WasteReminders.reschedule(core: core)
        return ok
    }
}
