package dev.kairos.demo

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.io.File
import java.security.KeyStore
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The engine's 32-byte sealing key, kept under the Android Keystore.
 *
 * Keystore keys never leave the secure hardware, but the engine needs the raw bytes. So the key is
 * random bytes wrapped (AES-GCM) by a non-exportable Keystore key and stored wrapped in the app's
 * private files; only this app on this device can unwrap it. Losing it (an uninstall, a factory
 * reset) loses the profile, by design.
 */
object SealingKey {
    private const val ALIAS = "kairos-sealing-wrap"
    private const val FILE = "kairos-sealing-key.bin"
    private const val IV_BYTES = 12

    /** The sealing key, created on first use. */
    @Synchronized
    fun load(context: Context): ByteArray {
        val file = File(context.noBackupFilesDir, FILE)
        if (file.exists()) {
            val stored = file.readBytes()
            val cipher = Cipher.getInstance("AES/GCM/NoPadding")
            cipher.init(Cipher.DECRYPT_MODE, wrappingKey(), GCMParameterSpec(128, stored, 0, IV_BYTES))
            return cipher.doFinal(stored, IV_BYTES, stored.size - IV_BYTES)
        }
        val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.ENCRYPT_MODE, wrappingKey())
        file.writeBytes(cipher.iv + cipher.doFinal(key))
        return key
    }

    private fun wrappingKey(): SecretKey {
        val store = KeyStore.getInstance("AndroidKeyStore").apply { load(null) }
        (store.getKey(ALIAS, null) as SecretKey?)?.let { return it }
        val spec = KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .build()
        return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, "AndroidKeyStore").run {
            init(spec)
            generateKey()
        }
    }
}
