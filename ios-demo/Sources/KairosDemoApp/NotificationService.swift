#if canImport(UserNotifications) && os(iOS)
import Foundation
import Kairos
import KairosDemoCore
import UserNotifications

/// Offers as notifications with Redeem and Dismiss buttons; step goals and nudges too.
public final class NotificationService: NSObject, UNUserNotificationCenterDelegate {
    private static let offerCategory = "offer"
    private let engine: Engine
    private let center = UNUserNotificationCenter.current()

    init(engine: Engine) {
        self.engine = engine
        super.init()
        center.delegate = self
        center.setNotificationCategories([UNNotificationCategory(
            identifier: Self.offerCategory,
            actions: [UNNotificationAction(identifier: "redeem", title: "Redeem", options: [.foreground]),
                      UNNotificationAction(identifier: "dismiss", title: "Dismiss", options: [.destructive])],
            intentIdentifiers: [])])
    }

    /// Asks to show alerts and sounds.
    public func requestPermission() async -> Bool {
        (try? await center.requestAuthorization(options: [.alert, .sound])) ?? false
    }

    /// Shows what `event` calls for.
    func show(_ event: KairosEvent) {
        let content = UNMutableNotificationContent()
        let id: String
        switch event {
        case let .offerTriggered(_, instanceId, _, _, _, _, title, expiresAt):
            id = "offer-\(instanceId)"
            content.title = title
            content.body = Countdown.claimText(expiresAt: expiresAt, now: Date())
            content.categoryIdentifier = Self.offerCategory
            content.userInfo = ["instanceId": instanceId]
            _ = try? engine.presented(instanceId: instanceId, now: Date())
        case let .offerExpired(_, instanceId, _):
            center.removeDeliveredNotifications(withIdentifiers: ["offer-\(instanceId)"])
            return
        case let .stepGoalReached(_, _, steps, _):
            id = "goal"
            content.title = "Goal reached!"
            content.body = "\(steps) steps today."
        case let .inactivityNudge(_, _, minutes):
            id = "nudge"
            content.title = "Time for a walk?"
            content.body = "You have been sitting for \(minutes) min."
        default:
            return
        }
        center.add(UNNotificationRequest(identifier: id, content: content, trigger: nil))
    }

    public func userNotificationCenter(_ center: UNUserNotificationCenter, didReceive response: UNNotificationResponse) async {
        guard let id = response.notification.request.content.userInfo["instanceId"] as? Int64 else { return }
        let presenter = OffersPresenter(engine: engine)
        switch response.actionIdentifier {
        case "redeem": _ = presenter.redeem(id, now: Date())
        case "dismiss": _ = presenter.dismiss(id, now: Date())
        default: break
        }
    }

    public func userNotificationCenter(_ center: UNUserNotificationCenter,
                                       willPresent notification: UNNotification) async -> UNNotificationPresentationOptions {
        [.banner, .list, .sound]
    }
}
#endif
