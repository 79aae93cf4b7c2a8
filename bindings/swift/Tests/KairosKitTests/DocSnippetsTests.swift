// The iOS quickstart of docs/bindings.md ("Quickstart on the platform
// layer"). KairosKit's CoreLocation code exists on iOS only: on Linux this
// region is parsed, not compiled (as the iOS demo's app code; ADR 0006).
import Foundation
import Kairos
import XCTest
@testable import KairosKit

#if os(iOS)
import UIKit
import UserNotifications

func showOffer(_ title: String) {}

final class QuickstartAppDelegate: NSObject, UIApplicationDelegate {
    let sealingKey = Data(repeating: 7, count: 32)
    let catalogKeys: [CatalogKey] = []

    // doc: ios-quickstart-launch
    func application(_ application: UIApplication,
                     didFinishLaunchingWithOptions options: [UIApplication.LaunchOptionsKey: Any]?) -> Bool {
        let support = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        KairosKit.shared.start(KairosKitConfig(engine: EngineConfig(
            dataDir: support.appendingPathComponent("kairos").path,
            timeZone: TimeZone.current.identifier,
            sealingKey: sealingKey,
            catalogKeys: catalogKeys)))
        return true
    }
    // end doc

    func optIn() async {
        // doc: ios-quickstart-permissions-events
        // When the shopper opts in: when-in-use first, "Always" once the app has explained why.
        let notifications = await UNUserNotificationCenter.current().notificationSettings()
        let status = KairosKit.shared.permissions(notificationStatus: notifications.authorizationStatus.rawValue)
        if let request = status.nextRequest { KairosKit.shared.requestLocationPermission(request) }

        for await event in await KairosKit.shared.events() {
            if case let .offerTriggered(_, _, _, _, _, _, title, _) = event { showOffer(title) }
        }
        // end doc
    }
}
#endif

/// What the quickstart leaves to the platform-free code, checked on Linux.
final class DocSnippetsTests: XCTestCase {
    func testTheQuickstartsFirstRequestIsWhenInUseThenAlways() {
        let fresh = PermissionStatus(location: .notDetermined, fullAccuracy: true, motionStatus: 0, notificationStatus: 0)
        XCTAssertEqual(fresh.nextRequest, .whenInUse)
        let inUse = PermissionStatus(location: .whenInUse, fullAccuracy: true, motionStatus: 3, notificationStatus: 2)
        XCTAssertEqual(inUse.nextRequest, .always)
    }
}
