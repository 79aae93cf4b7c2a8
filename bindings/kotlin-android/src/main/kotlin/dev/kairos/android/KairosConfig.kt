package dev.kairos.android

import dev.kairos.EngineConfig
import dev.kairos.HttpTransport
import dev.kairos.HttpUrlConnectionTransport
import dev.kairos.SyncOptions
import java.util.concurrent.Executor

/** How [Kairos] runs: the engine's configuration and what the platform layer does around it. */
class KairosConfig(
    /** The engine's configuration (data directory, time zone, sealing key, catalog keys...). */
    val engine: EngineConfig,
    /** The backend to sync with in the background, or null for no background sync. */
    val sync: SyncOptions? = null,
    /** The HTTP stack the sync uses (the JDK's `HttpURLConnection` by default). */
    val transport: HttpTransport = HttpUrlConnectionTransport(),
    /** Most wake regions registered with the platform at once (Android allows 100; each costs battery). */
    val wakeRegionLimit: Int = 20,
    /** Minutes between ticks (`JobScheduler` runs periodic jobs at most every 15 minutes). */
    val tickIntervalMinutes: Long = 15,
    /** Hours between background syncs. */
    val syncIntervalHours: Long = 24,
    /** The job ids Kairos uses. */
    val jobIds: JobIds = JobIds(),
    /**
     * Where engine calls run (they touch SQLite): null for Kairos's own background thread.
     * Tests pass a direct executor to run everything in line.
     */
    val executor: Executor? = null,
) {
    init {
        require(wakeRegionLimit in 1..100) { "wakeRegionLimit must be 1..100 (Android's geofence limit), got $wakeRegionLimit" }
        require(tickIntervalMinutes >= 15) { "tickIntervalMinutes must be at least 15 (JobScheduler's period floor), got $tickIntervalMinutes" }
        require(syncIntervalHours >= 1) { "syncIntervalHours must be at least 1, got $syncIntervalHours" }
    }
}
