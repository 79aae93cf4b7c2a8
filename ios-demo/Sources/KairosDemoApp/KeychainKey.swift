#if canImport(Security) && os(iOS)
import Foundation
import Security

/// The engine's 32-byte sealing key, in the Keychain: created once with a secure random
/// generator, readable after the first unlock (background wakes need it), never synced or backed
/// up to another device.
enum KeychainKey {
    private static let query: [String: Any] = [
        kSecClass as String: kSecClassGenericPassword,
        kSecAttrService as String: "dev.kairos.demo",
        kSecAttrAccount as String: "sealing-key",
    ]

    struct Failure: Error { let status: OSStatus }

    /// The key, created on first use.
    static func load() throws -> Data {
        var read = query
        read[kSecReturnData as String] = true
        var item: CFTypeRef?
        let status = SecItemCopyMatching(read as CFDictionary, &item)
        if status == errSecSuccess, let data = item as? Data { return data }
        guard status == errSecItemNotFound else { throw Failure(status: status) }

        var key = Data(count: 32)
        let random = key.withUnsafeMutableBytes { SecRandomCopyBytes(kSecRandomDefault, 32, $0.baseAddress!) }
        guard random == errSecSuccess else { throw Failure(status: random) }
        var add = query
        add[kSecValueData as String] = key
        add[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        let added = SecItemAdd(add as CFDictionary, nil)
        guard added == errSecSuccess else { throw Failure(status: added) }
        return key
    }
}
#endif
