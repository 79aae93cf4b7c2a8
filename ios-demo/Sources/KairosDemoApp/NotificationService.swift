#if canImport(UserNotifications) && os(iOS)
import Foundation
import Kairos
import KairosDemoCore
import UserNotifications

/// The engine's events as notifications (`Notices` decides which and what they say): offers with
/// "Redeem at the till" (opens that offer, as a tap does: redeeming there shows the QR code the
/// till scans) and Dismiss buttons, step goals, nudges, overdue routines and
/// on-the-way reminders. Its delegate is set at launch, so a tap that launched the app is seen.
public final class NotificationService: NSObject, UNUserNotificationCenterDelegate, @unchecked Sendable {
    private static let offerCategory = "offer"
    private let center = UNUserNotificationCenter.current()
    /// The engine, once KairosKit opened it (set on the main actor).
    var engine: Engine?
    /// Called on the main actor with the offer instance a notification's tap opens.
    var onOpenOffer: (Int64) -> Void = { _ in }

    override init() {
        super.init()
        center.delegate = self
        center.setNotificationCategories([UNNotificationCategory(
            identifier: Self.offerCategory,
            actions: [UNNotificationAction(identifier: "redeem", title: "Redeem at the till", options: [.foreground]),
                      UNNotificationAction(identifier: "dismiss", title: "Dismiss", options: [.destructive])],
            intentIdentifiers: [])])
    }

    /// Asks to show alerts and sounds.
    public func requestPermission() async -> Bool {
        (try? await center.requestAuthorization(options: [.alert, .sound])) ?? false
    }

    /// Shows what `event` calls for; an offer is reported presented only when alerts may show.
    func show(_ event: KairosEvent) async {
        if let gone = Notices.withdrawn(event) { center.removeDeliveredNotifications(withIdentifiers: [gone]) }
        let now = Date()
        guard let notice = Notices.of(event, now: now) else { return }
        guard await center.notificationSettings().authorizationStatus == .authorized else { return }
        let content = UNMutableNotificationContent()
        content.title = notice.title
        content.body = notice.body
        content.threadIdentifier = notice.kind.rawValue
        if let offer = notice.offerInstanceId {
            content.categoryIdentifier = Self.offerCategory
            content.userInfo = [Notices.offerKey: offer]
        }
        try? await center.add(UNNotificationRequest(identifier: notice.id, content: content, trigger: nil))
        if let offer = notice.offerInstanceId { _ = try? engine?.presented(instanceId: offer, now: now) }
    }

    public func userNotificationCenter(_ center: UNUserNotificationCenter, didReceive response: UNNotificationResponse) async {
        guard let id = response.notification.request.content.userInfo[Notices.offerKey] as? Int64 else { return }
        switch response.actionIdentifier {
        case "dismiss":
            guard let engine else { return }
            _ = OffersPresenter(engine: engine).dismiss(id, now: Date())
        default: // the notification itself, or "Redeem at the till": open that offer, whose Redeem shows the QR code
            await MainActor.run { onOpenOffer(id) }
        }
    }

    public func userNotificationCenter(_ center: UNUserNotificationCenter,
                                       willPresent notification: UNNotification) async -> UNNotificationPresentationOptions {
        [.banner, .list, .sound]
    }
}
#endif
